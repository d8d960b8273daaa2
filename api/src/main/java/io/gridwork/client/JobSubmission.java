package io.gridwork.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to run: a job class from a jar, with its arguments.
 *
 * <pre>{@code
 * JobSubmission submission = JobSubmission.builder()
 *         .jar(Path.of("examples/target/gridwork-examples.jar"))
 *         .jobClass("io.gridwork.examples.PrimeCountJob")
 *         .arg("limit", "20000000")
 *         .arg("tasks", "200")
 *         .build();
 * }</pre>
 *
 * Give either the jar file (uploaded once, then known by its SHA-256) or the SHA-256 of a jar the master holds.
 * A job that reads data sets of the data grid names each by the name its code uses ({@code JobArgs.data(NAME)}) and
 * the data set's id ({@link GridClient#putData} gives it): {@code .data("text", id)}.
 *
 * <p>A job can run after other jobs: it is stored at once, waits (state WAITING) until every one of them has
 * succeeded, then starts; if one fails or is cancelled, it is cancelled. An argument can take an earlier job's result
 * text ({@link #resultOf}), so a program submits a whole pipeline at once:
 *
 * <pre>{@code
 * String a = client.submit(JobSubmission.builder().jar(jar).jobClass("org.example.Train").build());
 * String b = client.submit(JobSubmission.builder().jar(jar).jobClass("org.example.Score")
 *         .after(a).arg("model", JobSubmission.resultOf(a)).build());
 * }</pre>
 */
public final class JobSubmission {

    private final Path jar;
    private final String jarSha256;
    private final String jobClass;
    private final Map<String, String> args;
    private final int maxAttempts;
    private final Duration taskTimeout;
    private final String require;
    private final int slotsPerTask;
    private final int priority;
    private final boolean noSpeculation;
    private final Map<String, String> data;
    private final int quorum;
    private final int quorumMax;
    private final java.util.List<String> after;

    /** The value of an argument that takes job {@code jobId}'s result text when the job starts: {@code @result:ID}. */
    public static String resultOf(String jobId) {
        return "@result:" + Objects.requireNonNull(jobId, "jobId");
    }

    private JobSubmission(Builder b) {
        this.quorum = b.quorum;
        this.quorumMax = b.quorumMax;
        this.jar = b.jar;
        this.jarSha256 = b.jarSha256;
        this.jobClass = b.jobClass;
        this.args = Map.copyOf(b.args);
        this.maxAttempts = b.maxAttempts;
        this.taskTimeout = b.taskTimeout;
        this.require = b.require;
        this.slotsPerTask = b.slotsPerTask;
        this.priority = b.priority;
        this.noSpeculation = b.noSpeculation;
        this.data = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.data));
        this.after = java.util.List.copyOf(b.after);
    }

    /** The jobs this one runs after, in the order they were added; empty: it starts at once. */
    public java.util.List<String> after() {
        return after;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<Path> jar() {
        return Optional.ofNullable(jar);
    }

    public Optional<String> jarSha256() {
        return Optional.ofNullable(jarSha256);
    }

    public String jobClass() {
        return jobClass;
    }

    /** Arguments in the order they were added. */
    public Map<String, String> args() {
        return args;
    }

    /** 0: the job's or the master's default. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Zero: the job's or the master's default. */
    public Duration taskTimeout() {
        return taskTimeout;
    }

    /** Which workers may run the tasks; empty: the job's own choice, else any. */
    public String require() {
        return require;
    }

    /** 0: the job's or 1. */
    public int slotsPerTask() {
        return slotsPerTask;
    }

    public int priority() {
        return priority;
    }

    public boolean noSpeculation() {
        return noSpeculation;
    }

    /** Equal outputs from different hosts needed to accept a task's output; 0: the job's own, else 1. */
    public int quorum() {
        return quorum;
    }

    /** The most replicas of one task; 0: the default (quorum + 2). */
    public int quorumMax() {
        return quorumMax;
    }

    /** The data sets the job reads: its name for each to the data set's id, in the order they were added. */
    public Map<String, String> data() {
        return data;
    }

    /** Builds a {@link JobSubmission}; {@link #build()} checks that a jar and a class were given. */
    public static final class Builder {
        private Path jar;
        private String jarSha256;
        private String jobClass;
        private final Map<String, String> args = new LinkedHashMap<>();
        private int maxAttempts;
        private Duration taskTimeout = Duration.ZERO;
        private String require = "";
        private int slotsPerTask;
        private int priority;
        private boolean noSpeculation;
        private final Map<String, String> data = new LinkedHashMap<>();
        private int quorum;
        private int quorumMax;
        private final java.util.LinkedHashSet<String> after = new java.util.LinkedHashSet<>();

        private Builder() {}

        /**
         * Results by quorum: each task runs on {@code quorum} workers on different hosts, and its output is accepted
         * when that many are equal byte for byte; on a mismatch more replicas run, up to {@code quorumMax} (0: quorum +
         * 2), then the task fails naming the workers that disagreed. {@code quorum} from 1 to 16.
         */
        public Builder quorum(int quorum, int quorumMax) {
            if (quorum < 1 || quorum > io.gridwork.sdk.JobOptions.MAX_QUORUM) {
                throw new IllegalArgumentException("quorum must be from 1 to " + io.gridwork.sdk.JobOptions.MAX_QUORUM
                        + ", got " + quorum);
            }
            if (quorumMax != 0 && (quorumMax < quorum || quorumMax > io.gridwork.sdk.JobOptions.MAX_QUORUM_REPLICAS)) {
                throw new IllegalArgumentException("quorumMax must be from the quorum (" + quorum + ") to "
                        + io.gridwork.sdk.JobOptions.MAX_QUORUM_REPLICAS + ", got " + quorumMax);
            }
            this.quorum = quorum;
            this.quorumMax = quorumMax;
            return this;
        }

        /**
         * Runs the job after these jobs (ids such as {@code job-12}): it starts when every one of them has succeeded,
         * and is cancelled if one of them fails or is cancelled. Adds to the ones given before.
         */
        public Builder after(String... jobIds) {
            return after(java.util.Arrays.asList(jobIds));
        }

        /** As {@link #after(String...)}. */
        public Builder after(java.util.Collection<String> jobIds) {
            for (String id : jobIds) {
                Objects.requireNonNull(id, "job id");
                if (id.isBlank()) {
                    throw new IllegalArgumentException("after: a job id must not be empty");
                }
                after.add(id);
            }
            return this;
        }

        /**
         * A data set the job reads, under the name its code uses ({@code JobArgs.data(name)}); {@code id} is the data
         * set's id (64 hex digits, as {@link GridClient#putData} returns it). The master refuses an unknown id.
         */
        public Builder data(String name, String id) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(id, "id");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a data set's name in the job must not be empty");
            }
            if (!io.gridwork.internal.data.DataLayout.isId(id)) {
                throw new IllegalArgumentException("data " + name + ": '" + id + "' is not a data set id (64 hex digits)");
            }
            if (data.containsKey(name)) {
                throw new IllegalArgumentException("data " + name + " is given twice");
            }
            data.put(name, id);
            return this;
        }

        /** Which workers may run the tasks, for example {@code "os=linux && gpu=a100"}. */
        public Builder require(String require) {
            this.require = Objects.requireNonNull(require, "require");
            return this;
        }

        public Builder slotsPerTask(int slotsPerTask) {
            this.slotsPerTask = slotsPerTask;
            return this;
        }

        /** Higher runs first; default 0. */
        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        /** Never run a second attempt of a slow task (for tasks with side effects). */
        public Builder noSpeculation() {
            this.noSpeculation = true;
            return this;
        }

        public Builder jar(Path jar) {
            this.jar = Objects.requireNonNull(jar, "jar");
            return this;
        }

        public Builder jarSha256(String jarSha256) {
            this.jarSha256 = Objects.requireNonNull(jarSha256, "jarSha256");
            return this;
        }

        public Builder jobClass(String jobClass) {
            this.jobClass = Objects.requireNonNull(jobClass, "jobClass");
            return this;
        }

        public Builder arg(String key, String value) {
            args.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder args(Map<String, String> args) {
            args.forEach(this::arg);
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 0) {
                throw new IllegalArgumentException("maxAttempts must not be negative");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder taskTimeout(Duration taskTimeout) {
            this.taskTimeout = Objects.requireNonNull(taskTimeout, "taskTimeout");
            return this;
        }

        public JobSubmission build() {
            if (jar == null && jarSha256 == null) {
                throw new IllegalArgumentException("a job submission needs a jar or the SHA-256 of an uploaded jar");
            }
            if (jobClass == null || jobClass.isBlank()) {
                throw new IllegalArgumentException("a job submission needs a job class");
            }
            return new JobSubmission(this);
        }
    }
}
