package io.gridwork.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Log levels by command: servers (master, worker) log at INFO; client commands stay quiet unless --verbose. */
final class Logging {

    private Logging() {}

    static void configure(Level level) {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(level);
        context.getLogger("io.grpc").setLevel(level.isGreaterOrEqual(Level.WARN) ? Level.ERROR : Level.WARN);
        context.getLogger("io.grpc.netty.shaded").setLevel(Level.ERROR);
        // gRPC logs each request it cannot parse with a stack trace; garbage from the network must not flood the log
        context.getLogger("io.grpc.internal.SerializingExecutor").setLevel(Level.OFF);
        context.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
        context.getLogger("org.flywaydb").setLevel(Level.WARN);
        context.getLogger("org.quartz").setLevel(Level.WARN);
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.FINE);
    }
}
