package io.gridwork.master.store;

import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes that the master commits together in one transaction (group commit). Not thread-safe: built by one
 * thread, then handed to the store writer.
 */
public final class StoreBatch {

    /** A task's output, to store once: the row changes only if the task has not succeeded before. */
    public record TaskSuccess(String jobId, long index, byte[] output, String workerId, long durationMs) {}

    /** A failed or lost attempt of a task that stays pending (it will be retried). */
    public record TaskAttemptFailed(String jobId, long index, int failures, int losses, int crashes, String error) {}

    /** A task that failed for good. */
    public record TaskFailed(String jobId, long index, int failures, int losses, int crashes, String error) {}

    /** A change of a job's stored columns; null fields are left as they are. */
    public record JobUpdate(String id, JobState state, Instant startedAt, Instant finishedAt, String error,
            Long succeeded, Long failed, Long retried, Long lost, Long rejected, Long speculated, JobResultData result,
            long[] durations) {

        /** A job that started running. */
        public static JobUpdate started(String id, Instant at) {
            return new JobUpdate(id, JobState.RUNNING, at, null, null, null, null, null, null, null, null, null, null);
        }

        /**
         * A job that ended, with its final counts, its task durations by bucket (see Store.DURATION_BUCKETS_MS) and
         * its result, if it succeeded.
         */
        public static JobUpdate ended(String id, JobState state, Instant at, String error, long succeeded, long failed,
                long retried, long lost, long rejected, long speculated, JobResultData result, long[] durations) {
            return new JobUpdate(id, state, null, at, error, succeeded, failed, retried, lost, rejected, speculated, result,
                    durations.clone());
        }
    }

    /** A job's merged result. */
    public record JobResultData(byte[] bytes, String text, String mediaType) {}

    /** A worker's state and last contact. */
    public record WorkerUpdate(String id, WorkerState state, Instant lastSeen, boolean drainRequested) {}

    final List<TaskSuccess> successes = new ArrayList<>();
    final List<TaskAttemptFailed> attemptFailures = new ArrayList<>();
    final List<TaskFailed> taskFailures = new ArrayList<>();
    final List<JobUpdate> jobUpdates = new ArrayList<>();
    final Map<String, long[]> workerCounters = new LinkedHashMap<>();
    final Map<String, WorkerUpdate> workerUpdates = new LinkedHashMap<>();
    final List<WorkerEventRow> workerEvents = new ArrayList<>();

    public StoreBatch success(TaskSuccess s) {
        successes.add(s);
        counters(s.workerId())[0]++;
        return this;
    }

    public StoreBatch attemptFailed(TaskAttemptFailed f, String workerId) {
        attemptFailures.add(f);
        if (workerId != null) {
            counters(workerId)[1]++;
        }
        return this;
    }

    public StoreBatch taskFailed(TaskFailed f, String workerId) {
        taskFailures.add(f);
        if (workerId != null) {
            counters(workerId)[1]++;
        }
        return this;
    }

    public StoreBatch job(JobUpdate update) {
        jobUpdates.add(update);
        return this;
    }

    public StoreBatch worker(WorkerUpdate update) {
        workerUpdates.put(update.id(), update);
        return this;
    }

    /** A worker state change to record (its {@code seq} is ignored: the store numbers events). */
    public StoreBatch workerEvent(WorkerEventRow event) {
        workerEvents.add(event);
        return this;
    }

    /** Adds every write of {@code other} after the writes of this batch. */
    public StoreBatch addAll(StoreBatch other) {
        successes.addAll(other.successes);
        attemptFailures.addAll(other.attemptFailures);
        taskFailures.addAll(other.taskFailures);
        jobUpdates.addAll(other.jobUpdates);
        other.workerCounters.forEach((id, c) -> {
            long[] mine = counters(id);
            mine[0] += c[0];
            mine[1] += c[1];
        });
        workerUpdates.putAll(other.workerUpdates);
        workerEvents.addAll(other.workerEvents);
        return this;
    }

    public boolean isEmpty() {
        return successes.isEmpty() && attemptFailures.isEmpty() && taskFailures.isEmpty() && jobUpdates.isEmpty()
                && workerCounters.isEmpty() && workerUpdates.isEmpty() && workerEvents.isEmpty();
    }

    /** The number of task successes in this batch. */
    public int successCount() {
        return successes.size();
    }

    public int size() {
        return successes.size() + attemptFailures.size() + taskFailures.size() + jobUpdates.size()
                + workerCounters.size() + workerUpdates.size() + workerEvents.size();
    }

    private long[] counters(String workerId) {
        return workerCounters.computeIfAbsent(workerId, k -> new long[2]);
    }
}
