package io.gridwork.worker.owner;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the {@link OwnerPolicy} every few seconds on its own executor (a check may block on the owner's command),
 * and tells the listener each time the mode changes (and once at the first check). {@link #checkOnce()} is the loop's
 * body, so tests step it.
 */
public final class OwnerWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OwnerWatch.class);
    /** How often the owner's state is checked: soon enough to leave within seconds, rare enough to cost nothing. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(3);

    private final OwnerPolicy policy;
    private final Consumer<OwnerPolicy.Verdict> listener;
    private OwnerPolicy.Verdict last;
    private ScheduledFuture<?> task;

    public OwnerWatch(OwnerPolicy policy, Consumer<OwnerPolicy.Verdict> listener) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Checks now, then every {@code interval}, on {@code executor} (which the caller owns and shuts down). */
    public void start(ScheduledExecutorService executor, Duration interval) {
        task = executor.scheduleWithFixedDelay(this::checkOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One check; tells the listener if the mode changed. Returns the verdict. */
    public synchronized OwnerPolicy.Verdict checkOnce() {
        OwnerPolicy.Verdict v;
        try {
            v = policy.check();
        } catch (Throwable t) {
            log.error("checking the owner's state failed; carrying on", t);
            return last;
        }
        if (last == null || last.mode() != v.mode()) {
            if (v.busy()) {
                log.info("taking no tasks: {}", v.reason());
            } else if (last != null) {
                log.info("back in service: the owner's machine is idle");
            }
            last = v;
            listener.accept(v);
        }
        return v;
    }

    /** The last verdict, or null before the first check. */
    public synchronized OwnerPolicy.Verdict last() {
        return last;
    }

    @Override
    public void close() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
