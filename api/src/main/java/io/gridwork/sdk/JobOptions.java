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
 *     return JobOptions.builder().maxAttempts(5).taskTimeout(Duration.ofMinutes(2)).build();
 * }
 * }</pre>
 */
public final class JobOptions {

    /** Attempts of a task whose code throws before the job fails. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    /** Longest attempt allowed without progress; zero (the default) lets the master decide. */
    public static final Duration DEFAULT_TASK_TIMEOUT = Duration.ZERO;

    /** Nothing chosen: the master's defaults apply. */
    public static final JobOptions DEFAULTS = new JobOptions(0, Duration.ZERO);

    private final int maxAttempts;
    private final Duration taskTimeout;

    private JobOptions(int maxAttempts, Duration taskTimeout) {
        this.maxAttempts = maxAttempts;
        this.taskTimeout = taskTimeout;
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

    /** Builds {@link JobOptions}; values are checked by {@link #build()}. */
    public static final class Builder {
        private int maxAttempts;
        private Duration taskTimeout = Duration.ZERO;

        private Builder() {}

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
            return new JobOptions(maxAttempts, taskTimeout);
        }
    }
}
