package io.gridwork.master.store;

/** How many tasks of a job are in each stored state. */
public record TaskCounts(long pending, long succeeded, long failed, long cancelled) {

    /** The counts indexed by {@link StoredTaskState#code()}: {@code [pending, succeeded, failed, cancelled]}. */
    public long[] toArray() {
        return new long[] {pending, succeeded, failed, cancelled};
    }

    public long total() {
        return pending + succeeded + failed + cancelled;
    }
}
