package io.gridwork.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Log levels by command: servers (master, worker) log at INFO; client commands stay quiet unless --verbose. */
final class Logging {

    private Logging() {}

    /** How servers write their log lines. */
    enum Format { text, json }

    /** The name of the appender that writes the log lines to stderr (see {@link LogConfigurator}). */
    static final String APPENDER = "STDERR";

    /**
     * The text lines: the ids a line is about ({@code job=job-3 task=17 worker=w1},
     * SLF4J key-value pairs) follow the message.
     */
    static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%replace( %kvp{NONE}){'^ $', ''}%n";

    /**
     * Text lines, or one JSON object per line (Logback's JsonEncoder: {@code timestamp}, {@code level},
     * {@code threadName}, {@code loggerName}, {@code message}, {@code kvpList} with the ids, {@code throwable}).
     */
    static void format(Format format) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Appender<ILoggingEvent> appender = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER);
        if (!(appender instanceof OutputStreamAppender)) {
            return; // logging configured some other way (-Dlogback.configurationFile): leave it alone
        }
        Encoder<ILoggingEvent> encoder;
        if (format == Format.json) {
            JsonEncoder json = new JsonEncoder();
            json.setWithContext(false);
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithArguments(false);
            json.setWithMessage(false);
            json.setWithFormattedMessage(true);
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(TEXT_PATTERN);
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> out = (OutputStreamAppender<ILoggingEvent>) appender;
        out.stop();
        out.setEncoder(encoder);
        out.start();
    }

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
        // the HTTP ports' server: its start-up lines say nothing the master's own do not (bad requests are DEBUG)
        context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.FINE);
    }
}
