package io.gridwork.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration for every {@code grid} command, set up in code: text lines on stderr ({@link
 * Logging#TEXT_PATTERN}), the root logger at ERROR until the command sets its levels ({@link Logging#configure}).
 * Logback finds it as a service before it looks for {@code logback.xml}; reading an XML configuration took a tenth of
 * a client command's start (an XML parser and Logback's configuration model). The lines' layout is made at the first
 * line logged ({@link LazyTextLayout}): a client command usually logs none. A configuration file of the user's,
 * {@code -Dlogback.configurationFile=FILE} (through {@code GRID_JAVA_OPTS}), is still read instead.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {

    /** The system property with which Logback reads a configuration file. */
    static final String CONFIG_FILE_PROPERTY = "logback.configurationFile";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LazyTextLayout layout = new LazyTextLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName(Logging.APPENDER);
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.ERROR);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
