package io.gridwork.master.store;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Tasks: inputs, outputs and stored states, and the read-side pages and histograms of the dashboard. */
public interface TaskRepository {

    /**
     * Stores the next tasks of a job, numbered from {@code firstIndex}, and records how many tasks the job has so far
     * and whether its split is complete, in one transaction.
     */
    void insert(String jobId, long firstIndex, List<byte[]> inputs, boolean splitComplete);

    /** Up to {@code limit} pending tasks of a job with an index above {@code afterIndex}, in index order. */
    List<StoredTask> pending(String jobId, long afterIndex, int limit);

    /** One task if it is still pending (not succeeded, failed or cancelled). */
    Optional<StoredTask> pending(String jobId, long index);

    /** How many tasks of a job are in each stored state. */
    TaskCounts count(String jobId);

    /**
     * A page of a job's tasks in index order from {@code fromIndex}; {@code state} filters, or null for all;
     * {@code errorsOnly} keeps tasks with an error message (failed, or retried after failing).
     */
    List<TaskView> page(String jobId, long fromIndex, StoredTaskState state, boolean errorsOnly, int limit);

    /** How many of a job's succeeded tasks took how long, by {@link TaskDurations} bucket. */
    long[] durationHistogram(String jobId);

    /**
     * Ended attempts of a job in the order they ended, after {@code afterSeq}: of one task if {@code index} is not
     * null, and only its attempt number {@code attempt} if that is above 0; only those that did not succeed if
     * {@code failuresOnly}; at most {@code limit}.
     */
    List<TaskAttemptRow> attempts(String jobId, Long index, int attempt, boolean failuresOnly, long afterSeq, int limit);

    /** The first stored failure message of a failed task of the job, if any. */
    Optional<String> firstError(String jobId);

    /**
     * The outputs of a job's succeeded tasks in index order, read a page at a time as the stream is consumed:
     * memory does not grow with the number of tasks.
     */
    Stream<byte[]> outputs(String jobId);
}
