package io.gridwork.worker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's one thread for its state, as the master's core has: a mailbox of events run in order on a
 * single-threaded executor. The {@link WorkerCore} and the {@link MasterLink}s keep their state on it; other threads
 * (gRPC callbacks, task threads, the timer) {@link #post} events to it, or {@link #call} it and wait, with a time
 * limit, for an answer. Timers post their events here too, so time only acts on the loop. After every event the
 * {@code afterEvent} hook runs (the core sends what accumulated and completes what waits on a condition).
 */
final class WorkerLoop {

    private static final Logger log = LoggerFactory.getLogger(WorkerLoop.class);

    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private volatile Runnable afterEvent = () -> { };
    /** The loop's thread while it runs an event (a direct loop in tests has none of its own). */
    private volatile Thread current;

    WorkerLoop(Executor executor, ScheduledExecutorService timer, Clock clock) {
        this.executor = executor;
        this.timer = timer;
        this.clock = clock;
    }

    void afterEvent(Runnable hook) {
        this.afterEvent = hook;
    }

    Clock clock() {
        return clock;
    }

    Instant now() {
        return clock.instant();
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    /** Runs an event on the loop; an event that throws is logged and the loop carries on. */
    void post(Runnable event) {
        try {
            executor.execute(() -> run(event));
        } catch (RejectedExecutionException e) {
            log.debug("worker loop stopped; event dropped");
        }
    }

    private void run(Runnable event) {
        Thread before = current;
        current = Thread.currentThread();
        try {
            event.run();
        } catch (Throwable t) {
            log.error("worker event failed; carrying on", t);
        }
        try {
            afterEvent.run();
        } catch (Throwable t) {
            log.error("worker event failed; carrying on", t);
        } finally {
            current = before;
        }
    }

    /** Whether the calling thread is running a loop event now. */
    boolean onLoop() {
        return current == Thread.currentThread();
    }

    /**
     * Runs {@code work} on the loop and waits at most {@code limit} for its answer (at once if called on the loop).
     * Throws {@link IllegalStateException} if the loop has stopped or did not answer in time.
     */
    <T> T call(Callable<T> work, Duration limit) {
        if (onLoop()) {
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        CompletableFuture<T> done = new CompletableFuture<>();
        try {
            executor.execute(() -> run(() -> {
                try {
                    done.complete(work.call());
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            }));
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the worker has stopped");
        }
        try {
            return done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the worker's loop did not answer within " + limit.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Posts {@code event} to the loop after {@code delay}; null if the timer has stopped. */
    ScheduledFuture<?> schedule(Duration delay, Runnable event) {
        try {
            return timer.schedule(() -> post(event), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            return null;
        }
    }

    /** Posts {@code event} to the loop every {@code period}, the first time after {@code initialDelay}. */
    ScheduledFuture<?> every(Duration initialDelay, Duration period, Runnable event) {
        try {
            return timer.scheduleAtFixedRate(() -> post(event), Math.max(0, initialDelay.toNanos()), period.toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            return null;
        }
    }

    /**
     * A clock that never goes backwards (from {@link System#nanoTime}, anchored to the wall clock once): how long a
     * task has run must not jump when the machine's time is set.
     */
    static Clock monotonicClock() {
        Instant base = Instant.now();
        long baseNanos = System.nanoTime();
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return base.plusNanos(System.nanoTime() - baseNanos);
            }
        };
    }
}
