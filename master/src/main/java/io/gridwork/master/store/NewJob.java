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
        String owner) {}
