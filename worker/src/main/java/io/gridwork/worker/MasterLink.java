package io.gridwork.worker;

import io.gridwork.api.v1.Heartbeat;
import io.gridwork.api.v1.Hello;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.ProbeResult;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.TaskProgress;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.internal.NamedThreads;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's link to one master: its channel, its registration there (worker id and incarnation), the one stream
 * it holds open, heartbeats, what waits to be sent, the credits that master holds, and reconnecting with backoff.
 * What the links share (tasks, slots, results, job code) stays in {@link GridWorker}, which decides what goes in
 * a registration, what a message from the master means, and how many credits each link gets.
 *
 * <p>Every field below marked "guarded by lock" is read and written under the worker's lock, which the link shares.
 */
final class MasterLink {

    private static final Logger log = LoggerFactory.getLogger(MasterLink.class);

    /** What the link asks of the worker it belongs to. */
    interface Host {
        /** The registration to send now (the tasks this link's master should hear about). Takes the lock itself. */
        RegisterRequest registration(MasterLink link);

        /**
         * The master answered a registration; the link's identity fields, new outbox and stream are set. Called
         * under the lock; returns false if this link duplicates another link to the same master (it then retires).
         */
        boolean registered(MasterLink link, RegisterResponse response);

        /** A message from the master on the link's current stream (not under the lock). */
        void received(MasterLink link, MasterMessage message);

        /** The link's stream ended (under the lock). */
        void streamEnded(MasterLink link);

        /** Time for a heartbeat on this link: fill its outbox (takes the lock itself). */
        void heartbeat(MasterLink link);

        /** The link retired for good (not called when the worker stops); under the lock. */
        void retired(MasterLink link);

        boolean stopping();

        String workerName();
    }

    /** What accumulates to be sent on the stream; sent as one message by the link's sender thread. */
    static final class Outbox {
        Hello hello;
        int credit;
        final List<TaskResult> results = new ArrayList<>();
        final List<TaskProgress> progress = new ArrayList<>();
        final List<TaskRef> released = new ArrayList<>();
        /** Tasks that started running since the last message. */
        final List<TaskRef> started = new ArrayList<>();
        final List<TaskRef> crashed = new ArrayList<>();
        final List<ProbeResult> probeResults = new ArrayList<>();
        /** data grid (4): the data cache's changes since the last message, if any. */
        io.gridwork.api.v1.DataReport dataReport;
        Heartbeat heartbeat;
        boolean draining;
        boolean sentDraining;
        boolean complete;

        boolean isEmpty() {
            return hello == null && credit == 0 && results.isEmpty() && progress.isEmpty() && released.isEmpty()
                    && started.isEmpty()
                    && crashed.isEmpty() && probeResults.isEmpty() && dataReport == null && heartbeat == null
                    && draining == sentDraining
                    && !complete;
        }
    }

    /** The address the worker dials (the key of the link). */
    final String address;
    /** Given with --master: retried forever. A learned link retires once its master is no longer listed and it is down. */
    final boolean seed;

    private final Object lock;
    private final Host host;
    private final ManagedChannel channel;
    private final WorkerServiceGrpc.WorkerServiceBlockingStub blocking;
    private final WorkerServiceGrpc.WorkerServiceStub async;
    private final ScheduledExecutorService timer;
    private final long backoffMaxMs;
    private final long callTimeoutMs;
    private final Thread connector;
    private final Thread sender;

    // guarded by lock
    Outbox outbox = new Outbox();
    private Stream stream;
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
    private boolean senderStopped;
    private boolean everConnected;
    private ScheduledFuture<?> heartbeats;
    private long heartbeatIntervalMs;

    MasterLink(String address, boolean seed, ChannelCredentials credentials, Executor executor, Object lock, Host host,
            ScheduledExecutorService timer, long backoffMaxMs, long callTimeoutMs) {
        this.address = address;
        this.seed = seed;
        this.lock = lock;
        this.host = host;
        this.timer = timer;
        this.backoffMaxMs = backoffMaxMs;
        this.callTimeoutMs = callTimeoutMs;
        this.channel = Grpc.newChannelBuilder(address, credentials)
                .executor(executor)
                .keepAliveTime(10, TimeUnit.SECONDS)
                .keepAliveTimeout(5, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .maxInboundMessageSize(64 << 20)
                .build();
        this.blocking = WorkerServiceGrpc.newBlockingStub(channel);
        this.async = WorkerServiceGrpc.newStub(channel);
        this.connector = new NamedThreads("gridwork-link-" + address, true).newThread(this::connectLoop);
        this.sender = new NamedThreads("gridwork-link-sender-" + address, true).newThread(this::sendLoop);
    }

    void start() {
        sender.start();
        connector.start();
    }

    Channel channel() {
        return channel;
    }

    /** Whether the link has an open stream now (guarded by lock). */
    boolean connected() {
        return stream != null && !stream.ended();
    }

    /** Whether the link retired for good (guarded by lock). */
    boolean isRetired() {
        return retired;
    }

    /**
     * Registers again at once with a fresh held list (after a takeover moved jobs to this master): ends the current
     * stream, if any. Guarded by lock.
     */
    void reregister(String why) {
        if (retired) {
            return;
        }
        reregister = true;
        lock.notifyAll();
        Stream s = stream;
        if (s != null && s.requests != null && !s.ended()) {
            log.atInfo().addKeyValue("worker", host.workerName()).log("registering again with the master at {}: {}", address, why);
            s.requests.cancel("registering again: " + why, null);
        }
    }

    /** Stops this link for good (a duplicate, or a master that left): ends its stream. Guarded by lock. */
    void retire() {
        if (retired) {
            return;
        }
        retired = true;
        lock.notifyAll();
        Stream s = stream;
        if (s != null && s.requests != null && !s.ended()) {
            s.requests.cancel("link retired", null);
        }
        connector.interrupt();
    }

    /** Waits (with the lock NOT held) for the current stream to end after a completed outbox. */
    boolean awaitStreamEnd(long ms) throws InterruptedException {
        Stream s;
        synchronized (lock) {
            s = stream;
        }
        return s == null || s.awaitEnd(ms);
    }

    /** Stops the threads and the channel (the worker is stopping). */
    void shutdown() {
        synchronized (lock) {
            senderStopped = true;
            if (heartbeats != null) {
                heartbeats.cancel(false);
            }
            lock.notifyAll();
        }
        connector.interrupt();
        channel.shutdownNow();
    }

    void awaitTermination(long ms) throws InterruptedException {
        channel.awaitTermination(ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return address + (masterId.isEmpty() ? "" : " (" + masterId + ", epoch " + masterEpoch + ")");
    }

    // ================================================================================== connection

    private void connectLoop() {
        long backoffMs = 100;
        while (true) {
            synchronized (lock) {
                if (retired || host.stopping()) {
                    break;
                }
                reregister = false;
            }
            try {
                RegisterRequest request = host.registration(this);
                // our own backoff paces the attempts: without this the channel keeps gRPC's reconnect backoff (up to
                // 2 minutes) after its master was down, and fails each attempt at once, so a master restarted on the
                // same address would only be linked again seconds to minutes after it is back
                channel.resetConnectBackoff();
                RegisterResponse response = blocking.withDeadlineAfter(callTimeoutMs, TimeUnit.MILLISECONDS).register(request);
                Stream s = new Stream();
                boolean again;
                synchronized (lock) {
                    if (retired || host.stopping()) {
                        break;
                    }
                    again = reregister;
                    if (!again) {
                        workerId = response.getWorkerId();
                        incarnation = response.getIncarnation();
                        masterId = response.getMasterId();
                        masterEpoch = response.getMasterEpoch();
                        demand = null;
                        outstanding = 0;
                        outbox = new Outbox();
                        outbox.hello = Hello.newBuilder().setWorkerId(workerId).setIncarnation(incarnation).build();
                        stream = s;
                        if (!host.registered(this, response)) {
                            stream = null;
                            retired = true;
                            break;
                        }
                        again = reregister; // what it holds for this master changed meanwhile
                        if (again) {
                            stream = null;
                        }
                    }
                }
                if (again) {
                    continue; // the held list changed while we registered: register again with the new one
                }
                scheduleHeartbeats(Math.max(50, response.getHeartbeatIntervalMs()));
                async.connect(s);
                synchronized (lock) {
                    // only now may the sender write: the call is started once connect returns (a message sent
                    // between beforeStart and the call's start is refused with "Not started" and would be lost; a
                    // lost hello leaves the stream open but unknown to the master)
                    s.started = true;
                    lock.notifyAll();
                }
                log.atInfo().addKeyValue("worker", host.workerName())
                        .log("{} with the master at {} as {} (incarnation {}, master {}, epoch {})",
                                everConnected ? "reconnected" : "registered", address, workerId, incarnation,
                                masterId.isEmpty() ? "?" : masterId, masterEpoch);
                everConnected = true;
                backoffMs = 100;
                s.awaitEnd();
                boolean asked;
                synchronized (lock) {
                    if (stream == s) {
                        stream = null;
                        host.streamEnded(this);
                    }
                    asked = reregister || retired;
                }
                if (asked) {
                    continue;
                }
                if (!host.stopping()) {
                    log.atWarn().addKeyValue("worker", host.workerName())
                            .log("lost the stream to the master at {}: {}; reconnecting", address, s.cause());
                }
            } catch (StatusRuntimeException e) {
                if (!host.stopping()) {
                    log.atWarn().addKeyValue("worker", host.workerName()).log("cannot register with the master at {}: {}{}",
                            address, e.getStatus().getCode(),
                            e.getStatus().getDescription() == null ? "" : " (" + e.getStatus().getDescription() + ")");
                }
            } catch (InterruptedException e) {
                synchronized (lock) {
                    if (retired || host.stopping()) {
                        break;
                    }
                }
                continue; // woken to register again
            } catch (RuntimeException e) {
                log.error("worker link to {} failed; carrying on", address, e);
            }
            if (!backoff(backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1))) {
                break;
            }
            backoffMs = Math.min(backoffMaxMs, backoffMs * 2);
        }
        synchronized (lock) {
            if (heartbeats != null) {
                heartbeats.cancel(false);
                heartbeats = null;
            }
            if (retired && !host.stopping()) {
                senderStopped = true;
                lock.notifyAll();
                host.retired(this);
            }
        }
        if (retired) {
            channel.shutdownNow();
        }
    }

    /**
     * Waits before the next attempt; returns false if the link should stop instead (the worker stops, or a learned
     * master is no longer listed).
     */
    private boolean backoff(long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        synchronized (lock) {
            while (true) {
                if (retired || host.stopping()) {
                    return false;
                }
                if (!seed && !listed) {
                    log.atInfo().addKeyValue("worker", host.workerName())
                            .log("the master at {} is no longer listed and is unreachable: dropping its link", address);
                    retired = true;
                    return false;
                }
                if (reregister) {
                    return true;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return true;
                }
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    if (retired || host.stopping()) {
                        return false;
                    }
                }
            }
        }
    }

    private void scheduleHeartbeats(long intervalMs) {
        synchronized (lock) {
            if (heartbeats != null && heartbeatIntervalMs == intervalMs) {
                return;
            }
            if (heartbeats != null) {
                heartbeats.cancel(false);
            }
            heartbeatIntervalMs = intervalMs;
            try {
                heartbeats = timer.scheduleAtFixedRate(() -> host.heartbeat(this), 0, intervalMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                heartbeats = null;
            }
        }
    }

    /** The link's end of one stream. */
    private final class Stream implements ClientResponseObserver<WorkerMessage, MasterMessage> {
        private final CountDownLatch end = new CountDownLatch(1);
        private volatile ClientCallStreamObserver<WorkerMessage> requests;
        /** Set (under the lock) once the call has started: the sender writes only to a started call. */
        private boolean started;
        private volatile String cause = "closed";

        @Override
        public void beforeStart(ClientCallStreamObserver<WorkerMessage> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(MasterMessage message) {
            synchronized (lock) {
                if (stream != this) {
                    return;
                }
            }
            host.received(MasterLink.this, message);
        }

        @Override
        public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            cause = s.getCode() + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")");
            end.countDown();
            signal();
        }

        @Override
        public void onCompleted() {
            cause = "the master closed the stream";
            end.countDown();
            signal();
        }

        boolean ended() {
            return end.getCount() == 0;
        }

        void awaitEnd() throws InterruptedException {
            end.await();
        }

        boolean awaitEnd(long ms) throws InterruptedException {
            return end.await(ms, TimeUnit.MILLISECONDS);
        }

        String cause() {
            return cause;
        }
    }

    private void signal() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    // ================================================================================== sending

    /** The one thread that writes to this link's stream: sends whatever has accumulated as one message. */
    private void sendLoop() {
        while (true) {
            WorkerMessage message;
            boolean complete;
            Stream s;
            synchronized (lock) {
                while (!senderStopped && (stream == null || !stream.started || outbox.isEmpty())) {
                    try {
                        lock.wait(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (senderStopped) {
                    return;
                }
                s = stream;
                Outbox o = outbox;
                WorkerMessage.Builder b = WorkerMessage.newBuilder();
                if (o.hello != null) {
                    b.setHello(o.hello);
                    o.hello = null;
                }
                b.setCredit(o.credit);
                o.credit = 0;
                b.addAllResults(o.results);
                o.results.clear();
                b.addAllProgress(o.progress);
                o.progress.clear();
                b.addAllReleased(o.released);
                o.released.clear();
                b.addAllStarted(o.started);
                o.started.clear();
                b.addAllCrashed(o.crashed);
                o.crashed.clear();
                b.addAllProbeResults(o.probeResults);
                o.probeResults.clear();
                if (o.dataReport != null) {
                    b.setDataReport(o.dataReport); // data grid (4)
                    o.dataReport = null;
                }
                if (o.heartbeat != null) {
                    b.setHeartbeat(o.heartbeat);
                    o.heartbeat = null;
                }
                if (o.draining && !o.sentDraining) {
                    b.setDraining(true);
                    o.sentDraining = true;
                }
                complete = o.complete;
                o.complete = false;
                message = b.build();
            }
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
    }
}
