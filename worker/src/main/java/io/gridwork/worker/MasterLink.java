package io.gridwork.worker;

import com.google.common.util.concurrent.MoreExecutors;
import io.gridwork.api.v1.Heartbeat;
import io.gridwork.api.v1.Hello;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.ProbeResult;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.TaskProgress;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.worker.FromMaster.ProbeAnswer;
import io.gridwork.worker.FromMaster.Registered;
import io.gridwork.worker.FromMaster.TaskKey;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's link to one master: its channel, its registration there (worker id and incarnation), the one stream
 * it holds open, heartbeats, what waits to be sent, the credits that master holds, and reconnecting with backoff.
 * What the links share (tasks, slots, results, job code) is the {@link WorkerCore}'s, which decides what goes in a
 * registration, what a message from the master means, and how many credits each link gets.
 *
 * <p>All of its state lives on the worker's {@link WorkerLoop}: gRPC's callbacks post to the loop, and retries and
 * heartbeats are scheduled on the loop's timer. Nothing here blocks or sleeps: a registration is an asynchronous call
 * whose answer (or failure) is an event on the loop; a failed attempt schedules the next one after a backoff
 * (doubling up to the limit, with jitter); what accumulates in the {@link Outbox} is sent by {@link #flush()} as one
 * message, on the loop.
 */
final class MasterLink {

    private static final Logger log = LoggerFactory.getLogger(MasterLink.class);
    private static final long FIRST_BACKOFF_MS = 100;

    /** What the link asks of the worker it belongs to; every call is made on the loop. */
    interface Host {
        /** The tasks this link's master should hear about in the registration sent now. */
        List<TaskKey> registration(MasterLink link);

        /**
         * The master answered a registration; the link's identity fields, new outbox and stream are set. Returns false
         * if this link duplicates another link to the same master (it then retires).
         */
        boolean registered(MasterLink link, Registered response);

        /** A message from the master on the link's current stream. */
        void received(MasterLink link, FromMaster message);

        /** The link's stream ended. */
        void streamEnded(MasterLink link);

        /** Time for a heartbeat on this link: fill its outbox. */
        void heartbeat(MasterLink link);

        /** The link retired for good (not called when the worker stops). */
        void retired(MasterLink link);

        boolean stopping();

        String workerName();

        /** Idle owners (issue 19): the owner's state to register with (RegisterRequest.owner); null: no policy. */
        default io.gridwork.api.v1.OwnerStatus owner() {
            return null;
        }
    }

    /** Makes the link to a master at an address (the worker's channels; an in-process one in tests). */
    @FunctionalInterface
    interface Factory {
        MasterLink create(String address, boolean seed, Host host);
    }

    /** What accumulates to be sent on the stream; sent as one message by {@link #flush()}. */
    static final class Outbox {
        Hello hello;
        int credit;
        final List<TaskResult> results = new ArrayList<>();
        final List<TaskProgress> progress = new ArrayList<>();
        final List<TaskKey> released = new ArrayList<>();
        /** Tasks that started running since the last message. */
        final List<TaskKey> started = new ArrayList<>();
        final List<TaskKey> crashed = new ArrayList<>();
        final List<ProbeAnswer> probeResults = new ArrayList<>();
        /** Checkpoints saved by tasks, waiting for the next message (WorkerMessage.checkpoints). */
        final List<io.gridwork.api.v1.TaskCheckpoint> checkpoints = new ArrayList<>();
        /** data grid (4): the data plane's report waiting for the next message (WorkerMessage.data_report). */
        io.gridwork.api.v1.DataReport dataReport;
        private Heartbeat heartbeat;
        boolean draining;
        boolean sentDraining;
        boolean complete;
        /** Idle owners (issue 19): the owner's state, to be sent (WorkerMessage.owner); null: nothing new. */
        io.gridwork.api.v1.OwnerStatus owner;

        boolean isEmpty() {
            return hello == null && credit == 0 && results.isEmpty() && progress.isEmpty() && released.isEmpty()
                    && started.isEmpty()
                    && crashed.isEmpty() && probeResults.isEmpty() && heartbeat == null && draining == sentDraining
                    && !complete && dataReport == null && owner == null && checkpoints.isEmpty();
        }

        /** The heartbeat to send with the next message (replaces one not sent yet). */
        void heartbeat(long seq, int running, int freeSlots) {
            heartbeat = Heartbeat.newBuilder().setSeq(seq).setRunning(running).setFreeSlots(freeSlots).build();
        }

        /** The message of everything accumulated; the outbox is empty afterwards. */
        WorkerMessage take() {
            WorkerMessage.Builder b = WorkerMessage.newBuilder();
            if (hello != null) {
                b.setHello(hello);
                hello = null;
            }
            b.setCredit(credit);
            credit = 0;
            b.addAllResults(results);
            results.clear();
            b.addAllProgress(progress);
            progress.clear();
            released.forEach(t -> b.addReleased(t.toRef()));
            released.clear();
            started.forEach(t -> b.addStarted(t.toRef()));
            started.clear();
            crashed.forEach(t -> b.addCrashed(t.toRef()));
            crashed.clear();
            probeResults.forEach(p -> b.addProbeResults(ProbeResult.newBuilder().setProbeId(p.probeId())
                    .setReachable(p.reachable()).setDetail(p.detail())));
            probeResults.clear();
            b.addAllCheckpoints(checkpoints);
            checkpoints.clear();
            if (heartbeat != null) {
                b.setHeartbeat(heartbeat);
                heartbeat = null;
            }
            if (dataReport != null) {
                b.setDataReport(dataReport);
                dataReport = null;
            }
            if (owner != null) {
                b.setOwner(owner);
                owner = null;
            }
            if (draining && !sentDraining) {
                b.setDraining(true);
                sentDraining = true;
            }
            complete = false;
            return b.build();
        }
    }

    /** The address the worker dials (the key of the link). */
    final String address;
    /** Given with --master: retried forever. A learned link retires once its master is no longer listed and it is down. */
    final boolean seed;

    private final WorkerLoop loop;
    private final Host host;
    /** What every registration says of this worker; the tasks to hear about are added to it. */
    private final RegisterRequest registration;
    private final ManagedChannel channel;
    private final WorkerServiceGrpc.WorkerServiceStub async;
    private final long backoffMaxMs;
    private final long callTimeoutMs;

    // on the loop
    Outbox outbox = new Outbox();
    /** The open stream; written on the loop only (volatile: {@link #awaitStreamEnd} reads it from the closing thread). */
    private volatile Stream stream;
    /** The master's id and lease epoch, from its last registration answer ("" and 0 until then). */
    String masterId = "";
    long masterEpoch;
    String workerId;
    long incarnation;
    /** Slots' worth of ready tasks the master has for this worker; null: not said on this stream (unknown). */
    Integer demand;
    /** Credits the master holds on this stream and has not used for assignments yet. */
    int outstanding;
    /** Whether the masters' list last heard names this link's master. */
    boolean listed = true;
    private boolean reregister;
    private boolean retired;
    private boolean ended;
    private boolean everConnected;
    /** A registration call is under way (its answer comes as an event). */
    private boolean registering;
    private ScheduledFuture<?> retry;
    private long backoffMs = FIRST_BACKOFF_MS;
    private ScheduledFuture<?> heartbeats;
    private long heartbeatIntervalMs;

    /** data grid: the worker's data plane (null: none): its chunks in registrations, its orders from the stream. */
    private final io.gridwork.worker.data.DataPlane data;

    MasterLink(String address, boolean seed, ManagedChannel channel, WorkerLoop loop, Host host,
            RegisterRequest registration, long backoffMaxMs, long callTimeoutMs) {
        this(address, seed, channel, loop, host, registration, backoffMaxMs, callTimeoutMs, null);
    }

    MasterLink(String address, boolean seed, ManagedChannel channel, WorkerLoop loop, Host host,
            RegisterRequest registration, long backoffMaxMs, long callTimeoutMs, io.gridwork.worker.data.DataPlane data) {
        this.data = data;
        this.address = address;
        this.registration = registration;
        this.seed = seed;
        this.loop = loop;
        this.host = host;
        this.backoffMaxMs = backoffMaxMs;
        this.callTimeoutMs = callTimeoutMs;
        this.channel = channel;
        this.async = WorkerServiceGrpc.newStub(channel);
    }

    /** Starts registering (on the loop). */
    void start() {
        loop.post(this::connect);
    }

    /** A large checkpoint to this master (PutCheckpoint), from a task's thread: see {@link CheckpointUpload}. */
    io.gridwork.api.v1.DataSetRef putCheckpoint(io.gridwork.api.v1.TaskRef ref, long seq, byte[] state,
            java.time.Duration limit) {
        return CheckpointUpload.put(channel, ref, seq, state, limit);
    }

    Channel channel() {
        return channel;
    }

    /** Whether the link has an open stream now. */
    boolean connected() {
        Stream s = stream;
        return s != null && !s.ended();
    }

    /** Whether the link retired for good. */
    boolean isRetired() {
        return retired;
    }

    /** Registers again at once with a fresh held list (after a takeover moved jobs to this master): ends the current stream, if any. */
    void reregister(String why) {
        if (retired) {
            return;
        }
        reregister = true;
        Stream s = stream;
        if (s != null && s.requests != null && !s.ended()) {
            log.atInfo().addKeyValue("worker", host.workerName()).log("registering again with the master at {}: {}", address, why);
            s.requests.cancel("registering again: " + why, null);
        } else if (retry != null) {
            retry.cancel(false);
            retry = null;
            connect();
        }
        // a registration under way: its answer sees the flag and registers again
    }

    /** Stops this link for good (a duplicate, or a master that left): ends its stream. */
    void retire() {
        if (retired) {
            return;
        }
        retired = true;
        Stream s = stream;
        if (s != null && s.requests != null && !s.ended()) {
            s.requests.cancel("link retired", null);
        } else if (!registering) {
            finish();
        }
    }

    /**
     * The masters' list was heard again ({@link #listed} set): a learned link waiting to retry a master that is no
     * longer listed is dropped now.
     */
    void listedChanged() {
        if (retry != null && !seed && !listed) {
            retry.cancel(false);
            retry = null;
            dropUnlisted();
        }
    }

    /** Waits (off the loop) for the current stream to end after a completed outbox. */
    boolean awaitStreamEnd(long ms) throws InterruptedException {
        Stream s = stream;
        return s == null || s.awaitEnd(ms);
    }

    /** Stops the channel (the worker is stopping; the loop and the timer stop after). */
    void shutdown() {
        channel.shutdownNow();
    }

    void awaitTermination(long ms) throws InterruptedException {
        channel.awaitTermination(ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return address + (masterId.isEmpty() ? "" : " (" + masterId + ", epoch " + masterEpoch + ")");
    }

    // ================================================================================== connection (on the loop)

    private void connect() {
        retry = null;
        if (retired || host.stopping()) {
            finish();
            return;
        }
        reregister = false;
        RegisterRequest request;
        try {
            RegisterRequest.Builder b = registration.toBuilder();
            for (TaskKey t : host.registration(this)) {
                b.addHeld(t.toRef());
            }
            if (data != null) {
                b.addAllHeldChunks(data.heldChunks()); // data grid (1)
            }
            io.gridwork.api.v1.OwnerStatus owner = host.owner(); // idle owners (issue 19)
            if (owner != null) {
                b.setOwner(owner);
            }
            request = b.build();
        } catch (RuntimeException e) {
            log.error("worker link to {} failed; carrying on", address, e);
            scheduleRetry();
            return;
        }
        // our own backoff paces the attempts: without this the channel keeps gRPC's reconnect backoff (up to 2
        // minutes) after its master was down, and fails each attempt at once, so a master restarted on the same
        // address would only be linked again seconds to minutes after it is back
        channel.resetConnectBackoff();
        registering = true;
        async.withDeadlineAfter(callTimeoutMs, TimeUnit.MILLISECONDS).register(request, new StreamObserver<>() {
            private RegisterResponse response;

            @Override
            public void onNext(RegisterResponse value) {
                response = value;
            }

            @Override
            public void onError(Throwable t) {
                loop.post(() -> registerFailed(t));
            }

            @Override
            public void onCompleted() {
                RegisterResponse r = response;
                loop.post(() -> registerAnswered(r));
            }
        });
    }

    private void registerFailed(Throwable t) {
        registering = false;
        if (!host.stopping() && !retired) {
            Status s = Status.fromThrowable(t);
            if (t instanceof StatusRuntimeException || s.getCode() != Status.Code.UNKNOWN) {
                log.atWarn().addKeyValue("worker", host.workerName()).log("cannot register with the master at {}: {}{}",
                        address, s.getCode(), s.getDescription() == null ? "" : " (" + s.getDescription() + ")");
            } else {
                log.error("worker link to {} failed; carrying on", address, t);
            }
        }
        afterAttempt();
    }

    private void registerAnswered(RegisterResponse response) {
        registering = false;
        if (retired || host.stopping()) {
            finish();
            return;
        }
        if (reregister) {
            connect(); // the held list changed while we registered: register again with the new one
            return;
        }
        workerId = response.getWorkerId();
        incarnation = response.getIncarnation();
        masterId = response.getMasterId();
        masterEpoch = response.getMasterEpoch();
        demand = null;
        outstanding = 0;
        outbox = new Outbox();
        outbox.hello = Hello.newBuilder().setWorkerId(workerId).setIncarnation(incarnation).build();
        Stream s = new Stream();
        stream = s;
        if (!host.registered(this, Registered.of(response))) {
            stream = null;
            retired = true;
            finish();
            return;
        }
        if (reregister) {
            stream = null; // what it holds for this master changed meanwhile
            connect();
            return;
        }
        scheduleHeartbeats(Math.max(50, response.getHeartbeatIntervalMs()));
        // the stream's callbacks run on the network thread that read the message (no hop to the channel's executor:
        // an assignment reaches the loop one thread sooner); they only map the message and post it to the loop
        async.withExecutor(MoreExecutors.directExecutor()).connect(s);
        // only now may the outbox be sent: the call is started once connect returns (a message sent between
        // beforeStart and the call's start is refused with "Not started" and would be lost; a lost hello leaves the
        // stream open but unknown to the master)
        s.started = true;
        log.atInfo().addKeyValue("worker", host.workerName())
                .log("{} with the master at {} as {} (incarnation {}, master {}, epoch {})",
                        everConnected ? "reconnected" : "registered", address, workerId, incarnation,
                        masterId.isEmpty() ? "?" : masterId, masterEpoch);
        everConnected = true;
        backoffMs = FIRST_BACKOFF_MS;
    }

    private void streamClosed(Stream s) {
        if (stream != s) {
            return;
        }
        stream = null;
        host.streamEnded(this);
        if (!reregister && !retired && !host.stopping()) {
            log.atWarn().addKeyValue("worker", host.workerName())
                    .log("lost the stream to the master at {}: {}; reconnecting", address, s.cause());
        }
        afterAttempt();
    }

    /** A registration failed or a stream ended: stop, register again at once, or retry after the backoff. */
    private void afterAttempt() {
        if (retired || host.stopping()) {
            finish();
        } else if (reregister) {
            connect();
        } else {
            scheduleRetry();
        }
    }

    private void scheduleRetry() {
        if (!seed && !listed) {
            dropUnlisted();
            return;
        }
        long ms = backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1);
        backoffMs = Math.min(backoffMaxMs, backoffMs * 2);
        retry = loop.schedule(Duration.ofMillis(ms), this::retryDue);
        if (retry == null) {
            finish(); // the worker is stopping
        }
    }

    private void retryDue() {
        if (retry == null) {
            return; // cancelled: a registration started meanwhile
        }
        retry = null;
        if (retired || host.stopping()) {
            finish();
        } else if (!seed && !listed) {
            dropUnlisted();
        } else {
            connect();
        }
    }

    private void dropUnlisted() {
        log.atInfo().addKeyValue("worker", host.workerName())
                .log("the master at {} is no longer listed and is unreachable: dropping its link", address);
        retired = true;
        finish();
    }

    /** The link stops trying: no more heartbeats; a retired link tells the worker and closes its channel. */
    private void finish() {
        if (ended) {
            return;
        }
        ended = true;
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        if (heartbeats != null) {
            heartbeats.cancel(false);
            heartbeats = null;
        }
        if (retired && !host.stopping()) {
            host.retired(this);
        }
        if (retired) {
            channel.shutdownNow();
        }
    }

    private void scheduleHeartbeats(long intervalMs) {
        if (heartbeats != null && heartbeatIntervalMs == intervalMs) {
            return;
        }
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        heartbeatIntervalMs = intervalMs;
        heartbeats = loop.every(Duration.ZERO, Duration.ofMillis(intervalMs), () -> host.heartbeat(this));
    }

    // ================================================================================== sending (on the loop)

    /** Sends what accumulated in the outbox as one message, if the stream is open and has started. */
    void flush() {
        Stream s = stream;
        if (s == null || !s.started || outbox.isEmpty()) {
            return;
        }
        boolean complete = outbox.complete;
        WorkerMessage message = outbox.take();
        try {
            if (!s.ended()) {
                s.requests.onNext(message);
                if (complete) {
                    s.requests.onCompleted();
                }
            }
        } catch (RuntimeException e) {
            log.debug("sending to the master at {} failed: {}", address, e.toString());
        }
    }

    /** Whether {@link #flush()} has something to send now. */
    boolean hasMail() {
        Stream s = stream;
        return s != null && s.started && !outbox.isEmpty();
    }

    /**
     * The link's end of one stream; gRPC's callbacks post to the loop. They run on the channel's network thread (see
     * {@link #registerAnswered}), so they never block: a message is mapped and posted, and the data plane's part of it
     * (peers, data orders) updates its lists and starts fetches on its own threads (a removed data set's chunk
     * files are deleted here: rare, and short).
     */
    private final class Stream implements ClientResponseObserver<WorkerMessage, MasterMessage> {
        private final CountDownLatch end = new CountDownLatch(1);
        private volatile ClientCallStreamObserver<WorkerMessage> requests;
        /** Set on the loop once the call has started: only a started call is written to. */
        private boolean started;
        private volatile String cause = "closed";

        @Override
        public void beforeStart(ClientCallStreamObserver<WorkerMessage> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(MasterMessage message) {
            if (data != null && (message.getDataOrdersCount() > 0 || message.getPeersCount() > 0)) {
                data.received(message); // data grid (3): orders start fetches in the background; the peer list
            }
            FromMaster m = FromMaster.of(message); // mapped here, on gRPC's thread: the loop only decides
            loop.post(() -> {
                if (stream == this) {
                    host.received(MasterLink.this, m);
                }
            });
        }

        @Override
        public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            cause = s.getCode() + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")");
            end.countDown();
            loop.post(() -> streamClosed(this));
        }

        @Override
        public void onCompleted() {
            cause = "the master closed the stream";
            end.countDown();
            loop.post(() -> streamClosed(this));
        }

        boolean ended() {
            return end.getCount() == 0;
        }

        boolean awaitEnd(long ms) throws InterruptedException {
            return end.await(ms, TimeUnit.MILLISECONDS);
        }

        String cause() {
            return cause;
        }
    }
}
