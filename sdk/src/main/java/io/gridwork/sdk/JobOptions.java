package io.gridwork.sdk;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings a job chooses for itself by overriding {@link GridJob#options}. Options given at submission
 * ({@code grid submit --max-attempts}) take precedence over these, and these over the master's defaults.
 *
 * <pre>{@code
 * @Override
 * public JobOptions options(JobArgs args) {
 *     return JobOptions.builder()
 *             .maxAttempts(5)
 *             .taskTimeout(Duration.ofMinutes(2))
 *             .require("gpu=a100 && mem>=16g")   // only workers with these labels and resources
 *             .slotsPerTask(2)                     // each task takes two slots of its worker
 *             .speculation(false)                  // tasks with side effects: never a second attempt
 *             .quorum(2)                           // each output accepted when 2 hosts compute it equal
 *             .build();
 * }
 * }</pre>
 */
public final class JobOptions {

    /** Attempts of a task whose code throws before the job fails. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    /** Longest attempt allowed without progress; zero (the default) lets the master decide. */
    public static final Duration DEFAULT_TASK_TIMEOUT = Duration.ZERO;

    /** Nothing chosen: the master's defaults apply. */
    public static final JobOptions DEFAULTS = new JobOptions(0, Duration.ZERO, "", 0, null, null, 0, 0);

    /** The largest quorum a job may ask for (replicas of each task on as many hosts). */
    public static final int MAX_QUORUM = 16;

    /** The most replicas of one task a job may allow ({@code quorumMax}). */
    public static final int MAX_QUORUM_REPLICAS = 32;

    private final int maxAttempts;
    private final Duration taskTimeout;
    private final String require;
    private final int slotsPerTask;
    private final Integer priority;
    private final Boolean speculation;
    private final int quorum;
    private final int quorumMax;

    private JobOptions(int maxAttempts, Duration taskTimeout, String require, int slotsPerTask, Integer priority,
            Boolean speculation, int quorum, int quorumMax) {
        this.quorum = quorum;
        this.quorumMax = quorumMax;
        this.maxAttempts = maxAttempts;
        this.taskTimeout = taskTimeout;
        this.require = require;
        this.slotsPerTask = slotsPerTask;
        this.priority = priority;
        this.speculation = speculation;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Maximum attempts of a task, or 0 for the default. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Task timeout, or zero for the default. */
    public Duration taskTimeout() {
        return taskTimeout;
    }

    /** Which workers may run the tasks (label and resource comparisons joined by {@code &&}); empty: any. */
    public String require() {
        return require;
    }

    /** Slots each task occupies on its worker, or 0 for the default (1). */
    public int slotsPerTask() {
        return slotsPerTask;
    }

    /** The job's priority, if it chooses one (higher runs first). */
    public java.util.Optional<Integer> priority() {
        return java.util.Optional.ofNullable(priority);
    }

    /** Whether slow tasks near the end may get a second attempt, if the job chooses (default: yes). */
    public java.util.Optional<Boolean> speculation() {
        return java.util.Optional.ofNullable(speculation);
    }

    /**
     * Equal outputs, from workers on different hosts, needed to accept a task's output (results by quorum), or 0 for
     * the default (1: each task runs once).
     */
    public int quorum() {
        return quorum;
    }

    /** The most replicas of one task run to reach the quorum, or 0 for the default (quorum + 2). */
    public int quorumMax() {
        return quorumMax;
    }

    /** Builds {@link JobOptions}; values are checked by {@link #build()}. */
    public static final class Builder {
        private int maxAttempts;
        private Duration taskTimeout = Duration.ZERO;
        private String require = "";
        private int slotsPerTask;
        private Integer priority;
        private Boolean speculation;
        private int quorum;
        private int quorumMax;

        private Builder() {}

        /**
         * Results by quorum: each task runs on {@code quorum} workers on different hosts, and its output is accepted
         * when that many are equal byte for byte (for untrusted or unreliable workers). From 1 to {@link #MAX_QUORUM}.
         */
        public Builder quorum(int quorum) {
            this.quorum = quorum;
            return this;
        }

        /** On a mismatch more replicas run, up to this many in all (default quorum + 2); then the task fails. */
        public Builder quorumMax(int quorumMax) {
            this.quorumMax = quorumMax;
            return this;
        }

        /** For example {@code "os=linux && mem>=4g && gpu=a100"}; checked by the master when the job is submitted. */
        public Builder require(String require) {
            this.require = Objects.requireNonNull(require, "require");
            return this;
        }

        public Builder slotsPerTask(int slotsPerTask) {
            this.slotsPerTask = slotsPerTask;
            return this;
        }

        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        /** False for tasks with side effects: a slow task is never run twice at once. */
        public Builder speculation(boolean speculation) {
            this.speculation = speculation;
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder taskTimeout(Duration taskTimeout) {
            this.taskTimeout = Objects.requireNonNull(taskTimeout, "taskTimeout");
            return this;
        }

        public JobOptions build() {
            if (maxAttempts < 0 || maxAttempts > 100) {
                throw new IllegalArgumentException("maxAttempts must be between 1 and 100, got " + maxAttempts);
            }
            if (taskTimeout.isNegative()) {
                throw new IllegalArgumentException("taskTimeout must not be negative, got " + taskTimeout);
            }
            if (slotsPerTask < 0 || slotsPerTask > 4096) {
                throw new IllegalArgumentException("slotsPerTask must be from 1 to 4096, got " + slotsPerTask);
            }
            if (quorum < 0 || quorum > MAX_QUORUM) {
                throw new IllegalArgumentException("quorum must be from 1 to " + MAX_QUORUM + ", got " + quorum);
            }
            if (quorumMax != 0 && (quorumMax < Math.max(1, quorum) || quorumMax > MAX_QUORUM_REPLICAS)) {
                throw new IllegalArgumentException("quorumMax must be from the quorum (" + Math.max(1, quorum) + ") to "
                        + MAX_QUORUM_REPLICAS + ", got " + quorumMax);
            }
            return new JobOptions(maxAttempts, taskTimeout, require, slotsPerTask, priority, speculation, quorum,
                    quorumMax);
        }
    }
}
