package io.gridwork.master.core;

import java.util.Map;

/**
 * A job to run, as a client asked for it. Zero (or empty) options mean "the job's own, else the master's default";
 * {@code noSpeculation} turns speculation off whatever the job says. The owner is the name of the token that
 * submitted it.
 */
public record Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
        String owner, String require, int slotsPerTask, int priority, boolean noSpeculation) {

    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs,
            String owner) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, owner, "", 0, 0, false);
    }

    public Submission(String jarSha256, String jobClass, Map<String, String> args, int maxAttempts, long taskTimeoutMs) {
        this(jarSha256, jobClass, args, maxAttempts, taskTimeoutMs, "");
    }
}
