package io.gridwork.master.store;

/** The buckets a succeeded task's duration is counted in, for the dashboard's histograms. */
public final class TaskDurations {

    /** Upper bounds (exclusive, in ms) of the buckets; the last bucket is open, so there is one bucket more. */
    private static final long[] BUCKETS_MS = {1, 10, 100, 1_000, 10_000, 60_000};

    private TaskDurations() {}

    /** Upper bounds (exclusive, in ms) of the buckets; the last bucket is open: one bucket more than bounds. */
    public static long[] bucketBoundsMs() {
        return BUCKETS_MS.clone();
    }

    /** How many buckets there are (one more than bounds). */
    public static int buckets() {
        return BUCKETS_MS.length + 1;
    }

    /** The bucket a duration falls in. */
    public static int bucket(long ms) {
        for (int i = 0; i < BUCKETS_MS.length; i++) {
            if (ms < BUCKETS_MS[i]) {
                return i;
            }
        }
        return BUCKETS_MS.length;
    }
}
