package io.gridwork.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A settable clock and a timer driven by it, for tests: nothing runs until {@link #advance} moves time past it. Shared
 * by the master's and the worker's tests (api's test jar).
 */
public final class ManualTimer extends AbstractExecutorService implements ScheduledExecutorService {

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final List<Task> tasks = new ArrayList<>();
    private long sequence;

    /** The clock this timer moves: hand it to the code under test with the timer. */
    public final Clock clock = new Clock() {
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
            synchronized (ManualTimer.this) {
                return now;
            }
        }
    };

    /** Moves time forward, running every task that falls due on the way, in time order. */
    public void advance(Duration d) {
        Instant end;
        synchronized (this) {
            end = now.plus(d);
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.cancelled && !t.at.isAfter(end))
                        .min(Comparator.comparing((Task t) -> t.at).thenComparingLong(t -> t.seq)).orElse(null);
                if (next == null) {
                    now = end;
                    return;
                }
                now = next.at;
                if (next.period == null) {
                    tasks.remove(next);
                } else {
                    next.at = next.at.plus(next.period);
                }
            }
            next.command.run();
        }
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable command;
        final Duration period;
        final long seq = sequence++;
        Instant at;
        volatile boolean cancelled;

        Task(Runnable command, Instant at, Duration period) {
            this.command = command;
            this.at = at;
            this.period = period;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(clock.instant(), at));
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }

    private synchronized Task add(Runnable command, long delay, TimeUnit unit, Duration period) {
        Task t = new Task(command, now.plusNanos(unit.toNanos(delay)), period);
        tasks.add(t);
        return t;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(command, delay, unit, null);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return add(command, initialDelay, unit, Duration.ofNanos(unit.toNanos(period)));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return add(command, initialDelay, unit, Duration.ofNanos(unit.toNanos(delay)));
    }

    @Override
    public void shutdown() {
    }

    @Override
    public List<Runnable> shutdownNow() {
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }

    @Override
    public void execute(Runnable command) {
        command.run();
    }
}
