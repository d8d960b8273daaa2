package io.gridwork.sdk;

/**
 * What a running task knows about itself, given to {@link GridJob#execute}.
 *
 * <pre>{@code
 * public Long execute(Range range, TaskContext context) {
 *     long count = 0;
 *     for (long n = range.from(); n < range.to(); n++) {
 *         if ((n & 0xFFFF) == 0) {
 *             context.checkCancelled();                                   // stop early when cancelled
 *             context.reportProgress((double) (n - range.from()) / range.size());
 *         }
 *         if (isPrime(n)) count++;
 *     }
 *     return count;
 * }
 * }</pre>
 *
 * <p>Reporting progress also tells the master the task is alive, so a long task that reports progress is not
 * mistaken for a hung one by the task timeout.
 */
public interface TaskContext {

    /** The id of the job this task belongs to. */
    String jobId();

    /** The position of this task in the sequence that {@link GridJob#split} produced, from 0. */
    long taskIndex();

    /** 1 for the first attempt of this task, 2 for its first retry, and so on. */
    int attempt();

    /** The job's arguments. */
    JobArgs args();

    /** The name of the worker running this attempt. */
    default String workerName() {
        return "";
    }

    /** The labels of the worker running this attempt ({@code --label KEY=VALUE}), for example to pick a device. */
    default java.util.Map<String, String> workerLabels() {
        return java.util.Map.of();
    }

    /** Reports how far the task has come, from 0.0 to 1.0. Cheap; the worker sends at most a few per second. */
    void reportProgress(double fraction);

    /** Reports progress with a short message. */
    void reportProgress(double fraction, String message);

    /**
     * Opens a range of one of the job's data sets ({@link JobArgs#data(String)}). The worker reads the chunks it
     * holds from its data cache and fetches the others from peer workers (from the master only when no peer has
     * them), verifying each against its hash before a byte of it is read; fetched chunks stay cached for the tasks
     * that follow. Reading blocks while a chunk is fetched. Close the stream when done.
     *
     * @throws IllegalArgumentException the job has no data set of that name, or the range lies outside it
     * @throws java.io.IOException      no holder could serve a chunk with the right hash
     */
    default java.io.InputStream openData(DataRange range) throws java.io.IOException {
        throw new UnsupportedOperationException("this worker does not serve the data grid");
    }

    /** Opens a whole data set (a broadcast input, such as a lookup table every task reads). */
    default java.io.InputStream openData(String name) throws java.io.IOException {
        return openData(args().data(name).whole());
    }

    /**
     * Saves the task's state, so that if this attempt is lost (its worker dies, is drained or the attempt times out)
     * the next attempt starts from it ({@link #checkpoint()}) instead of from the beginning. Returns once the state
     * (or a newer one saved meanwhile) is stored for good by the master: it survives a master crash or failover. Saves
     * closer together than the master's minimum interval are coalesced (the latest wins), so this may block until
     * that interval has passed. The state is deleted when the job ends.
     *
     * <pre>{@code
     * long done = context.checkpoint().map(Longs::fromBytes).orElse(0L);
     * for (; done < total; done++) {
     *     step(done);
     *     if (done % 1_000_000 == 0) {
     *         context.saveCheckpoint(Longs.toBytes(done + 1));
     *     }
     * }
     * }</pre>
     *
     * @throws IllegalArgumentException the state is larger than the master's limit (max-checkpoint-size)
     * @throws TaskCancelledException   the attempt was cancelled or superseded before the state was stored
     * @throws IllegalStateException    the master refused it for another reason (the message says why)
     */
    default void saveCheckpoint(byte[] state) {
        throw new UnsupportedOperationException("this worker does not support checkpoints");
    }

    /**
     * The last state saved for this task: by this attempt ({@link #saveCheckpoint}) or, if it saved none yet, by an
     * earlier attempt; empty on a first start. The array is a copy.
     */
    default java.util.Optional<byte[]> checkpoint() {
        return java.util.Optional.empty();
    }

    /** Whether the task was cancelled (its job was cancelled, or this attempt was superseded or timed out). */
    boolean isCancelled();

    /** Throws {@link TaskCancelledException} if the task was cancelled. */
    default void checkCancelled() {
        if (isCancelled()) {
            throw new TaskCancelledException("task " + taskIndex() + " of job " + jobId() + " was cancelled");
        }
    }
}
