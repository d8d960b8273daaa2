package io.gridwork.master.store;

import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes that the master commits together in one transaction (group commit): the journal of the core. The store
 * applies the entries in the order they were added, so a job's insert comes before its tasks and results, and a
 * worker's registration before the updates that follow it. Not thread-safe: built by one thread, then handed to the
 * store writer.
 */
public final class StoreBatch {

    /** A task's output, to store once: the row changes only if the task has not succeeded before. */
    public record TaskSuccess(String jobId, long index, byte[] output, String workerId, long durationMs,
            AttemptUsage usage, java.time.Instant endedAt) {

        /**
         * {@code usage}: the usage record of the attempt that produced the output when it is kept on the task's row
         * (a first attempt that succeeded alone and left no {@link TaskAttemptRow}), with when it ended; else null.
         */
        public TaskSuccess {
            if (usage != null && endedAt == null) {
                throw new IllegalArgumentException("a usage record needs its end");
            }
        }

        public TaskSuccess(String jobId, long index, byte[] output, String workerId, long durationMs) {
            this(jobId, index, output, workerId, durationMs, null, null);
        }
    }

    /** A failed or lost attempt of a task that stays pending (it will be retried). */
    public record TaskAttemptFailed(String jobId, long index, int failures, int losses, int crashes, String error) {}

    /** A task that failed for good. */
    public record TaskFailed(String jobId, long index, int failures, int losses, int crashes, String error) {}

    /** A change of a job's row. Every change increments the job's {@code version}. */
    public sealed interface JobUpdate permits JobStarted, JobEnded, JobFailedOnResume, JobReleased {

        /** The job's id. */
        String id();

        /** A job that started running. */
        static JobUpdate started(String id, Instant at) {
            return new JobStarted(id, at);
        }

        /**
         * A job that ended, with its final counts, its task durations by bucket (see {@link TaskDurations}) and its
         * result, if it succeeded.
         */
        static JobUpdate ended(String id, JobState state, Instant at, String error, long succeeded, long failed,
                long retried, long lost, long rejected, long speculated, JobResultData result, long[] durations) {
            return new JobEnded(id, state, at, error,
                    new JobCounters(succeeded, failed, retried, lost, rejected, speculated), result, durations.clone());
        }

        /** A job that could not be resumed after a master restart: it fails, keeping the counts it had. */
        static JobUpdate failedOnResume(String id, Instant at, String error) {
            return new JobFailedOnResume(id, at, error);
        }
    }

    /** A job that started running at {@code at}. */
    public record JobStarted(String id, Instant at) implements JobUpdate {}

    /**
     * A WAITING job whose upstream jobs all succeeded: it becomes QUEUED with {@code args} (its {@code @result:}
     * arguments replaced by their jobs' results) and the options its code chooses for them, as a job submitted now
     * would. Written only if it is still WAITING. Add its first tasks after it.
     */
    public record JobReleased(String id, Instant at, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            NewJob.Placement placement) implements JobUpdate {
        public JobReleased {
            args = Map.copyOf(args);
        }
    }

    /**
     * A job that ended in {@code state} at {@code at}: its final counts, task durations by bucket, and its result if
     * it has one (else null); {@code error} is null unless it failed or was cancelled.
     */
    public record JobEnded(String id, JobState state, Instant at, String error, JobCounters counters,
            JobResultData result, long[] durations) implements JobUpdate {

        public JobEnded {
            if (!state.isTerminal()) {
                throw new IllegalArgumentException("a job ends in a terminal state, not " + state);
            }
            if (durations.length != TaskDurations.buckets()) {
                throw new IllegalArgumentException("durations: " + TaskDurations.buckets() + " buckets expected, not "
                        + durations.length);
            }
        }
    }

    /** A job that failed at {@code at} because it could not be resumed, and why. */
    public record JobFailedOnResume(String id, Instant at, String error) implements JobUpdate {}

    /** A job's final counts of task outcomes and attempts. */
    public record JobCounters(long succeeded, long failed, long retried, long lost, long rejected, long speculated) {}

    /** A task's checkpoint: its latest saved state ({@code seq} numbers the saves of attempt {@code attemptId}). */
    public record CheckpointSaved(String jobId, long index, long attemptId, long seq, byte[] state, Instant at,
            /** A large state kept in the data grid: its data set id ({@code state} is then empty); null: inline. */
            String dataId) {

        public CheckpointSaved(String jobId, long index, long attemptId, long seq, byte[] state, Instant at) {
            this(jobId, index, attemptId, seq, state, at, null);
        }
    }

    /** Attempts of a job that started from a checkpoint (added to its {@code resumed} count). */
    public record CheckpointResumed(String jobId, long count) {}

    /** A job that ended: its tasks' checkpoints are deleted. */
    public record CheckpointsDeleted(String jobId) {}

    /** A job's merged result. */
    public record JobResultData(byte[] bytes, String text, String mediaType) {}

    /** A worker's state and last contact. */
    public record WorkerUpdate(String id, WorkerState state, Instant lastSeen, boolean drainRequested) {}

    /**
     * A value the store generates when it applies a batch, such as a new job's id or a worker's next incarnation.
     * It is set once the batch has been committed; {@link #get()} before that throws.
     */
    public static final class Generated<T> {
        private volatile T value;

        /** The generated value. @throws IllegalStateException if the batch has not been applied (committed) yet */
        public T get() {
            T v = value;
            if (v == null) {
                throw new IllegalStateException("not generated yet: the batch holding this write has not been applied");
            }
            return v;
        }

        /** Whether the batch has been applied and {@link #get()} returns the value. */
        public boolean isDone() {
            return value != null;
        }

        void set(T v) {
            value = v;
        }
    }

    /**
     * A new job with its first tasks (indexes from 0); {@code row} receives it with its id. {@code audit}, if not null,
     * is written to the audit log in the same transaction, naming the new job.
     */
    /** {@code after}: the jobs it runs after; not empty: it is stored WAITING, without tasks. */
    /** {@code seq}: the job's number reserved earlier ({@link #reserveJobIds}), 0: the next of the sequence. */
    record InsertJob(NewJob job, List<byte[]> firstTasks, boolean splitComplete, Generated<JobRow> row, JobAudit audit,
            List<String> after, long seq) {}

    /** Job numbers taken from the sequence now, for jobs inserted later ({@code ids} receives them). */
    record ReserveJobIds(int count, Generated<ReservedJobIds> ids) {}

    /** Job numbers reserved by the master {@code master} (its identity when they were drawn), in order. */
    public record ReservedJobIds(long[] seqs, MasterIdentity master) {}

    /** Who did what to a job that is being inserted: an audit entry whose target is the new job's id. */
    public record JobAudit(String actor, String action, String detail) {}

    /** The next tasks of a job, numbered from {@code firstIndex}. */
    record InsertTasks(String jobId, long firstIndex, List<byte[]> inputs, boolean splitComplete) {}

    /** A registration; {@code row} receives the worker with its id and next incarnation. */
    record RegisterWorker(WorkerRegistration registration, Generated<WorkerRow> row) {}

    /**
     * Every write, in the order it was added: the store applies them in this order (consecutive writes of one
     * kind as one JDBC batch). Worker counters are sums, applied after the writes.
     */
    final List<Object> entries = new ArrayList<>();
    final Map<String, long[]> workerCounters = new LinkedHashMap<>();
    private int successes;
    private long successBytes;

    /**
     * Stores a new QUEUED job with the first batch of its tasks (indexes from 0), so a job starts with one write.
     *
     * @param splitComplete whether those are all its tasks
     * @return the stored row with its new id, once this batch has been applied
     */
    public Generated<JobRow> insertJob(NewJob job, List<byte[]> firstTasks, boolean splitComplete) {
        return insertJob(job, firstTasks, splitComplete, null);
    }

    /**
     * As {@link #insertJob(NewJob, List, boolean)}, with the submission's audit entry (null: none) written in the same
     * transaction, so that a submission is stored and audited in one commit.
     */
    public Generated<JobRow> insertJob(NewJob job, List<byte[]> firstTasks, boolean splitComplete, JobAudit audit) {
        Generated<JobRow> row = new Generated<>();
        entries.add(new InsertJob(job, List.copyOf(firstTasks), splitComplete, row, audit, List.of(), 0));
        return row;
    }

    /**
     * As {@link #insertJob(NewJob, List, boolean, JobAudit)}, the job numbered {@code seq}, a number this master
     * reserved ({@link #reserveJobIds}) and uses once: its id is known before the insert commits.
     */
    public Generated<JobRow> insertJob(NewJob job, List<byte[]> firstTasks, boolean splitComplete, JobAudit audit,
            long seq) {
        if (seq <= 0) {
            throw new IllegalArgumentException("a reserved job number is positive, got " + seq);
        }
        Generated<JobRow> row = new Generated<>();
        entries.add(new InsertJob(job, List.copyOf(firstTasks), splitComplete, row, audit, List.of(), seq));
        return row;
    }

    /**
     * Takes the next {@code count} job numbers from the store's sequence (shared by every master on the store, so no
     * other master gets them), for jobs this master inserts later with their number known in advance. Numbers not
     * used before the master stops are never used: gaps in the numbering.
     */
    public Generated<ReservedJobIds> reserveJobIds(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("reserve at least one job number, got " + count);
        }
        Generated<ReservedJobIds> ids = new Generated<>();
        entries.add(new ReserveJobIds(count, ids));
        return ids;
    }

    /**
     * Stores a new job in state WAITING, without tasks, that runs after the jobs {@code after} (not empty; in order),
     * with the submission's audit entry (null: none), in one transaction.
     */
    public Generated<JobRow> insertWaitingJob(NewJob job, List<String> after, JobAudit audit) {
        if (after.isEmpty()) {
            throw new IllegalArgumentException("a waiting job runs after at least one job");
        }
        Generated<JobRow> row = new Generated<>();
        entries.add(new InsertJob(job, List.of(), false, row, audit, List.copyOf(after), 0));
        return row;
    }

    /**
     * Stores the next tasks of a job, numbered from {@code firstIndex}, and records how many tasks the job has so far
     * and whether its split is complete.
     */
    public StoreBatch insertTasks(String jobId, long firstIndex, List<byte[]> inputs, boolean splitComplete) {
        entries.add(new InsertTasks(jobId, firstIndex, List.copyOf(inputs), splitComplete));
        return this;
    }

    /**
     * Records a registration: a known name keeps its id and gets the next incarnation; a new name gets a new id and
     * incarnation 1. The worker is ALIVE afterwards.
     *
     * @return the worker as registered, once this batch has been applied
     */
    public Generated<WorkerRow> registerWorker(WorkerRegistration r) {
        Generated<WorkerRow> row = new Generated<>();
        entries.add(new RegisterWorker(r, row));
        return row;
    }

    public StoreBatch success(TaskSuccess s) {
        entries.add(s);
        successes++;
        successBytes += s.output().length;
        counters(s.workerId())[0]++;
        return this;
    }

    public StoreBatch attemptFailed(TaskAttemptFailed f, String workerId) {
        entries.add(f);
        if (workerId != null) {
            counters(workerId)[1]++;
        }
        return this;
    }

    public StoreBatch taskFailed(TaskFailed f, String workerId) {
        entries.add(f);
        if (workerId != null) {
            counters(workerId)[1]++;
        }
        return this;
    }

    /**
     * An attempt that ended (with its log), kept in the task's attempt history. Add it with the write that ends the
     * attempt (its success, its failure or its requeue), so both are in one transaction.
     */
    public StoreBatch attemptEnded(TaskAttemptRow attempt) {
        entries.add(attempt);
        return this;
    }

    /** Stores a task's checkpoint (replacing the one it had). */
    public StoreBatch checkpoint(CheckpointSaved save) {
        entries.add(save);
        return this;
    }

    /** Adds to a job's count of attempts that started from a checkpoint. */
    public StoreBatch resumed(String jobId, long count) {
        entries.add(new CheckpointResumed(jobId, count));
        return this;
    }

    /** Deletes the checkpoints of a job's tasks (add it with the job's end). */
    public StoreBatch deleteCheckpoints(String jobId) {
        entries.add(new CheckpointsDeleted(jobId));
        return this;
    }

    public StoreBatch job(JobUpdate update) {
        entries.add(update);
        return this;
    }

    /** A worker's state and last contact; of several updates of one worker, the last one added stays. */
    public StoreBatch worker(WorkerUpdate update) {
        entries.add(update);
        return this;
    }

    /** A worker state change to record (its {@code seq} is ignored: the store numbers events). */
    public StoreBatch workerEvent(WorkerEventRow event) {
        entries.add(event);
        return this;
    }

    /**
     * Adds to a worker's trust record (results by quorum): replicas that agreed with, and that disagreed with, the
     * accepted output. Written with the decision's other writes (the accepted output, or the task's failure).
     */
    public record TrustCounted(String workerName, long agreed, long disagreed, Instant at) {}

    public StoreBatch trust(TrustCounted counted) {
        entries.add(counted);
        return this;
    }

    /** Adds to a quorum job's counts of tasks validated and mismatched, with the decision's other writes. */
    public record QuorumCounted(String jobId, long validated, long mismatched) {}

    public StoreBatch quorumCounted(QuorumCounted counted) {
        entries.add(counted);
        return this;
    }

    /** Adds every write of {@code other} after the writes of this batch, keeping their order. */
    public StoreBatch addAll(StoreBatch other) {
        entries.addAll(other.entries);
        successes += other.successes;
        successBytes += other.successBytes;
        other.workerCounters.forEach((id, c) -> {
            long[] mine = counters(id);
            mine[0] += c[0];
            mine[1] += c[1];
        });
        return this;
    }

    public boolean isEmpty() {
        return entries.isEmpty() && workerCounters.isEmpty();
    }

    /** The number of task successes in this batch. */
    public int successCount() {
        return successes;
    }

    /** The bytes of output of the task successes in this batch. */
    public long successBytes() {
        return successBytes;
    }

    public int size() {
        return entries.size() + workerCounters.size();
    }

    private long[] counters(String workerId) {
        return workerCounters.computeIfAbsent(workerId, k -> new long[2]);
    }
}
