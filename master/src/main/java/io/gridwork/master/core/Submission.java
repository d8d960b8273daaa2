package io.gridwork.master.core;

import io.gridwork.master.store.StoreBatch;
import java.util.List;
import java.util.Map;

/**
 * A job to run, as a client (or a schedule) asked for it. Zero (or empty) options mean "the job's own, else the
 * master's default"; {@code noSpeculation} turns speculation off whatever the job says. The owner is the name of
 * the token that submitted it; {@code schedule} names the schedule that started it, or is null. {@code audit}, if not
 * null, is the audit entry of the submission, written in the job's own commit (its target is the new job's id).
 * {@code quorum} and {@code quorumMax}: results by quorum (see {@link #withQuorum}). {@code after} names the jobs it runs after (grid submit --after): empty for a job that starts at once.
 */
public record Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
        String owner, String require, int slotsPerTask, int priority, boolean noSpeculation, String schedule,
        StoreBatch.JobAudit audit, Map<String, String> data, int quorum, int quorumMax, List<String> after) {

    public Submission {
        data = data == null ? Map.of() : Map.copyOf(data);
        after = after == null ? List.of() : List.copyOf(after);
    }

    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            String owner, String require, int slotsPerTask, int priority, boolean noSpeculation, String schedule,
            StoreBatch.JobAudit audit, Map<String, String> data) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask, priority, noSpeculation,
                schedule, audit, data, 0, 0, List.of());
    }

    /** Without a quorum of its own (0: the job's own options, else 1). */
    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            String owner, String require, int slotsPerTask, int priority, boolean noSpeculation, String schedule,
            StoreBatch.JobAudit audit, Map<String, String> data, List<String> after) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask, priority, noSpeculation,
                schedule, audit, data, 0, 0, after);
    }

    /** Run at once (after no job). */
    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            String owner, String require, int slotsPerTask, int priority, boolean noSpeculation, String schedule,
            StoreBatch.JobAudit audit, Map<String, String> data, int quorum, int quorumMax) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask, priority, noSpeculation,
                schedule, audit, data, quorum, quorumMax, List.of());
    }

    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            String owner, String require, int slotsPerTask, int priority, boolean noSpeculation, String schedule,
            StoreBatch.JobAudit audit) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask, priority, noSpeculation,
                schedule, audit, Map.of());
    }

    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            String owner, String require, int slotsPerTask, int priority, boolean noSpeculation, String schedule) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask, priority, noSpeculation,
                schedule, null);
    }

    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            String owner, String require, int slotsPerTask, int priority, boolean noSpeculation) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask, priority, noSpeculation,
                null);
    }

    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            String owner) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, "", 0, 0, false);
    }

    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, "");
    }

    /** The same submission, started by a schedule. */
    public Submission bySchedule(String name) {
        return new Submission(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask,
                priority, noSpeculation, name, audit, data, quorum, quorumMax, after);
    }

    /** The same submission, audited with {@code entry} in the job's commit. */
    public Submission audited(StoreBatch.JobAudit entry) {
        return new Submission(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask,
                priority, noSpeculation, schedule, entry, data, quorum, quorumMax, after);
    }

    /** The same submission, reading these data sets (name -> data set id). */
    public Submission withData(Map<String, String> dataSets) {
        return new Submission(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask,
                priority, noSpeculation, schedule, audit, dataSets, quorum, quorumMax, after);
    }

    /**
     * The same submission by quorum: each task's output accepted when {@code quorum} replicas on different hosts agree,
     * at most {@code quorumMax} replicas (0 for either: the job's own options, else 1 and quorum + 2).
     */
    public Submission withQuorum(int quorum, int quorumMax) {
        return new Submission(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask,
                priority, noSpeculation, schedule, audit, data, quorum, quorumMax, after);
    }

    /** The same submission, run after these jobs (in this order; see {@link Pipelines}). */
    public Submission after(List<String> upstream) {
        return new Submission(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask,
                priority, noSpeculation, schedule, audit, data, quorum, quorumMax, upstream);
    }

    /** The same submission with other arguments (a released job's, its {@code @result:} ones resolved). */
    Submission withArgs(Map<String, String> resolved) {
        return new Submission(jarSha256, jobClass, resolved, maxAttempts, taskTimeoutMs, owner, require, slotsPerTask,
                priority, noSpeculation, schedule, audit, data, quorum, quorumMax, after);
    }
}
