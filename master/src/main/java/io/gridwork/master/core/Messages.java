package io.gridwork.master.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The messages the core exchanges with workers, independent of the wire format. */
public final class Messages {

    private Messages() {}

    /** One attempt of one task; {@code attemptId} is the fencing token. */
    public record TaskKey(String jobId, long index, long attemptId) {}

    /** What a worker needs to know about a job before running its tasks. */
    public record JobSpec(String jobId, String jarSha256, String jobClass, long taskTimeoutMs, Map<String, String> args,
            long leaseEpoch, Map<String, String> dataSets) {

        /** A job that reads no data set. */
        public JobSpec(String jobId, String jarSha256, String jobClass, long taskTimeoutMs, Map<String, String> args,
                long leaseEpoch) {
            this(jobId, jarSha256, jobClass, taskTimeoutMs, args, leaseEpoch, Map.of());
        }

        public JobSpec(String jobId, String jarSha256, String jobClass, long taskTimeoutMs, Map<String, String> args) {
            this(jobId, jarSha256, jobClass, taskTimeoutMs, args, 0);
        }
    }

    /** A master of the grid, as workers need to know it ({@code MasterEndpoint}). */
    public record MasterEndpoint(String id, String address, boolean standby, long epoch) {}

    /**
     * Master {@code toMasterId} (at {@code toAddress}, lease epoch {@code epoch}) took over {@code jobIds} from master
     * {@code fromMasterId}, which failed: their tasks' results go to it from now on ({@code Takeover}).
     */
    public record Takeover(String fromMasterId, String toMasterId, String toAddress, long epoch, List<String> jobIds) {}

    /**
     * A task given to a worker; it occupies {@code slots} of the worker's slots. {@code checkpoint}: the state an
     * earlier attempt saved, to resume from (null: none).
     */
    public record Assignment(TaskKey key, int attempt, byte[] input, int slots, byte[] checkpoint,
            /** A large checkpoint kept in the data grid: its data set id (null: none, or inline in checkpoint). */
            String checkpointData) {
        public Assignment(TaskKey key, int attempt, byte[] input, int slots) {
            this(key, attempt, input, slots, null, null);
        }

        public Assignment(TaskKey key, int attempt, byte[] input, int slots, byte[] checkpoint) {
            this(key, attempt, input, slots, checkpoint, null);
        }
    }

    /** A state a running attempt saved ({@code TaskContext.saveCheckpoint}); {@code seq} numbers its saves from 1. */
    public record Checkpoint(TaskKey key, long seq, byte[] state, DataState data) {
        public Checkpoint(TaskKey key, long seq, byte[] state) {
            this(key, seq, state, null);
        }

        /** The bytes the state has, wherever they are. */
        public long size() {
            return data != null ? data.size() : state.length;
        }
    }

    /** A large checkpoint's state, uploaded (PutCheckpoint) and kept as the data set {@code id} of {@code size} bytes. */
    public record DataState(String id, long size) {}

    /** The answer to a checkpoint: stored for good (ok, at least as new as {@code seq}), or refused and why. */
    public record CheckpointAck(TaskKey key, long seq, boolean ok, String reason) {}

    /** A result refused, and why. */
    public record Rejection(TaskKey key, String reason) {}

    /** Why an attempt failed, as the worker reports it. */
    public record Failure(String message, String exceptionType, boolean retryable, String stackTrace) {}

    /**
     * The outcome of one attempt: an output, or a failure; with what its code wrote to System.out and System.err
     * ({@code log}, "" if nothing) and how many bytes of that its worker cut.
     */
    public record Result(TaskKey key, byte[] output, Failure failure, long durationMs, String log, long logCutBytes,
            long cpuNanos) {
        /** {@code cpuNanos}: the CPU time the worker measured for the attempt (0: not measured). */
        public Result {
            log = log == null ? "" : log;
        }

        public Result(TaskKey key, byte[] output, Failure failure, long durationMs, String log, long logCutBytes) {
            this(key, output, failure, durationMs, log, logCutBytes, 0);
        }

        /** A result without output on System.out or System.err. */
        public Result(TaskKey key, byte[] output, Failure failure, long durationMs) {
            this(key, output, failure, durationMs, "", 0);
        }

        public boolean succeeded() {
            return failure == null;
        }
    }

    /** Progress of a running attempt. */
    public record Progress(TaskKey key, double fraction, String message) {}

    /** A health check of another worker that the master asks a worker to make (the indirect path). */
    public record ProbeRequest(long probeId, String targetWorkerId, String host, int port, long timeoutMs) {}

    /** What a worker found when it probed another. */
    public record ProbeResult(long probeId, boolean reachable, String detail) {}

    /**
     * One message from a worker; any part may be empty. {@code heartbeatSeq} is -1 when it carries no heartbeat.
     * {@code credit} below zero withdraws credits not used yet. {@code crashed}: tasks that brought the worker down
     * (they called System.exit). {@code started}: tasks that began executing (the others it holds are prefetched).
     */
    public record Inbound(int credit, List<Result> results, long heartbeatSeq, List<Progress> progress,
            List<TaskKey> released, boolean draining, List<ProbeResult> probeResults, List<TaskKey> crashed,
            List<TaskKey> started, List<Checkpoint> checkpoints) {

        public Inbound {
            checkpoints = checkpoints == null ? List.of() : checkpoints;
        }

        /** A message without checkpoints. */
        public Inbound(int credit, List<Result> results, long heartbeatSeq, List<Progress> progress,
                List<TaskKey> released, boolean draining, List<ProbeResult> probeResults, List<TaskKey> crashed,
                List<TaskKey> started) {
            this(credit, results, heartbeatSeq, progress, released, draining, probeResults, crashed, started, List.of());
        }

        public Inbound(int credit, List<Result> results, long heartbeatSeq, List<Progress> progress,
                List<TaskKey> released, boolean draining, List<ProbeResult> probeResults, List<TaskKey> crashed) {
            this(credit, results, heartbeatSeq, progress, released, draining, probeResults, crashed, List.of());
        }

        public Inbound(int credit, List<Result> results, long heartbeatSeq, List<Progress> progress,
                List<TaskKey> released, boolean draining) {
            this(credit, results, heartbeatSeq, progress, released, draining, List.of(), List.of());
        }
    }

    /** What the master sends a worker in one go. */
    public static final class Outbound {
        public final List<JobSpec> jobs = new ArrayList<>();
        public final List<Assignment> assignments = new ArrayList<>();
        public final List<TaskKey> cancels = new ArrayList<>();
        public final List<TaskKey> acks = new ArrayList<>();
        public final List<Rejection> rejections = new ArrayList<>();
        public final List<String> endedJobs = new ArrayList<>();
        public final List<ProbeRequest> probes = new ArrayList<>();
        /** Answers to checkpoints the worker's tasks saved. */
        public final List<CheckpointAck> checkpointAcks = new ArrayList<>();
        public long heartbeatAck = -1;
        /** The worker was drained: it gives back the tasks it has not started. */
        public boolean releaseUnstarted;
        /** The grid's live masters, when they changed (the whole list); null: unchanged. */
        public List<MasterEndpoint> masters;
        /** Takeovers of failed masters' jobs by this master. */
        public final List<Takeover> takeovers = new ArrayList<>();
        /** Slots' worth of ready tasks this master has now, when it changed; null: unchanged (not sent). */
        public Integer demand;

        public boolean isEmpty() {
            return jobs.isEmpty() && assignments.isEmpty() && cancels.isEmpty() && acks.isEmpty()
                    && rejections.isEmpty() && endedJobs.isEmpty() && probes.isEmpty() && heartbeatAck < 0
                    && !releaseUnstarted && masters == null && takeovers.isEmpty() && demand == null
                    && checkpointAcks.isEmpty();
        }
    }

    /** The master's side of a worker's stream. Called from the core's loop thread only. */
    public interface WorkerLink {
        /** Sends without blocking. */
        void send(Outbound message);

        /** Ends the stream, telling the worker why. */
        void close(String reason);
    }
}
