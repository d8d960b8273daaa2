package io.gridwork.worker;

import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.MasterEndpoint;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.ProbeRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.ResultRejection;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskRef;
import java.util.List;

/**
 * What a master tells the worker, as the {@link WorkerCore} reads it: plain records, made from the protocol's messages
 * by the {@link MasterLink} ({@link #of(MasterMessage)}, {@link Registered#of(RegisterResponse)}). A job's spec stays
 * the protocol's {@code JobSpec}: the core only files it for the job cache and the task runner, which read it.
 *
 * @param demand slots' worth of ready tasks the master has for this worker; null if the message does not say
 */
record FromMaster(List<Takeover> takeovers, List<MasterInfo> masters, List<JobSpec> jobs, List<Assignment> assignments,
        boolean releaseUnstarted, List<TaskKey> cancels, List<TaskKey> acks, List<Rejection> rejections,
        List<String> endedJobs, Integer demand, List<Probe> probes, List<CheckpointAck> checkpointAcks) {

    /** A message without checkpoint answers. */
    FromMaster(List<Takeover> takeovers, List<MasterInfo> masters, List<JobSpec> jobs, List<Assignment> assignments,
            boolean releaseUnstarted, List<TaskKey> cancels, List<TaskKey> acks, List<Rejection> rejections,
            List<String> endedJobs, Integer demand, List<Probe> probes) {
        this(takeovers, masters, jobs, assignments, releaseUnstarted, cancels, acks, rejections, endedJobs, demand,
                probes, List.of());
    }

    /** The master's answer to a checkpoint: stored for good (at least as new as {@code seq}), or refused and why. */
    record CheckpointAck(TaskKey task, long seq, boolean ok, String reason) {
    }

    /** One attempt of one task of a job. */
    record TaskKey(String jobId, long index, long attemptId) {
        static TaskKey of(TaskRef ref) {
            return new TaskKey(ref.getJobId(), ref.getIndex(), ref.getAttemptId());
        }

        TaskRef toRef() {
            return TaskRef.newBuilder().setJobId(jobId).setIndex(index).setAttemptId(attemptId).build();
        }
    }

    /**
     * A task given to this worker: its attempt number, its input, the slots it takes (at least 1) and the checkpoint
     * an earlier attempt saved (null: none).
     */
    record Assignment(TaskKey task, int attempt, byte[] input, int slots, byte[] checkpoint,
            /** A large checkpoint kept in the data grid, read through the data plane (null: none, or inline). */
            io.gridwork.api.v1.DataSetRef checkpointData) {
        Assignment(TaskKey task, int attempt, byte[] input, int slots) {
            this(task, attempt, input, slots, null, null);
        }

        Assignment(TaskKey task, int attempt, byte[] input, int slots, byte[] checkpoint) {
            this(task, attempt, input, slots, checkpoint, null);
        }

        static Assignment of(TaskAssignment a) {
            return new Assignment(TaskKey.of(a.getRef()), a.getAttempt(), a.getInput().toByteArray(), a.getSlots(),
                    a.hasCheckpoint() ? a.getCheckpoint().toByteArray() : null,
                    a.hasCheckpointData() ? a.getCheckpointData() : null);
        }
    }

    /** A master took over jobs of another one at a lease epoch. */
    record Takeover(String fromMasterId, String toMasterId, String toAddress, long epoch, List<String> jobIds) {
    }

    /** A master of the grid, as the masters' list names it. */
    record MasterInfo(String id, String address, boolean standby) {
        static MasterInfo of(MasterEndpoint e) {
            return new MasterInfo(e.getId(), e.getAddress(), e.getStandby());
        }
    }

    /** A result the master refused, and why. */
    record Rejection(TaskKey task, String reason) {
    }

    /** Health-check another worker (the indirect path of the master's failure detector). */
    record Probe(long probeId, String host, int port, long timeoutMs) {
        static Probe of(ProbeRequest p) {
            return new Probe(p.getProbeId(), p.getHost(), p.getPort(), p.getTimeoutMs());
        }
    }

    /** What a probe found. */
    record ProbeAnswer(long probeId, boolean reachable, String detail) {
    }

    /** A master's answer to a registration. */
    record Registered(String workerId, long incarnation, String masterId, long masterEpoch, long heartbeatIntervalMs,
            List<TaskKey> drop, List<MasterInfo> masters) {
        static Registered of(RegisterResponse r) {
            return new Registered(r.getWorkerId(), r.getIncarnation(), r.getMasterId(), r.getMasterEpoch(),
                    r.getHeartbeatIntervalMs(), r.getDropList().stream().map(TaskKey::of).toList(),
                    r.getMastersList().stream().map(MasterInfo::of).toList());
        }
    }

    static FromMaster of(MasterMessage m) {
        // data grid (3): MasterMessage.data_orders and peers go to the data plane straight from the stream
        // (MasterLink.Stream.onNext): the core has no part in them
        return new FromMaster(
                m.getTakeoversList().stream().map(t -> new Takeover(t.getFromMasterId(), t.getToMasterId(),
                        t.getToAddress(), t.getEpoch(), List.copyOf(t.getJobIdsList()))).toList(),
                m.getMastersList().stream().map(MasterInfo::of).toList(),
                List.copyOf(m.getJobsList()),
                m.getAssignmentsList().stream().map(Assignment::of).toList(),
                m.getReleaseUnstarted(),
                m.getCancelsList().stream().map(TaskKey::of).toList(),
                m.getAcksList().stream().map(TaskKey::of).toList(),
                m.getRejectionsList().stream().map(r -> new Rejection(TaskKey.of(r.getRef()), r.getReason())).toList(),
                List.copyOf(m.getEndedJobsList()),
                m.hasDemand() ? Integer.valueOf(m.getDemand()) : null,
                m.getProbesList().stream().map(Probe::of).toList(),
                m.getCheckpointAcksList().stream().map(c -> new CheckpointAck(TaskKey.of(c.getRef()), c.getSeq(),
                        c.getOk(), c.getReason())).toList());
    }
}
