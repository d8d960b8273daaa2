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
        String schedule) {

    /** A job submitted directly (not by a schedule). */
    public NewJob(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            Instant submittedAt, String owner, Placement placement) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, submittedAt, owner, placement, null);
    }

    /** Where and how a job's tasks run: the workers they need, slots per task, priority, speculation. */
    public record Placement(String requirement, int slotsPerTask, int priority, boolean speculation) {
        public static final Placement DEFAULT = new Placement("", 1, 0, true);
    }
}
