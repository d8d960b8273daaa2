package io.gridwork.master.core;

import java.time.Duration;

/**
 * The scheduler's settings, immutable, with named defaults; checked when built. Liveness limits are derived
 * here once: a worker is dead after {@code heartbeatInterval x missedHeartbeats} without a heartbeat.
 */
public final class SchedulerOptions {

    /**
     * How often workers heartbeat on their stream. One small message a second per worker is cheap (a thousand
     * workers make a thousand messages a second) and bounds how long a silent worker goes unnoticed.
     */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    /**
     * Heartbeats a worker may miss before it is suspected and probed. Two: one late or lost heartbeat (a GC pause,
     * a busy core) never starts a probe; the design's "wait once more" is the second.
     */
    public static final int DEFAULT_MISSED_HEARTBEATS = 2;
    /**
     * Deadline of one health check of a suspected worker. A live worker answers in milliseconds even with its
     * cores busy (its health service runs on I/O threads); one second covers a 200 ms link several times over.
     */
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** Probe rounds before a verdict: the design's "repeat once more", so one failed connect does not kill. */
    public static final int DEFAULT_PROBE_ROUNDS = 2;
    /** Pause between probe rounds. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofMillis(250);
    /** Other live workers asked to probe a suspected worker too (the indirect path). */
    public static final int DEFAULT_INDIRECT_PROBES = 2;
    /**
     * How long a worker with a link failure keeps its tasks. Its reconnect backoff is at most 2 s, so 10 s lets it
     * come back several times over, and a worker that will not come back holds its tasks for at most this long.
     */
    public static final Duration DEFAULT_LINK_GRACE = Duration.ofSeconds(10);
    /** While a link failure lasts, the worker is probed again this often (a process that dies meanwhile is DEAD). */
    public static final Duration DEFAULT_LINK_REPROBE_INTERVAL = Duration.ofSeconds(2);
    /**
     * After a master restart, how long tasks that were running wait for their workers to reconnect and take them
     * back before they are queued again; dispatch of resumed jobs starts earlier once every known worker is back.
     */
    public static final Duration DEFAULT_ADOPTION_GRACE = Duration.ofSeconds(10);
    /** Worker deaths under one task after which the task is quarantined and its job fails. */
    public static final int DEFAULT_QUARANTINE_AFTER_CRASHES = 3;
    /** Most tasks one job may have. */
    public static final long DEFAULT_MAX_TASKS_PER_JOB = 10_000_000L;
    /** The most max-tasks-per-job can be: the store numbers a job's tasks in 32 bits (see the store's TaskKeys). */
    public static final long MAX_TASKS_PER_JOB_LIMIT = 1L << 32;
    /** Largest output of one task. */
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 16 << 20;
    /** Largest merged result of a job. */
    public static final int DEFAULT_MAX_RESULT_BYTES = 256 << 20;
    /** Largest checkpoint a task may save (TaskContext.saveCheckpoint); a larger one is refused with this name. */
    public static final int DEFAULT_MAX_CHECKPOINT_BYTES = 64 << 20;
    /**
     * Largest state a worker may send inline on its stream (the master's store row). Workers send states above
     * {@code io.gridwork.worker.TaskRunner.INLINE_CHECKPOINT_BYTES} (256 KiB) through the data grid (PutCheckpoint), so
     * that a stream message stays small next to the tasks' results; this cap is the former limit, so a worker that
     * sends everything inline still works up to it, and no store row grows beyond it.
     */
    public static final int MAX_INLINE_CHECKPOINT_BYTES = 1 << 20;
    /** Least time between two stored checkpoints of one task: saves closer together are coalesced (the latest wins). */
    public static final Duration DEFAULT_MIN_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    /** Most jobs one user (token name) may have queued or running at once. */
    public static final int DEFAULT_MAX_QUEUED_JOBS_PER_USER = 100;
    /** Attempts of a task whose code throws, when neither the job nor the submission says otherwise. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Delay before the first retry of a failed task; doubles with each further failure. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(200);
    /** Longest delay between retries. */
    public static final Duration DEFAULT_RETRY_BACKOFF_MAX = Duration.ofSeconds(10);
    /** Task inputs taken from a job's split at a time (and stored in one transaction). */
    public static final int DEFAULT_SPLIT_BATCH = 1024;
    /** Ready tasks kept in memory per job; the split is read further when fewer remain than half of this. */
    public static final int DEFAULT_READY_TASKS = 4096;
    /** Bytes of ready task inputs kept in memory per job. */
    public static final long DEFAULT_READY_BYTES = 16L << 20;
    /**
     * Placement near the data: how long a task whose {@code GridJob.dataNeeds} names data-set ranges waits for a worker
     * holding them before any worker with a free slot takes it. Tasks of jobs without data sets never wait.
     */
    public static final Duration DEFAULT_LOCALITY_WAIT = Duration.ofMillis(200);
    /**
     * Results by quorum: a worker whose replicas disagreed with the accepted output more often than this (of its
     * replicas compared) gets no more tasks of quorum jobs. An honest worker on sound hardware disagrees almost never
     * (a task whose output is not deterministic makes every worker disagree: the rate is then high for all of them).
     */
    public static final double DEFAULT_TRUST_MAX_DISAGREEMENT = 0.25;
    /** ... but only once it has this many replicas compared: one bad output of a new worker does not exclude it. */
    public static final int DEFAULT_TRUST_MIN_SAMPLES = 8;
    /** Time limit of one call into a job's split (the first one, and each batch after). */
    public static final Duration DEFAULT_SPLIT_TIMEOUT = Duration.ofSeconds(60);
    /** Time limit of a job's merge. */
    public static final Duration DEFAULT_MERGE_TIMEOUT = Duration.ofMinutes(30);
    /** How often watchers of a running job get its status at most. */
    public static final Duration DEFAULT_PUBLISH_INTERVAL = Duration.ofMillis(200);
    /**
     * A running task is slow, and may get a second attempt on an idle worker once nothing else is queued, when it has
     * run this many times the mean duration of its job's tasks so far (Spark and MapReduce use 1.5 too).
     */
    public static final double DEFAULT_SPECULATION_MULTIPLIER = 1.5;
    /** Nor before it has run this long: short tasks are never worth a second attempt. */
    public static final Duration DEFAULT_SPECULATION_MIN_RUNTIME = Duration.ofMillis(200);

    /**
     * How long a caller (a gRPC thread, the dashboard) waits for the loop to answer a query, or for a registration
     * to be committed. A healthy loop answers in microseconds and a commit takes milliseconds; past ten seconds the
     * master is stuck or swamped, and the caller is better told UNAVAILABLE (and retries) than left holding a thread.
     */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);
    /**
     * At shutdown, how long the journal may take to commit what is queued; what it cannot store by then fails with
     * UNAVAILABLE. A commit takes milliseconds; ten seconds covers a store that is slow to recover, and bounds how
     * long a stop can hang on a store that is gone.
     */
    public static final Duration DEFAULT_JOURNAL_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final Duration heartbeatInterval;
    private final int missedHeartbeats;
    private final Duration probeTimeout;
    private final int probeRounds;
    private final Duration probeInterval;
    private final int indirectProbes;
    private final Duration linkGrace;
    private final Duration linkReprobeInterval;
    private final Duration adoptionGrace;
    private final int quarantineAfterCrashes;
    private final long maxTasksPerJob;
    private final int maxOutputBytes;
    private final int maxCheckpointBytes;
    private final Duration minCheckpointInterval;
    private final int maxResultBytes;
    private final int maxQueuedJobsPerUser;
    private final int defaultMaxAttempts;
    private final Duration retryBackoff;
    private final Duration retryBackoffMax;
    private final int splitBatch;
    private final int readyTasks;
    private final long readyBytes;
    private final Duration splitTimeout;
    private final Duration localityWait;
    private final double trustMaxDisagreement;
    private final int trustMinSamples;
    private final Duration mergeTimeout;
    private final Duration publishInterval;
    private final double speculationMultiplier;
    private final Duration speculationMinRuntime;
    private final Duration callTimeout;
    private final Duration journalCloseTimeout;

    private SchedulerOptions(Builder b) {
        this.heartbeatInterval = b.heartbeatInterval;
        this.missedHeartbeats = b.missedHeartbeats;
        this.probeTimeout = b.probeTimeout;
        this.probeRounds = b.probeRounds;
        this.probeInterval = b.probeInterval;
        this.indirectProbes = b.indirectProbes;
        this.linkGrace = b.linkGrace;
        this.linkReprobeInterval = b.linkReprobeInterval;
        this.adoptionGrace = b.adoptionGrace;
        this.quarantineAfterCrashes = b.quarantineAfterCrashes;
        this.maxTasksPerJob = b.maxTasksPerJob;
        this.maxOutputBytes = b.maxOutputBytes;
        this.maxCheckpointBytes = b.maxCheckpointBytes;
        this.minCheckpointInterval = b.minCheckpointInterval;
        this.maxResultBytes = b.maxResultBytes;
        this.maxQueuedJobsPerUser = b.maxQueuedJobsPerUser;
        this.defaultMaxAttempts = b.defaultMaxAttempts;
        this.retryBackoff = b.retryBackoff;
        this.retryBackoffMax = b.retryBackoffMax;
        this.splitBatch = b.splitBatch;
        this.readyTasks = b.readyTasks;
        this.readyBytes = b.readyBytes;
        this.splitTimeout = b.splitTimeout;
        this.localityWait = b.localityWait;
        this.trustMaxDisagreement = b.trustMaxDisagreement;
        this.trustMinSamples = b.trustMinSamples;
        this.mergeTimeout = b.mergeTimeout;
        this.publishInterval = b.publishInterval;
        this.speculationMultiplier = b.speculationMultiplier;
        this.speculationMinRuntime = b.speculationMinRuntime;
        this.callTimeout = b.callTimeout;
        this.journalCloseTimeout = b.journalCloseTimeout;
    }

    public static SchedulerOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    public int missedHeartbeats() {
        return missedHeartbeats;
    }

    /** No heartbeat for this long: the worker is suspected and probed. */
    public Duration suspectAfter() {
        return heartbeatInterval.multipliedBy(missedHeartbeats);
    }

    public Duration probeTimeout() {
        return probeTimeout;
    }

    public int probeRounds() {
        return probeRounds;
    }

    public Duration probeInterval() {
        return probeInterval;
    }

    public int indirectProbes() {
        return indirectProbes;
    }

    public Duration linkGrace() {
        return linkGrace;
    }

    public Duration linkReprobeInterval() {
        return linkReprobeInterval;
    }

    public Duration adoptionGrace() {
        return adoptionGrace;
    }

    public int quarantineAfterCrashes() {
        return quarantineAfterCrashes;
    }

    public long maxTasksPerJob() {
        return maxTasksPerJob;
    }

    public int maxOutputBytes() {
        return maxOutputBytes;
    }

    public int maxCheckpointBytes() {
        return maxCheckpointBytes;
    }

    public Duration minCheckpointInterval() {
        return minCheckpointInterval;
    }

    public int maxResultBytes() {
        return maxResultBytes;
    }

    public int maxQueuedJobsPerUser() {
        return maxQueuedJobsPerUser;
    }

    public int defaultMaxAttempts() {
        return defaultMaxAttempts;
    }

    public Duration retryBackoff() {
        return retryBackoff;
    }

    public Duration retryBackoffMax() {
        return retryBackoffMax;
    }

    public int splitBatch() {
        return splitBatch;
    }

    public int readyTasks() {
        return readyTasks;
    }

    public long readyBytes() {
        return readyBytes;
    }

    public Duration splitTimeout() {
        return splitTimeout;
    }

    /** See {@link #DEFAULT_TRUST_MAX_DISAGREEMENT}. */
    public double trustMaxDisagreement() {
        return trustMaxDisagreement;
    }

    /** See {@link #DEFAULT_TRUST_MIN_SAMPLES}. */
    public int trustMinSamples() {
        return trustMinSamples;
    }

    /** See {@link #DEFAULT_LOCALITY_WAIT}. */
    public Duration localityWait() {
        return localityWait;
    }

    public Duration mergeTimeout() {
        return mergeTimeout;
    }

    public Duration publishInterval() {
        return publishInterval;
    }

    public double speculationMultiplier() {
        return speculationMultiplier;
    }

    public Duration speculationMinRuntime() {
        return speculationMinRuntime;
    }

    /** How long a caller waits for the loop (or a registration's commit) before it is told UNAVAILABLE. */
    public Duration callTimeout() {
        return callTimeout;
    }

    /** How long the journal may take at shutdown to commit what is queued. */
    public Duration journalCloseTimeout() {
        return journalCloseTimeout;
    }

    /** Builds {@link SchedulerOptions}. */
    public static final class Builder {
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private int missedHeartbeats = DEFAULT_MISSED_HEARTBEATS;
        private Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;
        private int probeRounds = DEFAULT_PROBE_ROUNDS;
        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
        private int indirectProbes = DEFAULT_INDIRECT_PROBES;
        private Duration linkGrace = DEFAULT_LINK_GRACE;
        private Duration linkReprobeInterval = DEFAULT_LINK_REPROBE_INTERVAL;
        private Duration adoptionGrace = DEFAULT_ADOPTION_GRACE;
        private int quarantineAfterCrashes = DEFAULT_QUARANTINE_AFTER_CRASHES;
        private long maxTasksPerJob = DEFAULT_MAX_TASKS_PER_JOB;
        private int maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES;
        private int maxCheckpointBytes = DEFAULT_MAX_CHECKPOINT_BYTES;
        private Duration minCheckpointInterval = DEFAULT_MIN_CHECKPOINT_INTERVAL;
        private int maxResultBytes = DEFAULT_MAX_RESULT_BYTES;
        private int maxQueuedJobsPerUser = DEFAULT_MAX_QUEUED_JOBS_PER_USER;
        private int defaultMaxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private Duration retryBackoffMax = DEFAULT_RETRY_BACKOFF_MAX;
        private int splitBatch = DEFAULT_SPLIT_BATCH;
        private int readyTasks = DEFAULT_READY_TASKS;
        private long readyBytes = DEFAULT_READY_BYTES;
        private Duration splitTimeout = DEFAULT_SPLIT_TIMEOUT;
        private Duration localityWait = DEFAULT_LOCALITY_WAIT;
        private double trustMaxDisagreement = DEFAULT_TRUST_MAX_DISAGREEMENT;
        private int trustMinSamples = DEFAULT_TRUST_MIN_SAMPLES;
        private Duration mergeTimeout = DEFAULT_MERGE_TIMEOUT;
        private Duration publishInterval = DEFAULT_PUBLISH_INTERVAL;
        private double speculationMultiplier = DEFAULT_SPECULATION_MULTIPLIER;
        private Duration speculationMinRuntime = DEFAULT_SPECULATION_MIN_RUNTIME;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration journalCloseTimeout = DEFAULT_JOURNAL_CLOSE_TIMEOUT;

        private Builder() {}

        public Builder heartbeatInterval(Duration v) {
            heartbeatInterval = v;
            return this;
        }

        public Builder missedHeartbeats(int v) {
            missedHeartbeats = v;
            return this;
        }

        public Builder probeTimeout(Duration v) {
            probeTimeout = v;
            return this;
        }

        public Builder probeRounds(int v) {
            probeRounds = v;
            return this;
        }

        public Builder probeInterval(Duration v) {
            probeInterval = v;
            return this;
        }

        public Builder indirectProbes(int v) {
            indirectProbes = v;
            return this;
        }

        public Builder linkGrace(Duration v) {
            linkGrace = v;
            return this;
        }

        public Builder linkReprobeInterval(Duration v) {
            linkReprobeInterval = v;
            return this;
        }

        public Builder adoptionGrace(Duration v) {
            adoptionGrace = v;
            return this;
        }

        public Builder quarantineAfterCrashes(int v) {
            quarantineAfterCrashes = v;
            return this;
        }

        public Builder maxTasksPerJob(long v) {
            maxTasksPerJob = v;
            return this;
        }

        public Builder maxOutputBytes(int v) {
            maxOutputBytes = v;
            return this;
        }

        public Builder maxCheckpointBytes(int v) {
            maxCheckpointBytes = v;
            return this;
        }

        /** Zero stores every save at once. */
        public Builder minCheckpointInterval(Duration v) {
            minCheckpointInterval = v;
            return this;
        }

        public Builder maxResultBytes(int v) {
            maxResultBytes = v;
            return this;
        }

        public Builder maxQueuedJobsPerUser(int v) {
            maxQueuedJobsPerUser = v;
            return this;
        }

        public Builder defaultMaxAttempts(int v) {
            defaultMaxAttempts = v;
            return this;
        }

        public Builder retryBackoff(Duration v) {
            retryBackoff = v;
            return this;
        }

        public Builder retryBackoffMax(Duration v) {
            retryBackoffMax = v;
            return this;
        }

        public Builder splitBatch(int v) {
            splitBatch = v;
            return this;
        }

        public Builder readyTasks(int v) {
            readyTasks = v;
            return this;
        }

        public Builder readyBytes(long v) {
            readyBytes = v;
            return this;
        }

        public Builder splitTimeout(Duration v) {
            splitTimeout = v;
            return this;
        }

        /** The disagreement rate above which a worker gets no tasks of quorum jobs (from 0 to 1; 1: never excluded). */
        public Builder trustMaxDisagreement(double v) {
            trustMaxDisagreement = v;
            return this;
        }

        /** Replicas compared before a worker's disagreement rate may exclude it. */
        public Builder trustMinSamples(int v) {
            trustMinSamples = v;
            return this;
        }

        /** How long a task waits for a worker holding its data (0: never waits). */
        public Builder localityWait(Duration v) {
            localityWait = v;
            return this;
        }

        public Builder mergeTimeout(Duration v) {
            mergeTimeout = v;
            return this;
        }

        public Builder publishInterval(Duration v) {
            publishInterval = v;
            return this;
        }

        public Builder speculationMultiplier(double v) {
            speculationMultiplier = v;
            return this;
        }

        public Builder speculationMinRuntime(Duration v) {
            speculationMinRuntime = v;
            return this;
        }

        public Builder callTimeout(Duration v) {
            callTimeout = v;
            return this;
        }

        public Builder journalCloseTimeout(Duration v) {
            journalCloseTimeout = v;
            return this;
        }

        public SchedulerOptions build() {
            positive(callTimeout, "callTimeout");
            positive(journalCloseTimeout, "journalCloseTimeout");
            positive(speculationMinRuntime, "speculationMinRuntime");
            if (!(speculationMultiplier >= 1.0)) {
                throw new IllegalArgumentException("speculationMultiplier must be at least 1.0");
            }
            positive(heartbeatInterval, "heartbeatInterval");
            positive(retryBackoff, "retryBackoff");
            positive(retryBackoffMax, "retryBackoffMax");
            positive(splitTimeout, "splitTimeout");
            if (localityWait == null || localityWait.isNegative() || localityWait.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("localityWait must be from 0 to 1 minute, got " + localityWait);
            }
            if (!(trustMaxDisagreement >= 0 && trustMaxDisagreement <= 1)) {
                throw new IllegalArgumentException("trustMaxDisagreement must be from 0 to 1, got "
                        + trustMaxDisagreement);
            }
            if (trustMinSamples < 1) {
                throw new IllegalArgumentException("trustMinSamples must be at least 1, got " + trustMinSamples);
            }
            positive(mergeTimeout, "mergeTimeout");
            positive(publishInterval, "publishInterval");
            positive(probeTimeout, "probeTimeout");
            positive(probeInterval, "probeInterval");
            positive(linkGrace, "linkGrace");
            positive(linkReprobeInterval, "linkReprobeInterval");
            positive(adoptionGrace, "adoptionGrace");
            if (maxTasksPerJob < 1 || maxOutputBytes < 1 || maxResultBytes < 1 || maxQueuedJobsPerUser < 1) {
                throw new IllegalArgumentException("limits must be positive");
            }
            if (maxCheckpointBytes < 1) {
                throw new IllegalArgumentException("max-checkpoint-size must be positive");
            }
            if (minCheckpointInterval == null || minCheckpointInterval.isNegative()) {
                throw new IllegalArgumentException("min-checkpoint-interval must be zero or more");
            }
            if (maxTasksPerJob > MAX_TASKS_PER_JOB_LIMIT) {
                throw new IllegalArgumentException("max-tasks-per-job must be at most " + MAX_TASKS_PER_JOB_LIMIT
                        + " (a job's tasks are numbered in 32 bits)");
            }
            if (probeRounds < 1 || indirectProbes < 0 || quarantineAfterCrashes < 1) {
                throw new IllegalArgumentException("probeRounds and quarantineAfterCrashes must be at least 1, indirectProbes at least 0");
            }
            if (missedHeartbeats < 1) {
                throw new IllegalArgumentException("missedHeartbeats must be at least 1");
            }
            if (defaultMaxAttempts < 1 || defaultMaxAttempts > 100) {
                throw new IllegalArgumentException("defaultMaxAttempts must be from 1 to 100");
            }
            if (splitBatch < 1 || readyTasks < splitBatch || readyBytes < 1) {
                throw new IllegalArgumentException("splitBatch, readyTasks and readyBytes must be positive, readyTasks >= splitBatch");
            }
            return new SchedulerOptions(this);
        }

        private static void positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
        }
    }
}
