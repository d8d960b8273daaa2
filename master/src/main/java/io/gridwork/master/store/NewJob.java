package io.gridwork.master.store;

import java.time.Instant;
import java.util.Map;

/** A job to insert in state QUEUED; the store gives it its id. */
public record NewJob(
        String jarSha256,
        String jobClass,
        Map<String, String> args,
        int maxAttempts,
        long taskTimeoutMs,
        Instant submittedAt,
        String owner,
        Placement placement,
        String schedule,
        /** The data sets it reads: name -> data set id (checked to exist before it is stored); empty if none. */
        Map<String, String> dataSets) {

    public NewJob {
        dataSets = dataSets == null ? Map.of() : Map.copyOf(dataSets);
    }

    /** A job that reads no data set. */
    public NewJob(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            Instant submittedAt, String owner, Placement placement, String schedule) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, submittedAt, owner, placement, schedule, Map.of());
    }

    /**
     * The row this job becomes when inserted with {@code seq} (its id {@code job-SEQ}) by {@code master} and the
     * first {@code tasks} of its split, QUEUED: what the insert returns, and what a master that reserved the id
     * starts the job with before the insert commits.
     */
    public JobRow queuedRow(long seq, MasterIdentity master, int tasks, boolean splitComplete) {
        return new JobRow("job-" + seq, jarSha256, jobClass, args, io.gridwork.master.model.JobState.QUEUED, maxAttempts,
                taskTimeoutMs, submittedAt, null, null, tasks, splitComplete, 0, 0, 0, 0, 0, null, null, null, 0, owner,
                placement, 0, schedule, master.id(), 0, master.epoch(), dataSets);
    }

    /** A job submitted directly (not by a schedule). */
    public NewJob(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            Instant submittedAt, String owner, Placement placement) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, submittedAt, owner, placement, null);
    }

    /**
     * Where and how a job's tasks run: the workers they need, slots per task, priority, speculation; and its quorum
     * (equal outputs from different hosts needed to accept a task's output, 1 for none) with the most replicas of a task.
     */
    public record Placement(String requirement, int slotsPerTask, int priority, boolean speculation, int quorum,
            int quorumMax) {
        public static final Placement DEFAULT = new Placement("", 1, 0, true);

        /** A job without replicas (quorum 1). */
        public Placement(String requirement, int slotsPerTask, int priority, boolean speculation) {
            this(requirement, slotsPerTask, priority, speculation, 1, 1);
        }

        /** Whether its tasks run on several workers and their outputs are compared. */
        public boolean byQuorum() {
            return quorum > 1;
        }
    }
}
