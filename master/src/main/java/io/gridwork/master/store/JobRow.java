package io.gridwork.master.store;

import io.gridwork.master.model.JobState;
import java.time.Instant;
import java.util.Map;

/**
 * A job as stored. {@code succeeded} and {@code failed} are final counts once the job has ended; while it runs
 * the master counts in memory. The result bytes are read separately. {@code owner} is the user who submitted it;
 * {@code ownerMaster} the master that owns it.
 */
public record JobRow(
        String id,
        String jarSha256,
        String jobClass,
        Map<String, String> args,
        JobState state,
        int maxAttempts,
        long taskTimeoutMs,
        Instant submittedAt,
        Instant startedAt,
        Instant finishedAt,
        long totalTasks,
        boolean splitComplete,
        long succeeded,
        long failed,
        long retried,
        long lost,
        long rejected,
        String error,
        String resultText,
        String resultMediaType,
        long resultSize,
        String owner,
        NewJob.Placement placement,
        long speculated,
        /** The schedule that started it, or null. */
        String schedule,
        /** The id of the master that owns it (see Store#masterId), or null if it was stored before masters had ids. */
        String ownerMaster,
        /** Incremented by every update of the job's row: 0 when inserted. */
        long version,
        /**
         * The epoch of its owner master when it stored the job or took it over (0 if stored before): workers refuse
         * a master link whose epoch is older.
         */
        long leaseEpoch,
        /** The data sets it reads (grid submit --data NAME=ID): name -> data set id; empty if none. */
        Map<String, String> dataSets,
        /** Quorum jobs: tasks whose output a quorum accepted, and tasks on which replicas disagreed (stored as decided). */
        long validated,
        long mismatched,
        /** Attempts of its tasks that started from a checkpoint (counted as they start). */
        long resumed) {

    public JobRow {
        dataSets = dataSets == null ? Map.of() : dataSets;
    }

    /** A job without quorum counts, none of whose attempts resumed from a checkpoint. */
    public JobRow(String id, String jarSha256, String jobClass, Map<String, String> args, JobState state,
            int maxAttempts, long taskTimeoutMs, Instant submittedAt, Instant startedAt, Instant finishedAt,
            long totalTasks, boolean splitComplete, long succeeded, long failed, long retried, long lost, long rejected,
            String error, String resultText, String resultMediaType, long resultSize, String owner,
            NewJob.Placement placement, long speculated, String schedule, String ownerMaster, long version,
            long leaseEpoch, Map<String, String> dataSets) {
        this(id, jarSha256, jobClass, args, state, maxAttempts, taskTimeoutMs, submittedAt, startedAt, finishedAt,
                totalTasks, splitComplete, succeeded, failed, retried, lost, rejected, error, resultText,
                resultMediaType, resultSize, owner, placement, speculated, schedule, ownerMaster, version, leaseEpoch,
                dataSets, 0, 0, 0);
    }

    /** A job that reads no data set. */
    public JobRow(String id, String jarSha256, String jobClass, Map<String, String> args, JobState state,
            int maxAttempts, long taskTimeoutMs, Instant submittedAt, Instant startedAt, Instant finishedAt,
            long totalTasks, boolean splitComplete, long succeeded, long failed, long retried, long lost, long rejected,
            String error, String resultText, String resultMediaType, long resultSize, String owner,
            NewJob.Placement placement, long speculated, String schedule, String ownerMaster, long version,
            long leaseEpoch) {
        this(id, jarSha256, jobClass, args, state, maxAttempts, taskTimeoutMs, submittedAt, startedAt, finishedAt,
                totalTasks, splitComplete, succeeded, failed, retried, lost, rejected, error, resultText,
                resultMediaType, resultSize, owner, placement, speculated, schedule, ownerMaster, version, leaseEpoch,
                Map.of());
    }
}
