package io.gridwork.master.store;

/**
 * What one ended task attempt used, as the usage ledger keeps it (with the attempt's end: see {@code V14}).
 *
 * @param slots worker slots it held (its job's slots per task)
 * @param runMs how long it ran, by the master's clock (see {@link io.gridwork.master.store.UsageRepository})
 * @param cpuNanos CPU time its worker measured (0: not measured)
 * @param costFactor its worker's cost factor ({@code grid worker --cost-factor})
 * @param lostRace it was cancelled because another attempt of its task finished first (a speculative loser)
 */
public record AttemptUsage(int slots, long runMs, long cpuNanos, double costFactor, boolean lostRace) {

    public AttemptUsage {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, got " + slots);
        }
        runMs = Math.max(0, runMs);
        cpuNanos = Math.max(0, cpuNanos);
        if (!(costFactor > 0) || Double.isInfinite(costFactor)) {
            throw new IllegalArgumentException("costFactor must be above 0, got " + costFactor);
        }
    }

    /** Slot-milliseconds: slots x run time. */
    public long slotMs() {
        return slots * runMs;
    }
}
