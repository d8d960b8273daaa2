package io.gridwork.master.core;

import java.time.Duration;

/**
 * Which slow task gets a second attempt on an idle worker: the most overdue one, once it has run
 * {@code multiplier} times its job's mean task duration (and at least {@code minRuntime}), and only on a worker at
 * least as fast as the one running it. The first result wins; the other attempt is cancelled. Pure: no state.
 */
final class Speculation {

    /** A running attempt that could get a second one: how long it has run, its job's mean, its worker's speed. */
    record Running<A>(A attempt, long runningMs, double meanTaskMs, double holderSpeed) {}

    private final double multiplier;
    private final Duration minRuntime;

    Speculation(double multiplier, Duration minRuntime) {
        this.multiplier = multiplier;
        this.minRuntime = minRuntime;
    }

    Speculation(SchedulerOptions options) {
        this(options.speculationMultiplier(), options.speculationMinRuntime());
    }

    /** How long a task of a job with this mean runs before it counts as slow. */
    double thresholdMs(double meanTaskMs) {
        return Math.max(minRuntime.toMillis(), meanTaskMs * multiplier);
    }

    /** How far past the threshold an attempt is: 1.0 and more is slow. */
    double overdue(Running<?> r) {
        return r.runningMs() / thresholdMs(r.meanTaskMs());
    }

    /**
     * The attempt a worker of {@code speed} should run a second time, the most overdue of those that are slow (the
     * first of equals); null if none is.
     */
    <A> A choose(double speed, Iterable<Running<A>> running) {
        A best = null;
        double bestOverdue = 1.0;
        for (Running<A> r : running) {
            if (speed < r.holderSpeed()) {
                continue; // a slower worker would not finish it sooner
            }
            double overdue = overdue(r);
            if (overdue >= bestOverdue && (best == null || overdue > bestOverdue)) {
                best = r.attempt();
                bestOverdue = overdue;
            }
        }
        return best;
    }
}
