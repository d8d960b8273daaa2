package io.gridwork.master.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's one thread: a mailbox of events run in order on a single-threaded executor. Every room of the
 * core keeps its state on this loop; other threads {@link #post} events to it, or {@link #call} it and wait (with a
 * time limit) for an answer. Timers post their events here too, so time only ever acts on the loop.
 */
final class Loop {

    private static final Logger log = LoggerFactory.getLogger(Loop.class);

    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Duration callTimeout;
    /** Events posted and not yet run: the mailbox depth, a gauge. */
    private final AtomicInteger depth = new AtomicInteger();

    Loop(Executor executor, ScheduledExecutorService timer, Clock clock, Duration callTimeout) {
        this.executor = executor;
        this.timer = timer;
        this.clock = clock;
        this.callTimeout = callTimeout;
    }

    Instant now() {
        return clock.instant();
    }

    Clock clock() {
        return clock;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    int depth() {
        return depth.get();
    }

    /** Runs an event on the loop; an event that throws is logged and the loop carries on. */
    void post(Runnable event) {
        depth.incrementAndGet();
        try {
            executor.execute(() -> {
                depth.decrementAndGet();
                try {
                    event.run();
                } catch (Throwable t) {
                    log.error("scheduler event failed", t);
                }
            });
        } catch (RejectedExecutionException e) {
            depth.decrementAndGet();
            log.debug("scheduler loop stopped; event dropped");
        }
    }

    /**
     * Runs {@code work} on the loop and waits for its outcome, at most the call time limit; a {@link CoreException}
     * it throws is rethrown. Past the limit the caller gets UNAVAILABLE (the work still runs when its turn comes).
     * Never call it from the loop itself.
     */
    <T> T call(Callable<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        depth.incrementAndGet();
        try {
            executor.execute(() -> {
                depth.decrementAndGet();
                try {
                    done.complete(work.call());
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            depth.decrementAndGet();
            throw CoreException.unavailable("the master is shutting down");
        }
        return await(done, callTimeout, "the scheduler");
    }

    /** Waits for {@code future} at most {@code limit}; its CoreException is rethrown, a timeout is UNAVAILABLE. */
    static <T> T await(CompletableFuture<T> future, Duration limit, String who) {
        try {
            return future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw CoreException.unavailable(who + " did not answer within " + Scheduler.human(limit)
                    + "; the master is overloaded, try again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CoreException.unavailable("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Posts {@code event} to the loop after {@code delay}. */
    ScheduledFuture<?> schedule(Duration delay, Runnable event) {
        return timer.schedule(() -> post(event), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Posts {@code event} to the loop every {@code period}. */
    ScheduledFuture<?> every(Duration period, Runnable event) {
        long ms = period.toMillis();
        return timer.scheduleWithFixedDelay(() -> post(event), ms, ms, TimeUnit.MILLISECONDS);
    }
}
