package io.gridwork.master.core;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRow;
import java.time.Instant;
import java.util.Map;

/** A job's status at one moment, immutable: what clients see. */
public record JobSnapshot(
        String id,
        JobState state,
        String jarSha256,
        String jobClass,
        Map<String, String> args,
        long total,
        long succeeded,
        long running,
        long queued,
        long failed,
        long retried,
        long lost,
        long rejected,
        long speculated,
        boolean splitComplete,
        int maxAttempts,
        long taskTimeoutMs,
        Instant submittedAt,
        Instant startedAt,
        Instant finishedAt,
        String error,
        String resultText,
        String resultMediaType,
        long resultSize,
        String owner,
        String requirement,
        int slotsPerTask,
        int priority,
        boolean speculation,
        String waitingReason,
        String schedule,
        /** The id of the master that owns (runs) it, or null for a job stored before masters had ids. */
        String ownerMaster,
        /**
         * Tasks assigned to workers that are not executing: prefetched (held by a worker that has not started them)
         * or ended with an output being stored. {@code running} counts only the tasks executing now.
         */
        long held,
        /** The data sets it reads: name -> data set id (empty if none). */
        Map<String, String> dataSets,
        /** Equal outputs from different hosts needed to accept a task's output (1: no replicas); the most replicas. */
        int quorum,
        int quorumMax,
        /** Quorum jobs: tasks whose output a quorum accepted; tasks on which replicas disagreed. */
        long validated,
        long mismatched,
        /** Attempts that started from a checkpoint an earlier attempt saved. */
        long resumed) {

    public JobSnapshot {
        dataSets = dataSets == null ? Map.of() : dataSets;
    }

    /** A job without a quorum, none of whose attempts resumed from a checkpoint. */
    public JobSnapshot(String id, JobState state, String jarSha256, String jobClass, Map<String, String> args, long total,
            long succeeded, long running, long queued, long failed, long retried, long lost, long rejected,
            long speculated, boolean splitComplete, int maxAttempts, long taskTimeoutMs, Instant submittedAt,
            Instant startedAt, Instant finishedAt, String error, String resultText, String resultMediaType,
            long resultSize, String owner, String requirement, int slotsPerTask, int priority, boolean speculation,
            String waitingReason, String schedule, String ownerMaster, long held, Map<String, String> dataSets) {
        this(id, state, jarSha256, jobClass, args, total, succeeded, running, queued, failed, retried, lost, rejected,
                speculated, splitComplete, maxAttempts, taskTimeoutMs, submittedAt, startedAt, finishedAt, error,
                resultText, resultMediaType, resultSize, owner, requirement, slotsPerTask, priority, speculation,
                waitingReason, schedule, ownerMaster, held, dataSets, 1, 1, 0, 0, 0);
    }

    /** A job that reads no data set. */
    public JobSnapshot(String id, JobState state, String jarSha256, String jobClass, Map<String, String> args, long total,
            long succeeded, long running, long queued, long failed, long retried, long lost, long rejected,
            long speculated, boolean splitComplete, int maxAttempts, long taskTimeoutMs, Instant submittedAt,
            Instant startedAt, Instant finishedAt, String error, String resultText, String resultMediaType,
            long resultSize, String owner, String requirement, int slotsPerTask, int priority, boolean speculation,
            String waitingReason, String schedule, String ownerMaster, long held) {
        this(id, state, jarSha256, jobClass, args, total, succeeded, running, queued, failed, retried, lost, rejected,
                speculated, splitComplete, maxAttempts, taskTimeoutMs, submittedAt, startedAt, finishedAt, error,
                resultText, resultMediaType, resultSize, owner, requirement, slotsPerTask, priority, speculation,
                waitingReason, schedule, ownerMaster, held, Map.of());
    }

    /** The snapshot of a stored job; counts are exact once the job has ended. */
    static JobSnapshot of(JobRow row) {
        long queued = row.state().isTerminal() ? 0 : Math.max(0, row.totalTasks() - row.succeeded() - row.failed());
        return new JobSnapshot(row.id(), row.state(), row.jarSha256(), row.jobClass(), row.args(), row.totalTasks(),
                row.succeeded(), 0, queued, row.failed(), row.retried(), row.lost(), row.rejected(), row.speculated(),
                row.splitComplete(), row.maxAttempts(),
                row.taskTimeoutMs(), row.submittedAt(), row.startedAt(), row.finishedAt(), row.error(),
                row.resultText(), row.resultMediaType(), row.resultSize(), row.owner(), row.placement().requirement(),
                row.placement().slotsPerTask(), row.placement().priority(), row.placement().speculation(), "",
                row.schedule(), row.ownerMaster(), 0, row.dataSets(), row.placement().quorum(),
                row.placement().quorumMax(), row.validated(), row.mismatched(), row.resumed());
    }
}
