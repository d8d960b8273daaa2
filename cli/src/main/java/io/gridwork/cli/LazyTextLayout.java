package io.gridwork.cli;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;

/**
 * The text lines of {@link Logging#TEXT_PATTERN}, by a {@link PatternLayout} made at the first line logged. A client
 * command logs nothing unless something goes wrong (its loggers are at ERROR), but made at start, a PatternLayout
 * (its converters' registry, the pattern's parser and compiler) took 0.02-0.03 s of CPU of every {@code grid}
 * command, of which about 0.008 s is saved (the rest is JDK classes a later step initializes anyway; see the README,
 * "CLI start, third round"). The lines are PatternLayout's own, so they are the same as before; servers set their
 * format at start ({@link Logging#format}) and do not use this.
 */
final class LazyTextLayout extends LayoutBase<ILoggingEvent> {

    private volatile PatternLayout layout;

    @Override
    public String doLayout(ILoggingEvent event) {
        return layout().doLayout(event);
    }

    /** The pattern, for whoever asks what this layout writes. */
    String getPattern() {
        return Logging.TEXT_PATTERN;
    }

    /** The PatternLayout, made once (appenders encode outside their lock, so threads may ask at the same time). */
    private PatternLayout layout() {
        PatternLayout made = layout;
        if (made == null) {
            synchronized (this) {
                made = layout;
                if (made == null) {
                    made = new PatternLayout();
                    made.setContext(getContext());
                    made.setPattern(Logging.TEXT_PATTERN);
                    made.start();
                    layout = made;
                }
            }
        }
        return made;
    }

    @Override
    public void stop() {
        PatternLayout made = layout;
        if (made != null) {
            made.stop();
        }
        super.stop();
    }
}
