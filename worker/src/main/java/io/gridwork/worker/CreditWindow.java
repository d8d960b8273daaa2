package io.gridwork.worker;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The worker's credit window: how many tasks it may hold (its slots plus the prefetch window), how the prefetch adapts
 * to how long tasks take (automatic prefetch), and how the free room is shared as credits among the masters. No I/O,
 * no clock, no threads: the {@link WorkerCore} gives it what it measured and applies what it returns.
 *
 * <p>Sharing: the budget is the slots plus the window; what the held tasks take and the credits the masters hold
 * already are spent. The rest goes one credit at a time to the master, among those that can use one (demand beyond
 * the credits it holds), whose share (tasks it has here plus credits it holds) is smallest relative to its demand: so
 * one busy master alone gets every slot, two equally busy ones about half each, and an idle one none. The only master
 * the worker knows of gets every slot whatever its demand (exactly the behaviour of a worker with one master, prefetch
 * included); with several, a master that has not said its demand on its stream yet counts as wanting none until it
 * says: credits cannot be taken back, so the first master to connect must not take them all.
 */
final class CreditWindow {

    /**
     * A running task counts as long (auto prefetch) once its code has run this long and 4 times the mean of the tasks
     * that ended: a pause of the JVM or of a busy machine on tiny tasks is not mistaken for a change of job (at 50 ms,
     * workers of tiny tasks on a loaded machine handed back and took again thousands of tasks a job).
     */
    static final long LONG_TASK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** A master with an open stream, as the sharing sees it. */
    record Claimant(int outstanding, Integer demand, int heldSlots) {
    }

    private final int slots;
    private final boolean auto;
    /** Tasks held beyond the slots: fixed, or (auto prefetch) adapted to how long tasks take. */
    private int window;
    /** Moving average of task run times, in nanoseconds (auto prefetch). */
    private double meanTaskNanos = -1;
    /**
     * How long the longest task running now has run, once that is long for the tasks seen so far (auto prefetch: the
     * window shrinks at once, not only when the task ends); 0 otherwise.
     */
    private long longRunningNanos;

    CreditWindow(int slots, boolean autoPrefetch, int prefetch) {
        this.slots = slots;
        this.auto = autoPrefetch;
        this.window = autoPrefetch ? WorkerOptions.AUTO_PREFETCH_MIN : prefetch;
    }

    int slots() {
        return slots;
    }

    /** Tasks it asks the masters to keep ready beyond its slots now. */
    int window() {
        return window;
    }

    /** The most slots' worth of tasks and credits the worker holds at once now. */
    int budget() {
        return slots + window;
    }

    /** How far {@code used} (held slots plus credits out) is beyond the budget; 0 if within it. */
    int excess(int used) {
        return Math.max(0, used - budget());
    }

    /**
     * A task's code ran {@code runNanos} (0: it never ran): the mean moves, and the window with it. Returns by how many
     * tasks the window grew (negative: shrank).
     */
    int taskEnded(long runNanos) {
        if (!auto || runNanos <= 0) {
            return 0;
        }
        meanTaskNanos = meanTaskNanos < 0 ? runNanos : meanTaskNanos * 0.9 + runNanos * 0.1;
        return resize();
    }

    /**
     * The task running longest now has run {@code longestNanos}: once that is long for what ran so far, the window is
     * sized for it at once. Returns by how many tasks the window grew (negative: shrank), 0 if it is not long.
     */
    int longestRunning(long longestNanos) {
        longRunningNanos = auto && longestNanos >= LONG_TASK_NANOS && longestNanos > 4 * meanTaskNanos ? longestNanos : 0;
        return longRunningNanos > 0 ? resize() : 0;
    }

    /** Whether a task that ran this long counts as long (held tasks go back when the window shrinks for it). */
    static boolean isLong(long runNanos) {
        return runNanos >= LONG_TASK_NANOS;
    }

    private int resize() {
        double expected = Math.max(meanTaskNanos, longRunningNanos);
        if (expected <= 0) {
            return 0;
        }
        int wanted = autoWindow(slots, expected);
        int delta = wanted - window;
        window = wanted;
        return delta;
    }

    /** The automatic prefetch for tasks expected to run {@code taskNanos}: about 20 ms of queued work per slot. */
    static int autoWindow(int slots, double taskNanos) {
        double target = (double) WorkerOptions.AUTO_PREFETCH_TARGET.toNanos() * slots;
        return (int) Math.max(WorkerOptions.AUTO_PREFETCH_MIN, Math.min(WorkerOptions.AUTO_PREFETCH_MAX,
                Math.ceil(target / Math.max(1.0, taskNanos))));
    }

    /**
     * The credits to grant now to each of the {@code open} masters (same order), given {@code used} (the slots the
     * held tasks take plus the credits every connected master holds) and {@code known} (the masters the worker holds
     * a link to, connected or not).
     */
    int[] grants(int used, int known, List<Claimant> open) {
        int n = open.size();
        int[] grant = new int[n];
        int free = budget() - used;
        if (free <= 0 || n == 0) {
            return grant;
        }
        long[] weight = new long[n];
        long[] want = new long[n];
        long[] share = new long[n];
        for (int i = 0; i < n; i++) {
            Claimant c = open.get(i);
            if (known == 1) {
                // the only master: every free slot, whatever its demand (speculative attempts and retries count on it)
                weight[i] = 1;
                want[i] = Long.MAX_VALUE;
            } else if (c.demand() != null) {
                weight[i] = c.demand();
                want[i] = Math.max(0, c.demand() - c.outstanding());
            }
            share[i] = c.outstanding() + (n > 1 ? c.heldSlots() : 0);
        }
        while (free > 0) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (want[i] <= 0 || weight[i] <= 0) {
                    continue;
                }
                // smallest share / weight first (cross-multiplied); ties to the one with more demand
                if (best < 0 || share[i] * weight[best] < share[best] * weight[i]
                        || (share[i] * weight[best] == share[best] * weight[i] && weight[i] > weight[best])) {
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            long give = n == 1 ? Math.min(free, want[best]) : 1;
            grant[best] += (int) give;
            share[best] += give;
            want[best] -= give;
            free -= (int) give;
        }
        return grant;
    }
}
