package io.gridwork.master.rpc;

import com.google.protobuf.Timestamp;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.api.v1.Platform;
import io.gridwork.api.v1.TaskCounts;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.master.core.JobSnapshot;
import io.gridwork.master.core.WorkerSnapshot;
import io.gridwork.master.ha.MasterDirectory;
import io.gridwork.master.read.WorkerView;
import java.time.Instant;
import java.util.Map;

/** Core snapshots as protocol messages. */
public final class ProtoViews {

    private ProtoViews() {}

    /** A job's status with its owning master's id (its address left out). */
    public static JobStatus job(JobSnapshot s) {
        return job(s, null);
    }

    /** A job's status with its owning master: its id, and its address as {@code masters} knows it (null: none). */
    public static JobStatus job(JobSnapshot s, MasterDirectory masters) {
        JobStatus.Builder b = JobStatus.newBuilder()
                .setId(s.id())
                .setState(JobStatus.State.valueOf(s.state().name()))
                .setJobClass(s.jobClass())
                .setJarSha256(s.jarSha256())
                .putAllArgs(s.args())
                .putAllDataSets(new java.util.TreeMap<>(s.dataSets()))
                .setTasks(TaskCounts.newBuilder()
                        .setTotal(s.total())
                        .setSucceeded(s.succeeded())
                        .setRunning(s.running())
                        .setQueued(s.queued())
                        .setFailed(s.failed())
                        .setRetried(s.retried())
                        .setLost(s.lost())
                        .setRejected(s.rejected())
                        .setSpeculated(s.speculated())
                        .setHeld(s.held())
                        .setResumed(s.resumed())
                        .setValidated(s.validated())
                        .setMismatched(s.mismatched()))
                .setQuorum(s.quorum())
                .setQuorumMax(s.quorumMax())
                .setRequire(s.requirement() == null ? "" : s.requirement())
                .setSlotsPerTask(s.slotsPerTask())
                .setPriority(s.priority())
                .setSpeculation(s.speculation())
                .setWaitingReason(s.waitingReason() == null ? "" : s.waitingReason())
                .setSchedule(s.schedule() == null ? "" : s.schedule())
                .setSplitComplete(s.splitComplete())
                .setMaxAttempts(s.maxAttempts())
                .setTaskTimeoutMs(s.taskTimeoutMs())
                .setResultSize(s.resultSize())
                .setOwner(s.owner() == null ? "" : s.owner());
        if (s.ownerMaster() != null) {
            b.setMaster(s.ownerMaster());
            if (masters != null) {
                masters.master(s.ownerMaster()).ifPresent(m -> b.setMasterAddress(m.address() == null ? "" : m.address()));
            }
        }
        if (s.resultMediaType() != null) {
            b.setResultMediaType(s.resultMediaType());
        }
        if (s.resultText() != null) {
            b.setResult(s.resultText());
        }
        if (s.error() != null) {
            b.setError(s.error());
        }
        if (s.submittedAt() != null) {
            b.setSubmittedAt(timestamp(s.submittedAt()));
        }
        if (s.startedAt() != null) {
            b.setStartedAt(timestamp(s.startedAt()));
        }
        if (s.finishedAt() != null) {
            b.setFinishedAt(timestamp(s.finishedAt()));
        }
        return b.build();
    }

    /** A worker with its trust record from quorum jobs. */
    public static WorkerInfo worker(WorkerSnapshot s, io.gridwork.master.core.Scheduler.TrustRecord trust) {
        WorkerInfo info = worker(s);
        if (trust.agreed() == 0 && trust.disagreed() == 0) {
            return info;
        }
        return info.toBuilder().setAgreed(trust.agreed()).setDisagreed(trust.disagreed())
                .setUntrusted(trust.untrusted()).build();
    }

    public static WorkerInfo worker(WorkerSnapshot s) {
        WorkerView.Platform p = WorkerView.Platform.of(s.platform());
        WorkerInfo.Builder b = WorkerInfo.newBuilder()
                .setId(s.id())
                .setName(s.name())
                .setState(WorkerInfo.State.valueOf(s.state().name()))
                .setSlots(s.slots())
                .setPrefetch(s.prefetch())
                .putAllLabels(s.labels())
                .setRunning(s.running())
                .setCompleted(s.completed())
                .setFailed(s.failed())
                .setAddress(s.address())
                .setIncarnation(s.incarnation())
                .setSpeed(s.speed())
                .setCostFactor(s.costFactor())
                .setDrainRequested(s.drainRequested())
                .setHeld(s.held())
                .setHealthAddress(WorkerView.healthAddress(s.address(), s.healthPort()))
                .setOwnerReason(s.ownerReason())
                .setWhenIdle(s.whenIdle())
                .setPlatform(Platform.newBuilder()
                        .setOs(p.os())
                        .setArch(p.arch())
                        .setJavaVersion(p.javaVersion())
                        .setMemoryBytes(p.memoryBytes())
                        .setCores(p.cores())
                        .setGridworkVersion(p.gridworkVersion()));
        if (s.lastHeartbeat() != null) {
            b.setLastHeartbeat(timestamp(s.lastHeartbeat()));
        }
        if (s.registeredAt() != null) {
            b.setRegisteredAt(timestamp(s.registeredAt()));
        }
        return b.build();
    }

    public static io.gridwork.api.v1.WorkerEvent event(io.gridwork.master.core.WorkerEvent e) {
        return io.gridwork.api.v1.WorkerEvent.newBuilder()
                .setSeq(e.seq())
                .setWorkerId(e.workerId())
                .setName(e.name())
                .setType(io.gridwork.api.v1.WorkerEvent.Type.valueOf(e.type().name()))
                .setReason(e.reason())
                .setAt(timestamp(e.at()))
                .setIncarnation(e.incarnation())
                .build();
    }

    static io.gridwork.api.v1.Token token(io.gridwork.master.store.TokenRow t) {
        io.gridwork.api.v1.Token.Builder b = io.gridwork.api.v1.Token.newBuilder().setId(t.id()).setName(t.name())
                .setRole(io.gridwork.api.v1.Token.Role.valueOf(t.role().name())).setCreatedAt(timestamp(t.createdAt()))
                .setCreatedBy(t.createdBy());
        if (t.expiresAt() != null) {
            b.setExpiresAt(timestamp(t.expiresAt()));
        }
        if (t.revokedAt() != null) {
            b.setRevokedAt(timestamp(t.revokedAt()));
        }
        return b.build();
    }

    static io.gridwork.api.v1.AuditEntry audit(io.gridwork.master.store.AuditRow a) {
        return io.gridwork.api.v1.AuditEntry.newBuilder().setSeq(a.seq()).setAt(timestamp(a.at())).setActor(a.actor())
                .setAction(a.action()).setTarget(a.target()).setDetail(a.detail()).build();
    }

    static Map<String, String> platform(Platform p) {
        return Map.of("os", p.getOs(), "arch", p.getArch(), "java", p.getJavaVersion(),
                "memory", Long.toString(p.getMemoryBytes()), "cores", Integer.toString(p.getCores()),
                "gridwork", p.getGridworkVersion());
    }

    static io.gridwork.api.v1.Schedule schedule(io.gridwork.master.schedule.ScheduleView v) {
        io.gridwork.master.schedule.ScheduleSpec spec = v.spec();
        io.gridwork.master.core.Submission sub = spec.submission();
        io.gridwork.api.v1.Schedule.Builder b = io.gridwork.api.v1.Schedule.newBuilder()
                .setName(spec.name())
                .setState(io.gridwork.api.v1.Schedule.State.valueOf(v.state().name()))
                .setTimezone(spec.zone().getId())
                .setJarSha256(sub.jarSha256())
                .setJobClass(sub.jobClass())
                .putAllArgs(sub.args())
                .setOptions(io.gridwork.api.v1.JobOptions.newBuilder()
                        .setMaxAttempts(sub.maxAttempts())
                        .setTaskTimeoutMs(sub.taskTimeoutMs())
                        .setRequire(sub.require())
                        .setSlotsPerTask(sub.slotsPerTask())
                        .setPriority(sub.priority())
                        .setNoSpeculation(sub.noSpeculation())
                        .setQuorum(sub.quorum())
                        .setQuorumMax(sub.quorumMax()))
                .setMisfire(io.gridwork.api.v1.Schedule.Misfire.valueOf("MISFIRE_" + spec.misfire().name()))
                .setOverlap(io.gridwork.api.v1.Schedule.Overlap.valueOf("OVERLAP_" + spec.overlap().name()))
                .setOwner(sub.owner())
                .setCreatedAt(timestamp(spec.createdAt()));
        if (spec.cron() != null) {
            b.setCron(spec.cron());
        }
        if (spec.at() != null) {
            b.setAt(timestamp(spec.at()));
        }
        v.nextFireTimes().forEach(t -> b.addNextFireTimes(timestamp(t)));
        if (v.previousFireTime() != null) {
            b.setPreviousFireTime(timestamp(v.previousFireTime()));
        }
        for (io.gridwork.master.store.ScheduleRunRow r : v.runs()) {
            io.gridwork.api.v1.ScheduleRun.Builder run = io.gridwork.api.v1.ScheduleRun.newBuilder()
                    .setFiredAt(timestamp(r.firedAt()))
                    .setOutcome(io.gridwork.api.v1.ScheduleRun.Outcome.valueOf(r.outcome().name()))
                    .setJobId(r.jobId() == null ? "" : r.jobId())
                    .setReason(r.reason() == null ? "" : r.reason());
            if (r.scheduledFor() != null) {
                run.setScheduledFor(timestamp(r.scheduledFor()));
            }
            if (r.jobState() != null) {
                run.setJobState(JobStatus.State.valueOf(r.jobState().name()));
            }
            b.addRuns(run);
        }
        return b.build();
    }

    /** A master as this master sees it. */
    public static MasterInfo master(MasterDirectory.Peer p) {
        MasterInfo.Builder b = MasterInfo.newBuilder()
                .setId(p.id())
                .setAddress(p.address() == null ? "" : p.address())
                .setState(masterState(p.state()))
                .setEpoch(p.epoch())
                .setJobs(p.jobs())
                .setLeaseAgeMs(p.leaseAgeMs())
                .setSelf(p.self())
                .setHttpAddress(p.httpAddress() == null ? "" : p.httpAddress());
        if (p.startedAt() != null) {
            b.setStartedAt(timestamp(p.startedAt()));
        }
        return b.build();
    }

    /** A master event. */
    public static MasterEvent masterEvent(MasterDirectory.Event e) {
        MasterEvent.Builder b = MasterEvent.newBuilder()
                .setSeq(e.seq())
                .setType(eventType(e.type()))
                .setMasterId(e.masterId() == null ? "" : e.masterId())
                .setByMasterId(e.byMasterId() == null ? "" : e.byMasterId())
                .setJobs(e.jobs())
                .setDurationMs(e.durationMs())
                .setDetail(e.detail() == null ? "" : e.detail());
        if (e.at() != null) {
            b.setAt(timestamp(e.at()));
        }
        return b.build();
    }

    private static MasterInfo.State masterState(String name) {
        try {
            return name == null ? MasterInfo.State.STATE_UNSPECIFIED : MasterInfo.State.valueOf(name);
        } catch (IllegalArgumentException e) {
            return MasterInfo.State.STATE_UNSPECIFIED;
        }
    }

    private static MasterEvent.Type eventType(String name) {
        try {
            return name == null ? MasterEvent.Type.TYPE_UNSPECIFIED : MasterEvent.Type.valueOf(name);
        } catch (IllegalArgumentException e) {
            return MasterEvent.Type.TYPE_UNSPECIFIED;
        }
    }

    /** An ended attempt with its log. */
    public static io.gridwork.api.v1.TaskAttempt attempt(io.gridwork.master.store.TaskAttemptRow a) {
        io.gridwork.api.v1.TaskAttempt.Builder b = io.gridwork.api.v1.TaskAttempt.newBuilder().setSeq(a.seq())
                .setTask(a.index()).setAttempt(a.attempt())
                .setOutcome(io.gridwork.api.v1.TaskAttempt.Outcome.valueOf(a.outcome().name()))
                .setStartedAt(timestamp(a.startedAt())).setEndedAt(timestamp(a.endedAt())).setDurationMs(a.durationMs())
                .setLog(a.log()).setLogCutBytes(a.logCutBytes());
        if (a.workerId() != null) {
            b.setWorkerId(a.workerId());
        }
        if (a.workerName() != null) {
            b.setWorkerName(a.workerName());
        }
        if (a.error() != null) {
            b.setError(a.error());
        }
        if (a.exceptionType() != null) {
            b.setExceptionType(a.exceptionType());
        }
        if (a.stackTrace() != null) {
            b.setStackTrace(a.stackTrace());
        }
        return b.build();
    }

    /** An attempt that runs now (no output yet: it is kept when the attempt ends). */
    public static io.gridwork.api.v1.TaskAttempt attempt(io.gridwork.master.core.Scheduler.LiveAttempt a) {
        return io.gridwork.api.v1.TaskAttempt.newBuilder().setTask(a.index()).setAttempt(a.attempt())
                .setOutcome(io.gridwork.api.v1.TaskAttempt.Outcome.RUNNING).setWorkerId(a.workerId())
                .setWorkerName(a.workerName()).setStartedAt(timestamp(a.startedAt())).build();
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

}
