package io.gridwork.master.rpc;

import com.google.protobuf.UnsafeByteOperations;
import io.gridwork.api.v1.FetchJarRequest;
import io.gridwork.api.v1.JarChunk;
import io.gridwork.api.v1.JoinRequest;
import io.gridwork.api.v1.JoinResponse;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.internal.tls.Certificates;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.CertificateAuthority;
import io.gridwork.master.security.Principal;
import java.security.cert.X509Certificate;
import io.gridwork.api.v1.ProbeRequest;
import io.gridwork.api.v1.ProbeResult;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.ResultRejection;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskProgress;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.master.code.JarRepository;
import io.gridwork.master.core.Messages;
import io.gridwork.master.core.RegisterOutcome;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.core.Session;
import io.gridwork.master.store.WorkerRegistration;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The worker service: registration, the worker's stream, and jar downloads. */
public final class WorkerServiceImpl extends WorkerServiceGrpc.WorkerServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(WorkerServiceImpl.class);
    /** Assignments are split over several messages beyond this many input bytes. */
    static final int MAX_ASSIGNMENT_BYTES = 4 << 20;

    private final Scheduler scheduler;
    private final JarRepository jars;
    private final Clock clock;
    private final CertificateAuthority ca;
    private final Audit audit;
    /** The data grid's calls; null: this master has none. */
    private volatile DataCalls data;

    /** @param ca signs the certificates of joining workers (null on an insecure master) */
    public WorkerServiceImpl(Scheduler scheduler, JarRepository jars, Clock clock, CertificateAuthority ca, Audit audit) {
        this.scheduler = scheduler;
        this.jars = jars;
        this.clock = clock;
        this.ca = ca;
        this.audit = audit;
    }

    /** Serves the data grid's calls and keeps its tracker informed; returns this service. */
    public WorkerServiceImpl dataGrid(io.gridwork.master.data.DataGrid grid) {
        this.data = new DataCalls(grid, audit);
        return this;
    }

    @Override
    public void locateChunks(io.gridwork.api.v1.LocateChunksRequest request,
            StreamObserver<io.gridwork.api.v1.LocateChunksResponse> observer) {
        DataCalls d = data;
        if (d == null) {
            observer.onError(Status.UNAVAILABLE.withDescription("this master has no data grid").asRuntimeException());
            return;
        }
        d.locateChunks(request, observer);
    }

    @Override
    public void fetchChunk(io.gridwork.api.v1.FetchChunkRequest request,
            StreamObserver<io.gridwork.api.v1.ChunkPiece> observer) {
        DataCalls d = data;
        if (d == null) {
            observer.onError(Status.UNAVAILABLE.withDescription("this master has no data grid").asRuntimeException());
            return;
        }
        d.fetchChunk(request, observer);
    }

    @Override
    public StreamObserver<io.gridwork.api.v1.CheckpointPiece> putCheckpoint(
            StreamObserver<io.gridwork.api.v1.DataSetRef> observer) {
        DataCalls d = data;
        if (d == null) {
            observer.onError(Status.FAILED_PRECONDITION.withDescription("this master has no data grid: a checkpoint"
                    + " must fit the inline limit").asRuntimeException());
            return new StreamObserver<>() {
                @Override
                public void onNext(io.gridwork.api.v1.CheckpointPiece value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
        return d.putCheckpoint(scheduler::checkpointRefusal, observer);
    }

    /** Tells the data grid's tracker what a worker holds. */
    private void dataRegistered(String workerId, RegisterRequest request) {
        DataCalls d = data;
        if (d == null) {
            return;
        }
        List<io.gridwork.master.data.DataTracker.ChunkId> held = new ArrayList<>(request.getHeldChunksCount());
        for (io.gridwork.api.v1.ChunkKey k : request.getHeldChunksList()) {
            held.add(new io.gridwork.master.data.DataTracker.ChunkId(k.getDataId(), k.getIndex()));
        }
        // (the ring follows the worker's ALIVE event, see GridMaster: this may run on the scheduler's loop)
        d.grid().tracker().registered(workerId, held);
    }

    /** A worker's data report: chunks added, evicted, and corrupt chunks peers served it. */
    private void dataReport(String workerId, io.gridwork.api.v1.DataReport report) {
        DataCalls d = data;
        if (d == null) {
            return;
        }
        var tracker = d.grid().tracker();
        tracker.report(workerId, chunks(report.getAddedList()), chunks(report.getEvictedList()));
        for (io.gridwork.api.v1.CorruptChunk c : report.getCorruptList()) {
            tracker.corrupt(workerId, new io.gridwork.master.data.DataTracker.ChunkId(c.getChunk().getDataId(),
                    c.getChunk().getIndex()), c.getPeerWorkerId(), Validation.abbreviate(c.getDetail()));
        }
    }

    private static List<io.gridwork.master.data.DataTracker.ChunkId> chunks(List<io.gridwork.api.v1.ChunkKey> keys) {
        List<io.gridwork.master.data.DataTracker.ChunkId> ids = new ArrayList<>(keys.size());
        for (io.gridwork.api.v1.ChunkKey k : keys) {
            ids.add(new io.gridwork.master.data.DataTracker.ChunkId(k.getDataId(), k.getIndex()));
        }
        return ids;
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> observer) {
        Statuses.unary(observer, () -> {
            if (ca == null) {
                throw Status.FAILED_PRECONDITION.withDescription("an insecure master takes workers without joining")
                        .asRuntimeException();
            }
            Validation.workerName("name", request.getName());
            if (request.getCsrPem().isEmpty() || request.getCsrPem().length() > 16_384) {
                throw Statuses.invalid("csr_pem must be a PEM certificate request of at most 16 KiB");
            }
            boolean taken = scheduler.workers(false).stream().anyMatch(w -> w.name().equals(request.getName())
                    && w.state() != io.gridwork.master.model.WorkerState.LINK_FAILED);
            if (taken) {
                throw Status.ALREADY_EXISTS.withDescription("name: a worker named " + request.getName()
                        + " is connected; give this one another --name").asRuntimeException();
            }
            X509Certificate cert;
            try {
                cert = ca.signWorker(request.getCsrPem(), request.getName());
            } catch (IllegalArgumentException e) {
                throw Statuses.invalid("csr_pem: " + e.getMessage());
            }
            audit.record(ClientServiceImpl.caller(), "worker.join", request.getName(),
                    "from " + PeerAddress.HOST.get() + ", certificate until " + cert.getNotAfter().toInstant());
            return JoinResponse.newBuilder().setCertificatePem(Certificates.pem(cert))
                    .setCaPem(Certificates.pem(ca.certificate())).build();
        });
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterResponse> observer) {
        WorkerRegistration registration;
        List<Messages.TaskKey> held = new ArrayList<>();
        try {
            Validation.workerName("name", request.getName());
            Principal who = ClientServiceImpl.caller();
            if (who.kind() == Principal.Kind.WORKER_CERTIFICATE && !who.name().equals(request.getName())) {
                throw Status.PERMISSION_DENIED.withDescription("name: this certificate is for worker " + who.name()
                        + ", not " + request.getName()).asRuntimeException();
            }
            Validation.range("slots", request.getSlots(), 1, 4096);
            Validation.range("prefetch", request.getPrefetch(), 0, 4096);
            Validation.range("health_port", request.getHealthPort(), 0, 65535);
            Validation.labels("labels", request.getLabelsMap());
            if (request.getOwner().getReason().length() > 1000) {
                throw Statuses.invalid("owner.reason must be at most 1000 characters");
            }
            for (TaskRef ref : request.getHeldList()) {
                held.add(key(ref));
            }
            String host = request.getAdvertiseHost().isEmpty() ? PeerAddress.HOST.get() : request.getAdvertiseHost();
            if (request.getAdvertiseHost().length() > 253) {
                throw Statuses.invalid("advertise_host must be at most 253 characters");
            }
            double costFactor = request.getCostFactor() == 0 ? WorkerRegistration.DEFAULT_COST_FACTOR
                    : request.getCostFactor();
            if (!(costFactor > 0 && costFactor <= WorkerRegistration.MAX_COST_FACTOR)) {
                throw Statuses.invalid("cost_factor must be above 0 and at most "
                        + (int) WorkerRegistration.MAX_COST_FACTOR + ", got " + request.getCostFactor());
            }
            registration = new WorkerRegistration(request.getName(), request.getSlots(), request.getPrefetch(),
                    request.getLabelsMap(), host == null ? "" : host, request.getHealthPort(),
                    ProtoViews.platform(request.getPlatform()), clock.instant(), costFactor);
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
            return;
        }
        // answered once the registration is committed; no thread of this service waits for the store meanwhile
        scheduler.registerAsync(registration, held)
                .orTimeout(scheduler.options().callTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .whenComplete((outcome, error) -> {
                    if (error instanceof java.util.concurrent.TimeoutException) {
                        observer.onError(Status.UNAVAILABLE.withDescription("the master could not store the registration "
                                + "in time; register again").asRuntimeException());
                        return;
                    }
                    Statuses.unary(observer, () -> {
                        if (error != null) {
                            throw error instanceof Exception e ? e : new IllegalStateException(error);
                        }
                        // data grid: what it holds, before its stream opens and orders go to it
                        dataRegistered(outcome.workerId(), request);
                        // idle owners (issue 19): its owner's state (none: no policy), before its stream opens
                        scheduler.owner(outcome.workerId(), request.hasOwner(), request.getOwner().getBusy(),
                                request.getOwner().getReason());
                        RegisterResponse.Builder b = RegisterResponse.newBuilder()
                                .setWorkerId(outcome.workerId())
                                .setIncarnation(outcome.incarnation())
                                .setHeartbeatIntervalMs(scheduler.options().heartbeatInterval().toMillis());
                        outcome.keep().forEach(k -> b.addKeep(ref(k)));
                        outcome.drop().forEach(k -> b.addDrop(ref(k)));
                        b.setMasterId(outcome.masterId() == null ? "" : outcome.masterId())
                                .setMasterEpoch(outcome.masterEpoch());
                        outcome.masters().forEach(m -> b.addMasters(endpoint(m)));
                        return b.build();
                    });
                });
    }

    @Override
    public StreamObserver<WorkerMessage> connect(StreamObserver<MasterMessage> observer) {
        ServerCallStreamObserver<MasterMessage> call = (ServerCallStreamObserver<MasterMessage>) observer;
        return new StreamObserver<>() {
            private Session session;
            private Link link;

            @Override
            public void onNext(WorkerMessage message) {
                if (session == null) {
                    if (!message.hasHello()) {
                        link = null;
                        observer.onError(Statuses.invalid("hello: the first message of a stream must say hello"));
                        return;
                    }
                    link = new Link(call, data);
                    Principal who = ClientServiceImpl.caller();
                    try {
                        session = scheduler.connect(message.getHello().getWorkerId(), message.getHello().getIncarnation(),
                                who.kind() == Principal.Kind.WORKER_CERTIFICATE ? who.name() : null, link);
                    } catch (Throwable t) {
                        link.closed = true;
                        observer.onError(Statuses.of(t));
                        return;
                    }
                    log.atDebug().addKeyValue("worker", session.workerName()).log("stream of {} open", session);
                    if (data != null) {
                        // data grid: orders and peers go to the worker over this stream from now on
                        data.grid().tracker().linked(session.workerId(), link);
                    }
                }
                if (data != null) {
                    if (message.hasDataReport()) {
                        dataReport(session.workerId(), message.getDataReport());
                    }
                    for (TaskResult r : message.getResultsList()) {
                        if (r.hasData()) {
                            data.grid().read(r.getRef().getJobId(), DataCalls.counters(r.getData()));
                        }
                    }
                }
                if (message.hasOwner()) {
                    // idle owners (issue 19): before the rest, so credits of a busy worker are not used
                    scheduler.owner(session, message.getOwner().getBusy(), message.getOwner().getReason());
                }
                Messages.Inbound inbound = inbound(message);
                if (inbound != null) {
                    scheduler.onMessage(session, inbound);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (session != null && data != null) {
                    data.grid().tracker().unlinked(session.workerId(), link);
                }
                if (session != null) {
                    scheduler.onClosed(session, "its stream broke: " + Status.fromThrowable(t).getCode()
                            + describe(Status.fromThrowable(t)), false);
                }
            }

            @Override
            public void onCompleted() {
                if (session != null && data != null) {
                    data.grid().tracker().unlinked(session.workerId(), link);
                }
                if (session != null) {
                    scheduler.onClosed(session, "it closed its stream", true);
                }
                if (link != null) {
                    link.complete();
                }
            }
        };
    }

    @Override
    public void fetchJar(FetchJarRequest request, StreamObserver<JarChunk> observer) {
        try {
            Validation.sha256("sha256", request.getSha256());
            if (jars.find(request.getSha256()).isEmpty()) {
                throw Status.NOT_FOUND.withDescription("sha256: the master holds no jar " + request.getSha256())
                        .asRuntimeException();
            }
            var path = jars.path(request.getSha256());
            long size = Files.size(path);
            boolean[] first = {true};
            ChunkStreamer.start((ServerCallStreamObserver<JarChunk>) observer, Files.newInputStream(path), chunk -> {
                JarChunk.Builder b = JarChunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(chunk));
                if (first[0]) {
                    b.setTotalSize(size);
                    first[0] = false;
                }
                return b.build();
            });
        } catch (IOException e) {
            observer.onError(Status.INTERNAL.withDescription("reading jar failed: " + e.getMessage()).asRuntimeException());
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
        }
    }

    private static String describe(Status s) {
        return s.getDescription() == null ? "" : " (" + s.getDescription() + ")";
    }

    /** The worker's message in core terms; null if it carries nothing. */
    static Messages.Inbound inbound(WorkerMessage m) {
        if (m.getCredit() == 0 && m.getResultsCount() == 0 && !m.hasHeartbeat() && m.getProgressCount() == 0
                && m.getReleasedCount() == 0 && !m.getDraining() && m.getProbeResultsCount() == 0
                && m.getCrashedCount() == 0 && m.getStartedCount() == 0 && m.getCheckpointsCount() == 0) {
            return null;
        }
        List<Messages.Result> results = new ArrayList<>(m.getResultsCount());
        for (TaskResult r : m.getResultsList()) {
            if (r.hasFailure()) {
                results.add(new Messages.Result(key(r.getRef()), null, new Messages.Failure(r.getFailure().getMessage(),
                        r.getFailure().getExceptionType(), r.getFailure().getRetryable(), r.getFailure().getStackTrace()),
                        r.getDurationMs(), r.getLog(), r.getLogCutBytes(), r.getCpuNanos()));
            } else {
                results.add(new Messages.Result(key(r.getRef()), r.getOutput().toByteArray(), null, r.getDurationMs(),
                        r.getLog(), r.getLogCutBytes(), r.getCpuNanos()));
            }
        }
        List<Messages.Progress> progress = new ArrayList<>(m.getProgressCount());
        for (TaskProgress p : m.getProgressList()) {
            progress.add(new Messages.Progress(key(p.getRef()), p.getFraction(), p.getMessage()));
        }
        List<Messages.TaskKey> released = new ArrayList<>(m.getReleasedCount());
        for (TaskRef ref : m.getReleasedList()) {
            released.add(key(ref));
        }
        List<Messages.ProbeResult> probes = new ArrayList<>(m.getProbeResultsCount());
        for (ProbeResult p : m.getProbeResultsList()) {
            probes.add(new Messages.ProbeResult(p.getProbeId(), p.getReachable(), p.getDetail()));
        }
        List<Messages.TaskKey> crashed = new ArrayList<>(m.getCrashedCount());
        for (TaskRef ref : m.getCrashedList()) {
            crashed.add(key(ref));
        }
        List<Messages.TaskKey> started = new ArrayList<>(m.getStartedCount());
        for (TaskRef ref : m.getStartedList()) {
            started.add(key(ref));
        }
        List<Messages.Checkpoint> checkpoints = m.getCheckpointsCount() == 0 ? List.of()
                : new ArrayList<>(m.getCheckpointsCount());
        for (io.gridwork.api.v1.TaskCheckpoint c : m.getCheckpointsList()) {
            checkpoints.add(new Messages.Checkpoint(key(c.getRef()), c.getSeq(), c.getState().toByteArray(),
                    c.hasData() ? new Messages.DataState(c.getData().getId(), c.getData().getSize()) : null));
        }
        // a negative credit withdraws credits not used yet (the worker's prefetch shrank)
        return new Messages.Inbound(m.getCredit(), results,
                m.hasHeartbeat() ? m.getHeartbeat().getSeq() : -1, progress, released, m.getDraining(), probes, crashed,
                started, checkpoints);
    }

    static Messages.TaskKey key(TaskRef ref) {
        return new Messages.TaskKey(ref.getJobId(), ref.getIndex(), ref.getAttemptId());
    }

    static io.gridwork.api.v1.MasterEndpoint endpoint(Messages.MasterEndpoint m) {
        return io.gridwork.api.v1.MasterEndpoint.newBuilder().setId(m.id()).setAddress(m.address())
                .setStandby(m.standby()).setEpoch(m.epoch()).build();
    }

    static TaskRef ref(Messages.TaskKey key) {
        return TaskRef.newBuilder().setJobId(key.jobId()).setIndex(key.index()).setAttemptId(key.attemptId()).build();
    }

    /** The master's end of one worker stream; called by the core's loop thread. */
    static final class Link implements Messages.WorkerLink, io.gridwork.master.data.DataTracker.Link {
        private final ServerCallStreamObserver<MasterMessage> call;
        /** The data grid's mapping (null: none). */
        private final DataCalls data;
        volatile boolean closed;

        Link(ServerCallStreamObserver<MasterMessage> call) {
            this(call, null);
        }

        Link(ServerCallStreamObserver<MasterMessage> call, DataCalls data) {
            this.call = call;
            this.data = data;
        }

        /** Data grid orders and the peer list; called by the tracker (any thread). */
        @Override
        public synchronized void send(List<io.gridwork.master.data.DataTracker.Order> orders,
                List<io.gridwork.master.data.DataTracker.Peer> peers) {
            if (closed || call.isCancelled() || data == null) {
                return;
            }
            MasterMessage.Builder b = MasterMessage.newBuilder();
            for (io.gridwork.master.data.DataTracker.Order o : orders) {
                io.gridwork.api.v1.DataOrder order = data.order(o);
                if (order != null) {
                    b.addDataOrders(order);
                }
            }
            if (peers != null) {
                peers.forEach(p -> b.addPeers(DataCalls.peer(p)));
            }
            if (b.getDataOrdersCount() == 0 && peers == null) {
                return;
            }
            try {
                call.onNext(b.build());
            } catch (IllegalStateException alreadyClosed) {
                // the call ended meanwhile
            }
        }

        @Override
        public synchronized void send(Messages.Outbound out) {
            if (closed || call.isCancelled()) {
                return;
            }
            MasterMessage.Builder b = MasterMessage.newBuilder();
            for (Messages.JobSpec spec : out.jobs) {
                io.gridwork.api.v1.JobSpec.Builder js = io.gridwork.api.v1.JobSpec.newBuilder().setJobId(spec.jobId())
                        .setJarSha256(spec.jarSha256()).setJobClass(spec.jobClass())
                        .setTaskTimeoutMs(spec.taskTimeoutMs()).putAllArgs(spec.args()).setLeaseEpoch(spec.leaseEpoch());
                if (data != null) {
                    // data grid: the data sets its tasks open, and its jar as a data set (peers share it)
                    js.addAllData(data.refs(spec.dataSets())).setJarDataId(data.grid().jarDataId(spec.jarSha256()));
                }
                b.addJobs(js);
            }
            if (out.masters != null) {
                for (Messages.MasterEndpoint m : out.masters) {
                    b.addMasters(endpoint(m));
                }
            }
            for (Messages.Takeover t : out.takeovers) {
                b.addTakeovers(io.gridwork.api.v1.Takeover.newBuilder().setFromMasterId(t.fromMasterId())
                        .setToMasterId(t.toMasterId()).setToAddress(t.toAddress()).setEpoch(t.epoch())
                        .addAllJobIds(t.jobIds()));
            }
            if (out.demand != null) {
                b.setDemand(out.demand);
            }
            for (Messages.TaskKey k : out.cancels) {
                b.addCancels(ref(k));
            }
            for (Messages.TaskKey k : out.acks) {
                b.addAcks(ref(k));
            }
            for (Messages.Rejection r : out.rejections) {
                b.addRejections(ResultRejection.newBuilder().setRef(ref(r.key())).setReason(r.reason()));
            }
            for (Messages.CheckpointAck c : out.checkpointAcks) {
                b.addCheckpointAcks(io.gridwork.api.v1.CheckpointAck.newBuilder().setRef(ref(c.key())).setSeq(c.seq())
                        .setOk(c.ok()).setReason(c.reason() == null ? "" : c.reason()));
            }
            b.addAllEndedJobs(out.endedJobs);
            b.setReleaseUnstarted(out.releaseUnstarted);
            for (Messages.ProbeRequest p : out.probes) {
                b.addProbes(ProbeRequest.newBuilder().setProbeId(p.probeId()).setTargetWorkerId(p.targetWorkerId())
                        .setHost(p.host()).setPort(p.port()).setTimeoutMs(p.timeoutMs()));
            }
            if (out.heartbeatAck >= 0) {
                b.setHeartbeatAck(out.heartbeatAck);
            }
            long bytes = 0;
            for (Messages.Assignment a : out.assignments) {
                if (bytes > 0 && bytes + a.input().length > MAX_ASSIGNMENT_BYTES) {
                    call.onNext(b.build());
                    b = MasterMessage.newBuilder();
                    bytes = 0;
                }
                TaskAssignment.Builder ta = TaskAssignment.newBuilder().setRef(ref(a.key())).setAttempt(a.attempt())
                        .setInput(UnsafeByteOperations.unsafeWrap(a.input())).setSlots(a.slots());
                if (a.checkpoint() != null) {
                    ta.setCheckpoint(UnsafeByteOperations.unsafeWrap(a.checkpoint()));
                    bytes += a.checkpoint().length;
                }
                if (a.checkpointData() != null && data != null) {
                    // a large checkpoint: its layout and chunk hashes, the worker reads it through its data plane
                    io.gridwork.master.store.DataSetRow row = data.grid().find(a.checkpointData()).orElse(null);
                    if (row != null) {
                        ta.setCheckpointData(DataCalls.ref("checkpoint", row));
                    } else {
                        log.warn("task {} of job {}: its checkpoint's data set {} is gone; the attempt starts afresh",
                                a.key().index(), a.key().jobId(), a.checkpointData());
                    }
                }
                b.addAssignments(ta);
                bytes += a.input().length;
            }
            call.onNext(b.build());
        }

        @Override
        public synchronized void close(String reason) {
            if (closed) {
                return;
            }
            closed = true;
            if (!call.isCancelled()) {
                try {
                    call.onError(Status.ABORTED.withDescription(reason).asRuntimeException());
                } catch (IllegalStateException alreadyClosed) {
                    // the call ended meanwhile
                }
            }
        }

        synchronized void complete() {
            if (!closed) {
                closed = true;
                try {
                    call.onCompleted();
                } catch (IllegalStateException alreadyClosed) {
                    // the call ended meanwhile
                }
            }
        }
    }
}
