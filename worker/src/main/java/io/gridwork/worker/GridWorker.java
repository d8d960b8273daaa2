package io.gridwork.worker;

import com.google.protobuf.UnsafeByteOperations;
import io.gridwork.api.v1.Heartbeat;
import io.gridwork.api.v1.Hello;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.Platform;
import io.gridwork.api.v1.ProbeRequest;
import io.gridwork.api.v1.ProbeResult;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.ResultRejection;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskFailure;
import io.gridwork.api.v1.TaskProgress;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.internal.LoadedJob;
import io.gridwork.internal.NamedThreads;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.NonRetryableException;
import io.gridwork.sdk.TaskContext;
import io.gridwork.internal.tls.GridTrust;
import io.gridwork.internal.tls.TokenText;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Gridwork worker: registers with the master, holds one stream open, runs the tasks it is given on
 * {@code slots} threads, and reconnects (with backoff) when the master goes away.
 *
 * <pre>{@code
 * GridWorker worker = GridWorker.start(WorkerOptions.builder().master("grid-master:7070").slots(4).build());
 * Runtime.getRuntime().addShutdownHook(new Thread(worker::close));
 * worker.awaitTermination();
 * }</pre>
 *
 * <p>Flow control: the worker grants the master one credit per slot it can fill, at most its slots plus its
 * prefetch, and gives a task's slots back when it ends; so it never holds more than that. By default the prefetch
 * adapts to how long tasks take (about 20 ms of queued work: 2 tasks when they are long, up to 1024 when tiny). Results are kept until
 * the master acknowledges that it stored them, and sent again on a new stream if the old one broke.
 *
 * <p>{@link #close()} stops in one order: take no more tasks (the master is told the worker is draining),
 * hand back tasks not started, let running tasks finish for the drain timeout, hand back the rest, wait briefly
 * for the last results to be acknowledged, close the stream, then stop heartbeats and threads.
 */
public final class GridWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GridWorker.class);
    private static final long PROGRESS_MIN_INTERVAL_MS = 250;
    /** A cancelled task still running after this long ignores cancellation: its thread is given up on. */
    static final long ABANDON_AFTER_MS = 5000;

    private final WorkerOptions options;
    private final HealthStatusManager health = new HealthStatusManager();
    private final FileChannel lockChannel;
    // set up once, in the constructor (after the work directory is locked)
    private ChannelCredentials peerCredentials;
    private ManagedChannel channel;
    private ExecutorService channelExecutor;
    private WorkerServiceGrpc.WorkerServiceBlockingStub blocking;
    private WorkerServiceGrpc.WorkerServiceStub async;
    private JobCache cache;
    private ThreadPoolExecutor taskPool;
    private ScheduledExecutorService timer;
    private Server healthServer;
    private ExecutorService healthExecutor;
    private ExecutorService probeExecutor;
    private Thread connector;
    private Thread sender;
    private final FileLock workDirLock;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** The worker's slots: a task takes as many as its job asks for before it runs (fair: big tasks are not starved). */
    private java.util.concurrent.Semaphore slotPermits;

    // guarded by `lock`
    private final Object lock = new Object();
    private final Map<Long, RunningTask> held = new LinkedHashMap<>();
    private final Map<Long, TaskResult> unacked = new LinkedHashMap<>();
    private Link current;
    private Outbox outbox = new Outbox();
    private boolean draining;
    private boolean senderStopped;
    private long heartbeatSeq;
    private int maxHeld;
    private long completed;
    private long failedResults;
    /** Tasks held beyond the slots: fixed, or (auto prefetch) adapted to how long tasks take. */
    private int window;
    /** Credits owed back after the window shrank: withheld from the next grants. */
    private int creditDebt;
    /** Moving average of task run times, in nanoseconds (auto prefetch). */
    private double meanTaskNanos = -1;
    private int abandonedThreads;
    private volatile String workerId;
    private volatile long incarnation;
    private volatile long heartbeatIntervalMs;
    private ScheduledFuture<?> heartbeats;

    private GridWorker(WorkerOptions options) throws IOException {
        this.options = options;
        Files.createDirectories(options.workDir());
        this.lockChannel = FileChannel.open(options.workDir().resolve("worker.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock fileLock;
        try {
            fileLock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            fileLock = null;
        }
        if (fileLock == null) {
            lockChannel.close();
            throw new IOException("work directory " + options.workDir() + " is in use by another worker; "
                    + "give each worker its own --work-dir (or --name)");
        }
        this.workDirLock = fileLock;
        try {
            setUp(options);
        } catch (IOException | RuntimeException e) {
            fileLock.release();
            lockChannel.close();
            throw e;
        }
    }

    private void setUp(WorkerOptions options) throws IOException {
        ChannelCredentials masterCredentials;
        ServerCredentials healthCredentials;
        if (options.insecure()) {
            masterCredentials = InsecureChannelCredentials.create();
            healthCredentials = InsecureServerCredentials.create();
            this.peerCredentials = InsecureChannelCredentials.create();
        } else {
            WorkerIdentity identity = identity(options);
            masterCredentials = TlsChannelCredentials.newBuilder().keyManager(identity.keyManagers())
                    .trustManager(GridTrust.master(identity.ca())).build();
            healthCredentials = TlsServerCredentials.newBuilder().keyManager(identity.keyManagers()).build();
            this.peerCredentials = TlsChannelCredentials.newBuilder().trustManager(GridTrust.workers(identity.ca())).build();
        }
        this.channelExecutor = Executors.newFixedThreadPool(2, new NamedThreads("gridwork-worker-rpc", true));
        this.channel = Grpc.newChannelBuilder(options.master(), masterCredentials)
                .executor(channelExecutor)
                .keepAliveTime(10, TimeUnit.SECONDS)
                .keepAliveTimeout(5, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .maxInboundMessageSize(64 << 20)
                .build();
        this.blocking = WorkerServiceGrpc.newBlockingStub(channel);
        this.async = WorkerServiceGrpc.newStub(channel);
        this.cache = new JobCache(options.workDir().resolve("jars"), channel, options.callTimeout(), options.idleClassLoaders());
        this.slotPermits = new java.util.concurrent.Semaphore(options.slots(), true);
        this.window = options.autoPrefetch() ? WorkerOptions.AUTO_PREFETCH_MIN : options.prefetch();
        this.taskPool = new ThreadPoolExecutor(options.slots(), options.slots(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), new NamedThreads("gridwork-task", true));
        this.timer = Executors.newSingleThreadScheduledExecutor(new NamedThreads("gridwork-worker-timer", true));
        this.healthExecutor = Executors.newFixedThreadPool(2, new NamedThreads("gridwork-health", true));
        this.probeExecutor = Executors.newFixedThreadPool(2, new NamedThreads("gridwork-probe", true));
        this.healthServer = NettyServerBuilder.forAddress(new java.net.InetSocketAddress(options.healthPort()), healthCredentials)
                .executor(healthExecutor)
                .addService(health.getHealthService())
                .build()
                .start();
        health.setStatus("", ServingStatus.SERVING);
        this.connector = new Thread(this::connectLoop, "gridwork-worker-connector");
        this.sender = new Thread(this::sendLoop, "gridwork-worker-sender");
        connector.setDaemon(true);
        sender.setDaemon(true);
    }

    /**
     * This worker's certificate: the one in its work directory if it fits (same name, same grid, not about to
     * expire), else a new one from joining with the join token. Joining waits for the master if it is unreachable.
     */
    private static WorkerIdentity identity(WorkerOptions options) throws IOException {
        Path dir = options.workDir().resolve("tls");
        TokenText.Join join = options.joinToken() == null ? null : TokenText.join(options.joinToken());
        WorkerIdentity stored = WorkerIdentity.load(dir);
        if (stored != null && stored.fits(options.name(), join == null ? null : join.caFingerprint())) {
            return stored;
        }
        if (join == null) {
            throw new WorkerSetupException(stored == null
                    ? "this worker has not joined the grid yet: pass --join-token (on the master: grid token create --role worker)"
                    : "the certificate in " + dir + " is for worker " + stored.name() + " or has expired; join again "
                            + "with --join-token, or use --name " + stored.name());
        }
        long backoffMs = 200;
        while (true) {
            try {
                WorkerIdentity joined = WorkerIdentity.join(options.master(), options.name(), join, dir, options.callTimeout());
                log.atInfo().addKeyValue("worker", options.name())
                        .log("joined the grid at {} as {}; certificate valid until {}", options.master(), options.name(),
                        joined.certificate().getNotAfter().toInstant());
                return joined;
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
                    throw new WorkerSetupException("cannot join the grid at " + options.master() + ": "
                            + WorkerIdentity.describe(e));
                }
                log.warn("cannot reach the master at {} to join ({}); trying again", options.master(), WorkerIdentity.describe(e));
            }
            try {
                Thread.sleep(backoffMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while joining");
            }
            backoffMs = Math.min(options.reconnectBackoffMax().toMillis(), backoffMs * 2);
        }
    }

    /** A worker that cannot start as configured: the message says what to do. */
    public static final class WorkerSetupException extends IOException {
        public WorkerSetupException(String message) {
            super(message);
        }
    }

    /** Starts a worker: it connects to the master in the background and keeps trying until it is closed. */
    public static GridWorker start(WorkerOptions options) throws IOException {
        GridWorker worker = new GridWorker(options);
        worker.sender.start();
        worker.connector.start();
        log.atInfo().addKeyValue("worker", options.name())
                .log("Gridwork worker {} starting: master {}, {} slots, prefetch {}, labels {}, health port {}, work dir {}",
                options.name(), options.master(), options.slots(), options.autoPrefetch() ? "auto" : options.prefetch(),
                options.labels(),
                worker.healthPort(), options.workDir());
        return worker;
    }

    public WorkerOptions options() {
        return options;
    }

    /** The port of this worker's gRPC health service. */
    public int healthPort() {
        return healthServer.getPort();
    }

    /** The id the master gave this worker, once registered. */
    public String workerId() {
        return workerId;
    }

    /** Whether the worker has a stream to the master now. */
    public boolean isConnected() {
        synchronized (lock) {
            return current != null && !current.ended();
        }
    }

    /** Tasks held now (running or waiting for a slot). */
    public int heldTasks() {
        synchronized (lock) {
            return held.size();
        }
    }

    /** Slots the held tasks take (guarded by {@code lock}). */
    private int heldSlots() {
        int n = 0;
        for (RunningTask t : held.values()) {
            n += t.slots;
        }
        return n;
    }

    /** The most tasks this worker has held at once. */
    public int maxHeldTasks() {
        synchronized (lock) {
            return maxHeld;
        }
    }

    /** Tasks this worker has finished with a result. */
    public long completedTasks() {
        synchronized (lock) {
            return completed;
        }
    }

    /** Tasks this worker has finished with a failure (counted in {@link #completedTasks} too). */
    public long failedTasks() {
        synchronized (lock) {
            return failedResults;
        }
    }

    /** Slots busy running a task now. */
    public int busySlots() {
        return options.slots() - slotPermits.availablePermits();
    }

    /** Tasks it asks the master to keep ready beyond its slots now (its prefetch window). */
    public int prefetchWindow() {
        synchronized (lock) {
            return window;
        }
    }

    /** Job jars' class loaders loaded now (in use or kept for the next job of the jar). */
    public int classLoaders() {
        return cache.classLoaders();
    }

    JobCache jobCache() {
        return cache;
    }

    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ================================================================================== connection

    private void connectLoop() {
        long backoffMs = 100;
        boolean wasConnected = false;
        while (!stopping.get()) {
            try {
                RegisterRequest request;
                synchronized (lock) {
                    RegisterRequest.Builder b = RegisterRequest.newBuilder()
                            .setName(options.name())
                            .setSlots(options.slots())
                            .setPrefetch(options.autoPrefetch() ? WorkerOptions.AUTO_PREFETCH_MAX : options.prefetch())
                            .putAllLabels(options.labels())
                            .setHealthPort(options.advertiseHealthPort() > 0 ? options.advertiseHealthPort() : healthPort())
                            .setAdvertiseHost(options.advertiseHost() == null ? "" : options.advertiseHost())
                            .setPlatform(platform());
                    for (RunningTask t : held.values()) {
                        b.addHeld(t.ref);
                    }
                    for (TaskResult r : unacked.values()) {
                        b.addHeld(r.getRef());
                    }
                    request = b.build();
                }
                RegisterResponse response = blocking.withDeadlineAfter(options.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .register(request);
                workerId = response.getWorkerId();
                incarnation = response.getIncarnation();
                scheduleHeartbeats(Math.max(50, response.getHeartbeatIntervalMs()));
                Link link = new Link();
                synchronized (lock) {
                    for (TaskRef ref : response.getDropList()) {
                        unacked.remove(ref.getAttemptId());
                        RunningTask t = held.get(ref.getAttemptId());
                        if (t != null) {
                            t.cancel();
                        }
                    }
                    current = link;
                    outbox = new Outbox();
                    outbox.hello = Hello.newBuilder().setWorkerId(workerId).setIncarnation(incarnation).build();
                    creditDebt = 0;
                    outbox.credit = draining ? 0 : Math.max(0, options.slots() + window - heldSlots());
                    outbox.results.addAll(unacked.values());
                    outbox.draining = draining;
                }
                async.connect(link);
                signalSender();
                log.atInfo().addKeyValue("worker", options.name())
                        .log("{} with the master at {} as {} (incarnation {})", wasConnected ? "reconnected" : "registered",
                        options.master(), workerId, incarnation);
                wasConnected = true;
                backoffMs = 100;
                link.awaitEnd();
                synchronized (lock) {
                    if (current == link) {
                        current = null;
                    }
                }
                if (!stopping.get()) {
                    log.warn("lost the stream to the master: {}; reconnecting", link.cause());
                }
            } catch (StatusRuntimeException e) {
                if (!stopping.get()) {
                    log.warn("cannot register with the master at {}: {}{}", options.master(), e.getStatus().getCode(),
                            e.getStatus().getDescription() == null ? "" : " (" + e.getStatus().getDescription() + ")");
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                log.error("worker connection loop failed; carrying on", e);
            }
            if (stopping.get()) {
                break;
            }
            try {
                Thread.sleep(backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1));
            } catch (InterruptedException e) {
                break;
            }
            backoffMs = Math.min(options.reconnectBackoffMax().toMillis(), backoffMs * 2);
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
            heartbeats = timer.scheduleAtFixedRate(this::heartbeat, 0, intervalMs, TimeUnit.MILLISECONDS);
        }
    }

    private void heartbeat() {
        try {
            synchronized (lock) {
                if (current == null) {
                    return;
                }
                int running = 0;
                long now = System.currentTimeMillis();
                for (RunningTask t : held.values()) {
                    if (t.started) {
                        running++;
                    }
                    TaskProgress p = t.takeProgress(now);
                    if (p != null) {
                        outbox.progress.add(p);
                    }
                }
                outbox.heartbeat = Heartbeat.newBuilder().setSeq(++heartbeatSeq).setRunning(running)
                        .setFreeSlots(slotPermits.availablePermits()).build();
                lock.notifyAll();
            }
        } catch (RuntimeException e) {
            log.warn("heartbeat failed: {}", e.toString());
        }
    }

    /** The worker's end of one stream. */
    private final class Link implements ClientResponseObserver<WorkerMessage, MasterMessage> {
        private final CountDownLatch end = new CountDownLatch(1);
        private volatile ClientCallStreamObserver<WorkerMessage> requests;
        private volatile String cause = "closed";

        @Override
        public void beforeStart(ClientCallStreamObserver<WorkerMessage> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(MasterMessage message) {
            handle(this, message);
        }

        @Override
        public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            cause = s.getCode() + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")");
            end.countDown();
            signalSender();
        }

        @Override
        public void onCompleted() {
            cause = "the master closed the stream";
            end.countDown();
            signalSender();
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

    // ================================================================================== messages from the master

    private void handle(Link link, MasterMessage m) {
        synchronized (lock) {
            if (link != current) {
                return;
            }
        }
        for (JobSpec spec : m.getJobsList()) {
            cache.define(spec);
        }
        for (TaskAssignment a : m.getAssignmentsList()) {
            JobSpec spec = cache.spec(a.getRef().getJobId());
            RunningTask task = new RunningTask(a, spec);
            synchronized (lock) {
                held.put(task.attemptId, task);
                maxHeld = Math.max(maxHeld, held.size());
            }
            try {
                taskPool.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                finished(task, null);
            }
        }
        if (m.getReleaseUnstarted()) {
            synchronized (lock) {
                int released = 0;
                for (RunningTask t : new ArrayList<>(held.values())) {
                    if (!t.started && !t.cancelled) {
                        t.cancel();
                        outbox.released.add(t.ref);
                        released++;
                    }
                }
                log.atInfo().addKeyValue("worker", options.name())
                        .log("drained by the master: {} tasks not started go back, {} running ones finish", released,
                        held.size() - released);
                lock.notifyAll();
            }
        }
        for (TaskRef ref : m.getCancelsList()) {
            RunningTask t;
            synchronized (lock) {
                t = held.get(ref.getAttemptId());
            }
            if (t != null) {
                log.atInfo().addKeyValue("job", ref.getJobId()).addKeyValue("task", ref.getIndex())
                        .addKeyValue("worker", options.name()).log("task cancelled by the master");
                t.cancel();
            }
        }
        if (m.getAcksCount() > 0 || m.getRejectionsCount() > 0) {
            synchronized (lock) {
                for (TaskRef ref : m.getAcksList()) {
                    unacked.remove(ref.getAttemptId());
                }
                for (ResultRejection r : m.getRejectionsList()) {
                    unacked.remove(r.getRef().getAttemptId());
                    log.atWarn().addKeyValue("job", r.getRef().getJobId()).addKeyValue("task", r.getRef().getIndex())
                            .addKeyValue("worker", options.name()).log("the master refused the result: {}", r.getReason());
                }
                lock.notifyAll();
            }
        }
        for (String jobId : m.getEndedJobsList()) {
            cache.ended(jobId);
        }
        for (ProbeRequest probe : m.getProbesList()) {
            probeExecutor.execute(() -> probe(probe));
        }
    }

    /** Health-checks another worker for the master (the indirect path) and reports what it found. */
    private void probe(ProbeRequest probe) {
        boolean reachable = false;
        String detail;
        ManagedChannel peer = null;
        try {
            peer = Grpc.newChannelBuilderForAddress(probe.getHost(), probe.getPort(), peerCredentials)
                    .executor(probeExecutor).build();
            HealthCheckResponse response = HealthGrpc.newBlockingStub(peer)
                    .withDeadlineAfter(Math.max(100, probe.getTimeoutMs()), TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            reachable = response.getStatus() == ServingStatus.SERVING;
            detail = reachable ? "serving" : "health " + response.getStatus();
        } catch (StatusRuntimeException e) {
            detail = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
                    ? "no answer within " + probe.getTimeoutMs() + " ms" : e.getStatus().getCode().toString();
        } catch (RuntimeException e) {
            detail = e.toString();
        } finally {
            if (peer != null) {
                peer.shutdownNow();
            }
        }
        synchronized (lock) {
            outbox.probeResults.add(ProbeResult.newBuilder().setProbeId(probe.getProbeId()).setReachable(reachable)
                    .setDetail(detail).build());
            lock.notifyAll();
        }
    }

    // ================================================================================== sending

    private static final class Outbox {
        Hello hello;
        int credit;
        final List<TaskResult> results = new ArrayList<>();
        final List<TaskProgress> progress = new ArrayList<>();
        final List<TaskRef> released = new ArrayList<>();
        final List<TaskRef> crashed = new ArrayList<>();
        final List<ProbeResult> probeResults = new ArrayList<>();
        Heartbeat heartbeat;
        boolean draining;
        boolean sentDraining;
        boolean complete;

        boolean isEmpty() {
            return hello == null && credit == 0 && results.isEmpty() && progress.isEmpty() && released.isEmpty()
                    && crashed.isEmpty() && probeResults.isEmpty() && heartbeat == null && draining == sentDraining
                    && !complete;
        }
    }

    private void signalSender() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** The one thread that writes to the stream: sends whatever has accumulated as one message. */
    private void sendLoop() {
        while (true) {
            WorkerMessage message = null;
            boolean complete = false;
            Link link;
            synchronized (lock) {
                while (!senderStopped && (current == null || current.requests == null || outbox.isEmpty())) {
                    try {
                        lock.wait(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (senderStopped) {
                    return;
                }
                link = current;
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
                b.addAllCrashed(o.crashed);
                o.crashed.clear();
                b.addAllProbeResults(o.probeResults);
                o.probeResults.clear();
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
                if (!link.ended()) {
                    link.requests.onNext(message);
                    if (complete) {
                        link.requests.onCompleted();
                    }
                }
            } catch (RuntimeException e) {
                log.debug("sending to the master failed: {}", e.toString());
            }
        }
    }

    // ================================================================================== tasks

    private void finished(RunningTask task, TaskResult result) {
        synchronized (lock) {
            if (task.abandoned && task.thread == null) {
                // an abandoned thread came back at last: the pool shrinks to its size again
                abandonedThreads--;
                resizePool();
            }
            if (held.remove(task.attemptId) == null) {
                return;
            }
            if (result != null) {
                unacked.put(task.attemptId, result);
                outbox.results.add(result);
                completed++;
                if (result.hasFailure()) {
                    failedResults++;
                }
            }
            if (!draining) {
                grant(task.slots + adaptWindow(task));
            }
            lock.notifyAll();
        }
    }

    /** Grants credits (a negative number withholds future ones). Guarded by {@code lock}. */
    private void grant(int credits) {
        int n = credits - creditDebt;
        creditDebt = Math.max(0, -n);
        outbox.credit += Math.max(0, n);
    }

    /**
     * Auto prefetch: keeps about {@link WorkerOptions#AUTO_PREFETCH_TARGET} of work queued beyond the slots, measured
     * from the tasks that ended; returns by how many tasks the window grew (negative: shrank). Guarded by {@code lock}.
     */
    private int adaptWindow(RunningTask task) {
        if (!options.autoPrefetch() || task.runNanos <= 0) {
            return 0;
        }
        meanTaskNanos = meanTaskNanos < 0 ? task.runNanos : meanTaskNanos * 0.9 + task.runNanos * 0.1;
        long target = WorkerOptions.AUTO_PREFETCH_TARGET.toNanos() * options.slots();
        int wanted = (int) Math.max(WorkerOptions.AUTO_PREFETCH_MIN, Math.min(WorkerOptions.AUTO_PREFETCH_MAX,
                Math.ceil(target / Math.max(1.0, meanTaskNanos))));
        int delta = wanted - window;
        window = wanted;
        return delta;
    }

    /** One task given to this worker, and its context. */
    private final class RunningTask implements Runnable, TaskContext {
        final TaskRef ref;
        final long attemptId;
        final int attempt;
        final byte[] input;
        final JobSpec spec;
        /** Slots it takes while it runs. */
        final int slots;
        private final AtomicBoolean permitsReleased = new AtomicBoolean();
        volatile boolean cancelled;
        volatile boolean started;
        /** How long its code ran, once it ended. */
        volatile long runNanos;
        volatile boolean abandoned;
        volatile Thread thread;
        private volatile double progress = -1;
        private volatile String progressMessage = "";
        private volatile boolean progressDirty;
        private long progressSentAt;

        RunningTask(TaskAssignment a, JobSpec spec) {
            this.ref = a.getRef();
            this.attemptId = ref.getAttemptId();
            this.attempt = a.getAttempt();
            this.input = a.getInput().toByteArray();
            this.spec = spec;
            int asked = Math.max(1, a.getSlots());
            if (asked > options.slots()) {
                log.atWarn().addKeyValue("job", ref.getJobId()).addKeyValue("task", ref.getIndex())
                        .addKeyValue("worker", options.name())
                        .log("task asks for {} slots, more than this worker's {}; it runs with {}", asked, options.slots(),
                                options.slots());
            }
            this.slots = Math.min(asked, options.slots());
        }

        /** Gives its slots back, once (when it ends, or when it is abandoned). */
        void releaseSlots() {
            if (permitsReleased.compareAndSet(false, true)) {
                slotPermits.release(slots);
            }
        }

        @Override
        public void run() {
            if (cancelled) {
                finished(this, null);
                return;
            }
            thread = Thread.currentThread();
            try {
                slotPermits.acquire(slots);
            } catch (InterruptedException e) {
                // cancelled while it waited for its slots
                permitsReleased.set(true);
                thread = null;
                Thread.interrupted();
                finished(this, null);
                return;
            }
            if (cancelled) {
                thread = null;
                Thread.interrupted();
                releaseSlots();
                finished(this, null);
                return;
            }
            started = true;
            long start = System.nanoTime();
            if (spec != null && spec.getTaskTimeoutMs() > 0) {
                // the master times out only tasks that have started: say so at once
                synchronized (lock) {
                    outbox.progress.add(TaskProgress.newBuilder().setRef(ref).setFraction(0).setMessage("started").build());
                    progressSentAt = System.currentTimeMillis();
                    lock.notifyAll();
                }
            }
            TaskResult result = null;
            String jobId = ref.getJobId();
            boolean acquired = false;
            try {
                if (spec == null) {
                    throw new IllegalStateException("the master sent no spec for job " + jobId);
                }
                LoadedJob job = cache.acquire(jobId);
                acquired = true;
                byte[] output = job.execute(input, this);
                if (!cancelled) {
                    result = TaskResult.newBuilder().setRef(ref).setOutput(UnsafeByteOperations.unsafeWrap(output))
                            .setDurationMs(elapsedMs(start)).build();
                }
                runNanos = System.nanoTime() - start;
            } catch (Throwable t) {
                if (!cancelled) {
                    result = TaskResult.newBuilder().setRef(ref).setFailure(failure(t)).setDurationMs(elapsedMs(start)).build();
                    if (t instanceof Error && !(t instanceof StackOverflowError)) {
                        log.atError().addKeyValue("job", jobId).addKeyValue("task", ref.getIndex())
                                .addKeyValue("worker", options.name()).log("task failed: {}", t.toString());
                    } else {
                        log.atInfo().addKeyValue("job", jobId).addKeyValue("task", ref.getIndex())
                                .addKeyValue("worker", options.name())
                                .log("task attempt {} failed: {}", attempt, LoadedJob.describe(t));
                    }
                }
            } finally {
                thread = null;
                Thread.interrupted();
                if (acquired) {
                    cache.release(jobId);
                }
                releaseSlots();
                finished(this, result);
            }
        }

        void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            Thread t = thread;
            if (t != null) {
                t.interrupt();
                try {
                    timer.schedule(this::abandonIfStuck, ABANDON_AFTER_MS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    // the worker is stopping anyway
                }
            }
        }

        /** A cancelled task that ignores interruption: free its slot and run others on a spare thread. */
        private void abandonIfStuck() {
            Thread t = thread;
            if (t == null || abandoned) {
                return;
            }
            synchronized (lock) {
                abandoned = true;
                abandonedThreads++;
                log.atWarn().addKeyValue("job", ref.getJobId()).addKeyValue("task", ref.getIndex())
                        .addKeyValue("worker", options.name())
                        .log("task ignores cancellation; its thread {} is given up on ({} so far)", t.getName(), abandonedThreads);
                resizePool();
            }
            releaseSlots();
            finished(this, null);
        }

        TaskProgress takeProgress(long nowMs) {
            if (!progressDirty || nowMs - progressSentAt < PROGRESS_MIN_INTERVAL_MS) {
                return null;
            }
            progressDirty = false;
            progressSentAt = nowMs;
            return TaskProgress.newBuilder().setRef(ref).setFraction(progress).setMessage(progressMessage).build();
        }

        @Override
        public String jobId() {
            return ref.getJobId();
        }

        @Override
        public long taskIndex() {
            return ref.getIndex();
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public String workerName() {
            return options.name();
        }

        @Override
        public Map<String, String> workerLabels() {
            return options.labels();
        }

        @Override
        public JobArgs args() {
            return spec == null ? JobArgs.empty() : JobArgs.of(spec.getArgsMap());
        }

        @Override
        public void reportProgress(double fraction) {
            reportProgress(fraction, "");
        }

        @Override
        public void reportProgress(double fraction, String message) {
            progress = Math.max(0, Math.min(1, fraction));
            progressMessage = message == null ? "" : message;
            progressDirty = true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
    }

    /** Keeps {@code slots} threads for tasks besides the abandoned ones, with at most {@code slots} spares. */
    private void resizePool() {
        int spares = Math.min(abandonedThreads, options.slots());
        int size = options.slots() + Math.max(0, spares);
        if (size > taskPool.getMaximumPoolSize()) {
            taskPool.setMaximumPoolSize(size);
            taskPool.setCorePoolSize(size);
        } else {
            taskPool.setCorePoolSize(size);
            taskPool.setMaximumPoolSize(size);
        }
    }

    private static TaskFailure failure(Throwable t) {
        boolean retryable = true;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof NonRetryableException) {
                retryable = false;
                t = c;
                break;
            }
        }
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        String stack = trace.toString();
        if (stack.length() > 8000) {
            stack = stack.substring(0, 8000) + "…";
        }
        String message = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getName()
                : t instanceof NonRetryableException ? t.getMessage() : t.getClass().getSimpleName() + ": " + t.getMessage();
        return TaskFailure.newBuilder().setMessage(message).setExceptionType(t.getClass().getName())
                .setRetryable(retryable).setStackTrace(stack).build();
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private Platform platform() {
        long memory = Runtime.getRuntime().maxMemory();
        try {
            var os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean) {
                memory = ((com.sun.management.OperatingSystemMXBean) os).getTotalMemorySize();
            }
        } catch (RuntimeException | LinkageError ignored) {
            // keep the heap size
        }
        String version = GridWorker.class.getPackage().getImplementationVersion();
        return Platform.newBuilder()
                .setOs(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT))
                .setArch(System.getProperty("os.arch", ""))
                .setJavaVersion(System.getProperty("java.version", ""))
                .setMemoryBytes(memory)
                .setCores(Runtime.getRuntime().availableProcessors())
                .setGridworkVersion(version == null ? "dev" : version)
                .build();
    }

    // ================================================================================== shutdown

    /** Stops gracefully (see the class comment); idempotent, and safe from a shutdown hook. */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            try {
                terminated.await(options.drainTimeout().toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        log.atInfo().addKeyValue("worker", options.name()).log("worker stopping: taking no more tasks");
        health.enterTerminalState();
        long deadline = System.currentTimeMillis() + options.drainTimeout().toMillis();
        Link link;
        synchronized (lock) {
            draining = true;
            outbox.draining = true;
            outbox.credit = 0;
            for (RunningTask t : new ArrayList<>(held.values())) {
                Thread th = t.thread;
                if (th != null && callsExit(th)) {
                    // the task is taking the whole worker down: tell the master, it is the task's doing
                    log.atError().addKeyValue("job", t.ref.getJobId()).addKeyValue("task", t.ref.getIndex())
                            .addKeyValue("worker", options.name()).log("task called System.exit; reporting it to the master");
                    held.remove(t.attemptId);
                    outbox.crashed.add(t.ref);
                } else if (!t.started) {
                    t.cancel();
                    outbox.released.add(t.ref);
                }
            }
            lock.notifyAll();
            waitFor(() -> held.isEmpty(), deadline);
            if (!held.isEmpty()) {
                log.atInfo().addKeyValue("worker", options.name())
                        .log("handing {} unfinished tasks back to the master", held.size());
                for (RunningTask t : held.values()) {
                    t.cancel();
                    outbox.released.add(t.ref);
                }
                lock.notifyAll();
            }
            waitFor(() -> unacked.isEmpty() || current == null, System.currentTimeMillis() + 3000);
            outbox.complete = true;
            lock.notifyAll();
            link = current;
        }
        try {
            if (link != null) {
                link.awaitEnd(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            senderStopped = true;
            lock.notifyAll();
        }
        connector.interrupt();
        taskPool.shutdownNow();
        timer.shutdownNow();
        channel.shutdownNow();
        healthServer.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
            taskPool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channelExecutor.shutdownNow();
        healthExecutor.shutdownNow();
        probeExecutor.shutdownNow();
        cache.close();
        try {
            workDirLock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
        log.atInfo().addKeyValue("worker", options.name()).log("worker stopped ({} tasks completed)", completedTasks());
        terminated.countDown();
    }

    private static boolean callsExit(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if ((frame.getClassName().equals("java.lang.Runtime") && frame.getMethodName().equals("exit"))
                    || (frame.getClassName().equals("java.lang.Shutdown") && frame.getMethodName().equals("exit"))) {
                return true;
            }
        }
        return false;
    }

    private interface Condition {
        boolean holds();
    }

    /** Waits on {@code lock} (held by the caller) until the condition holds or the deadline passes. */
    private void waitFor(Condition condition, long deadlineMs) {
        while (!condition.holds()) {
            long left = deadlineMs - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            try {
                lock.wait(Math.min(left, 100));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
