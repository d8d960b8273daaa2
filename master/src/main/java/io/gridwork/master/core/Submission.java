package io.gridwork.master.core;

import java.util.Map;

/**
 * A job to run, as a client asked for it. Zero options mean "the job's own, else the master's default". The owner is
 * the name of the token that submitted it.
 */
public record Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
        String owner) {

    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, "");
    }
}
