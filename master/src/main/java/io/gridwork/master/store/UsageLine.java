package io.gridwork.master.store;

/**
 * Ended attempts added up: one line of a usage report (its {@code key}: a user, job id, worker name or UTC day
 * {@code YYYY-MM-DD}), or a total ({@code key} null).
 *
 * @param slotSeconds slots x seconds run
 * @param cpuSeconds CPU time the workers measured
 * @param cost slot-seconds x the workers' cost factors
 * @param tasks attempts counted
 * @param wastedSlotSeconds slot-seconds of failed, timed-out and lost attempts, and of those that lost a race
 */
public record UsageLine(String key, double slotSeconds, double cpuSeconds, double cost, long tasks,
        double wastedSlotSeconds) {

    public static final UsageLine NONE = new UsageLine(null, 0, 0, 0, 0, 0);

    /** This line and another added up, under this line's key. */
    public UsageLine plus(UsageLine o) {
        return new UsageLine(key, slotSeconds + o.slotSeconds, cpuSeconds + o.cpuSeconds, cost + o.cost,
                tasks + o.tasks, wastedSlotSeconds + o.wastedSlotSeconds);
    }

    /** The same figures under another key. */
    public UsageLine withKey(String k) {
        return new UsageLine(k, slotSeconds, cpuSeconds, cost, tasks, wastedSlotSeconds);
    }
}
