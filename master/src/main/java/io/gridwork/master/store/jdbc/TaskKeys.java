package io.gridwork.master.store.jdbc;

/**
 * The {@code task} table's key: one BIGINT, the job's number (its id is {@code job-N}) times 2^32 plus the task's
 * index, so a job's tasks are one range of keys in index order. H2 stores a table whose primary key is one BIGINT
 * column by that key alone; with the former key of two columns (job_id, idx) every row went into the table and into
 * an index beside it, and keeping that index up to date was a quarter of the work of storing a big job's tasks.
 */
final class TaskKeys {

    /** Tasks a job can have: its indexes are below 2^32. */
    static final long MAX_TASKS = 1L << 32;

    private TaskKeys() {}

    /** The key of task {@code index} of the job. */
    static long of(String jobId, long index) {
        if (index < 0 || index >= MAX_TASKS) {
            throw new IllegalArgumentException("task index " + index + " of " + jobId + " is out of range");
        }
        return (number(jobId) << 32) + index;
    }

    /** A key no task has (below every job's range). */
    static final long NONE = -1;

    /**
     * The key of task {@code index} of the job, or {@link #NONE} if there can be no such task (a statement that updates
     * the task by its key then changes no row, as one by job id and index did).
     */
    static long orNone(String jobId, long index) {
        long n = parse(jobId);
        return n < 0 || index < 0 || index >= MAX_TASKS ? NONE : (n << 32) + index;
    }

    /**
     * The key task {@code index} of the job has or would have, for the bounds of a range: an index below 0 gives the key
     * just before the job's first, one of {@link #MAX_TASKS} or more the job's {@linkplain #end end}.
     */
    static long at(String jobId, long index) {
        return first(jobId) + Math.max(-1, Math.min(index, MAX_TASKS));
    }

    /** The first key of the job's tasks (its task 0). */
    static long first(String jobId) {
        return number(jobId) << 32;
    }

    /** The key after the last the job's tasks can have. */
    static long end(String jobId) {
        return (number(jobId) + 1) << 32;
    }

    /** Whether the id is one this store gives jobs ({@code job-N}): only those have tasks. */
    static boolean isJobId(String jobId) {
        return parse(jobId) >= 0;
    }

    private static long number(String jobId) {
        long n = parse(jobId);
        if (n < 0) {
            throw new IllegalArgumentException("not a job id of this store: " + jobId);
        }
        return n;
    }

    /** The job's number, or -1 if the id is not one this store gives ({@code job-} and a number, as it writes it). */
    private static long parse(String jobId) {
        if (jobId == null || !jobId.startsWith("job-") || jobId.length() < 5 || jobId.length() > 14
                || (jobId.charAt(4) == '0' && jobId.length() > 5)) {
            return -1;
        }
        long n = 0;
        for (int i = 4; i < jobId.length(); i++) {
            char ch = jobId.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            n = n * 10 + (ch - '0');
        }
        return n >= 1L << 31 ? -1 : n;
    }
}
