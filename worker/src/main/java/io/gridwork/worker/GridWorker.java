package io.gridwork.worker;

import com.google.protobuf.UnsafeByteOperations;
import io.gridwork.api.v1.Heartbeat;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.MasterEndpoint;
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
import io.gridwork.api.v1.Takeover;
import io.gridwork.internal.LoadedJob;
import io.gridwork.internal.NamedThreads;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.NonRetryableException;
import io.gridwork.sdk.TaskContext;
import io.gridwork.internal.tls.GridTrust;
import io.gridwork.internal.tls.TokenText;
import io.grpc.Channel;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Gridwork worker: links to every master of the grid, runs the tasks they give it on {@code slots} threads shared
 * by all of them, and reconnects (with backoff) to a master that goes away.
 *
 * <pre>{@code
 * GridWorker worker = GridWorker.start(WorkerOptions.builder().master("m1:7070,m2:7070").slots(4).build());
 * Runtime.getRuntime().addShutdownHook(new Thread(worker::close));
 * worker.awaitTermination();
 * }</pre>
 *
 * <p>Masters: the worker joins the grid (gets its certificate) once, at the first master given that it reaches, then
 * holds one {@link MasterLink} per master: the ones given (retried forever) and the ones the masters name in
 * {@code RegisterResponse.masters} and {@code MasterMessage.masters} (dropped once no longer named and unreachable).
 * Each link registers on its own (its own worker id and incarnation there) and holds its own stream.
 *
 * <p>Flow control: the worker holds at most its slots plus its prefetch in tasks and credits over all links. By
 * default the prefetch adapts to how long tasks take (about 20 ms of queued work: 2 tasks when they are long, up to
 * 1024 when tiny). Free slots are offered (as credits) to the masters that have ready tasks for it
 * ({@code MasterMessage.demand}), in proportion to that demand; a master that has not said its demand gets every
 * free slot when no linked master has said one (so with one master the worker behaves as it always did). Credits
 * once granted are the master's until it uses them or its stream ends.
 *
 * <p>Ownership: every job has an owning master and a lease epoch ({@code JobSpec.lease_epoch}, raised by a
 * {@code Takeover}, whose epoch is higher than every one before it). Results, progress and released tasks go to the
 * link of the job's owner; a job spec with an older lease epoch than the job's, and assignments, cancels and
 * acknowledgements of a job from any master but its owner, are refused. Results are kept
 * until the owner acknowledges them, and sent again on a new stream if the old one broke. When a master takes
 * over jobs, the worker registers again with it listing the tasks of those jobs it holds or has results of, and
 * sends those results to it: a finished task is not run again.
 *
 * <p>{@link #close()} stops in one order: take no more tasks (every master is told the worker is draining),
 * hand back tasks not started, let running tasks finish for the drain timeout, hand back the rest, wait briefly
 * for the last results to be acknowledged, close the streams, then stop heartbeats and threads.
 */
public final class GridWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GridWorker.class);
    /** A failure's stack trace with its causes is kept up to this size (deep recursion would make it megabytes). */
    static final int MAX_STACK_TRACE_CHARS = 32_000;
    private static final long PROGRESS_MIN_INTERVAL_MS = 250;
    /** A cancelled task still running after this long ignores cancellation: its thread is given up on. */
    static final long ABANDON_AFTER_MS = 5000;
    /** How often the worker reports the tasks that started and checks whether a running task is long. */
    static final long TICK_MS = 50;
    /**
     * A running task counts as long (auto prefetch) once its code has run this long and 4 times the mean of the tasks
     * that ended: a pause of the JVM or of a busy machine on tiny tasks is not mistaken for a change of job (at 50 ms,
     * workers of tiny tasks on a loaded machine handed back and took again thousands of tasks a job).
     */
    static final long LONG_TASK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final WorkerOptions options;
    private final HealthStatusManager health = new HealthStatusManager();
    private final FileChannel lockChannel;
    // set up once, in the constructor (after the work directory is locked)
    private ChannelCredentials masterCredentials;
    private ChannelCredentials peerCredentials;
    private ExecutorService channelExecutor;
    private JobCache cache;
    /** data grid: the data cache, PeerService, chunk fetches, orders and reports (io.gridwork.worker.data). */
    private io.gridwork.worker.data.DataPlane data;
    private ThreadPoolExecutor taskPool;
    private ScheduledExecutorService timer;
    private Server healthServer;
    private ExecutorService healthExecutor;
    private ExecutorService probeExecutor;
    private final FileLock workDirLock;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final LinkHost linkHost = new LinkHost();
    /** The worker's slots: a task takes as many as its job asks for before it runs (fair: big tasks are not starved). */
    private java.util.concurrent.Semaphore slotPermits;

    // guarded by `lock`
    private final Object lock = new Object();
    private final Map<Long, RunningTask> held = new LinkedHashMap<>();
    private final UnackedResults unacked = new UnackedResults();
    /** Slots the held tasks take: the sum over {@code held}, kept as tasks come and go. */
    private int heldSlots;
    /** Assignments answered with the unacknowledged output of an earlier attempt of the same task. */
    private long reusedResults;
    /** One link per master, by the address it dials. */
    private final Map<String, MasterLink> links = new LinkedHashMap<>();
    /** Who owns each job this worker has heard of, and the highest lease epoch seen for it. */
    private final Map<String, Lease> leases = new HashMap<>();
    private boolean draining;
    private long heartbeatSeq;
    private int maxHeld;
    private long completed;
    private long failedResults;
    private long refusedStale;
    /** Tasks held beyond the slots: fixed, or (auto prefetch) adapted to how long tasks take. */
    private int window;
    /** Moving average of task run times, in nanoseconds (auto prefetch). */
    private double meanTaskNanos = -1;
    /**
     * How long the longest task running now has run, once that is long for the tasks seen so far (auto prefetch: the
     * window shrinks at once, not only when the task ends); 0 otherwise. Set by {@link #tick()}.
     */
    private long longRunningNanos;
    /** Tasks handed back unstarted because the window shrank, since the start. */
    private long givenBackTasks;
    private int abandonedThreads;

    /** A job's owner as this worker knows it: the address of its master's link and the job's lease epoch. */
    private static final class Lease {
        long epoch;
        String address;

        Lease(long epoch, String address) {
            this.epoch = epoch;
            this.address = address;
        }
    }

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
        ServerCredentials healthCredentials;
        WorkerIdentity identity = null;
        if (options.insecure()) {
            masterCredentials = InsecureChannelCredentials.create();
            healthCredentials = InsecureServerCredentials.create();
            this.peerCredentials = InsecureChannelCredentials.create();
        } else {
            identity = identity(options);
            masterCredentials = TlsChannelCredentials.newBuilder().keyManager(identity.keyManagers())
                    .trustManager(GridTrust.master(identity.ca())).build();
            // data grid (2): the health port asks callers for a grid certificate (PeerService demands one)
            healthCredentials = io.gridwork.worker.data.DataPlane.serverCredentials(identity.keyManagers(), identity.ca());
            this.peerCredentials = TlsChannelCredentials.newBuilder().trustManager(GridTrust.workers(identity.ca())).build();
        }
        // data grid (1): the data cache is opened (its chunks go in RegisterRequest.held_chunks)
        this.data = io.gridwork.worker.data.DataPlane.open(options.workDir(), options.dataCache(),
                options.insecure() ? null : identity.keyManagers(), options.insecure() ? null : identity.ca(),
                this::jarSources, this::workerId, options.callTimeout());
        this.channelExecutor = Executors.newFixedThreadPool(4, new NamedThreads("gridwork-worker-rpc", true));
        this.cache = new JobCache(options.workDir().resolve("jars"), this::jarSources, options.callTimeout(),
                options.idleClassLoaders(), data); // data grid (6): jars with a jar_data_id come through it
        this.slotPermits = new java.util.concurrent.Semaphore(options.slots(), true);
        this.window = options.autoPrefetch() ? WorkerOptions.AUTO_PREFETCH_MIN : options.prefetch();
        if (options.taskLogLimit() > 0) {
            TaskOutputCapture.install();
        }
        this.taskPool = new ThreadPoolExecutor(options.slots(), options.slots(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), new NamedThreads("gridwork-task", true));
        this.timer = Executors.newSingleThreadScheduledExecutor(new NamedThreads("gridwork-worker-timer", true));
        this.healthExecutor = Executors.newFixedThreadPool(2, new NamedThreads("gridwork-health", true));
        this.probeExecutor = Executors.newFixedThreadPool(2, new NamedThreads("gridwork-probe", true));
        java.net.InetSocketAddress healthAddress = options.healthBind() == null
                ? new java.net.InetSocketAddress(options.healthPort())
                : new java.net.InetSocketAddress(options.healthBind(), options.healthPort());
        if (healthAddress.isUnresolved()) {
            throw new IOException("cannot serve the health service on " + options.healthBind() + ": unknown host "
                    + "(--health-bind)");
        }
        try {
            this.healthServer = NettyServerBuilder.forAddress(healthAddress, healthCredentials)
                    .executor(healthExecutor)
                    .addService(health.getHealthService())
                    .addService(data.peerService()) // data grid (2): PeerService on the health port
                    .build()
                    .start();
        } catch (IOException e) {
            throw new IOException("cannot serve the health service on " + (options.healthBind() == null ? "port "
                    : options.healthBind() + ":") + options.healthPort() + " (--health-bind, --health-port): "
                    + e.getMessage(), e);
        }
        health.setStatus("", ServingStatus.SERVING);
        synchronized (lock) {
            for (String address : options.masters()) {
                links.put(address, newLink(address, true));
            }
        }
    }

    private MasterLink newLink(String address, boolean seed) {
        return new MasterLink(address, seed, masterCredentials, channelExecutor, lock, linkHost, timer,
                options.reconnectBackoffMax().toMillis(), options.callTimeout().toMillis());
    }

    /**
     * This worker's certificate: the one in its work directory if it fits (same name, same grid, not about to
     * expire), else a new one from joining with the join token at the first master that answers (the masters of a
     * grid share one CA). Joining waits for a master if none is reachable.
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
            for (String master : options.masters()) {
                try {
                    WorkerIdentity joined = WorkerIdentity.join(master, options.name(), join, dir, options.callTimeout());
                    log.atInfo().addKeyValue("worker", options.name())
                            .log("joined the grid at {} as {}; certificate valid until {}", master, options.name(),
                            joined.certificate().getNotAfter().toInstant());
                    return joined;
                } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
                        throw new WorkerSetupException("cannot join the grid at " + master + ": "
                                + WorkerIdentity.describe(e));
                    }
                    log.warn("cannot reach the master at {} to join ({}); trying {}", master, WorkerIdentity.describe(e),
                            options.masters().size() > 1 ? "the next one" : "again");
                }
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

    /** Starts a worker: it connects to the masters in the background and keeps trying until it is closed. */
    public static GridWorker start(WorkerOptions options) throws IOException {
        GridWorker worker = new GridWorker(options);
        List<MasterLink> seeds;
        synchronized (worker.lock) {
            seeds = new ArrayList<>(worker.links.values());
        }
        seeds.forEach(MasterLink::start);
        worker.timer.scheduleWithFixedDelay(worker::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        log.atInfo().addKeyValue("worker", options.name())
                .log("Gridwork worker {} starting: master{} {}, {} slots, prefetch {}, labels {}, health port {}, work dir {}",
                options.name(), options.masters().size() > 1 ? "s" : "", String.join(",", options.masters()),
                options.slots(), options.autoPrefetch() ? "auto" : options.prefetch(), options.labels(),
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

    /** The id a master gave this worker (the first linked master's), once registered. */
    public String workerId() {
        synchronized (lock) {
            for (MasterLink l : links.values()) {
                if (l.workerId != null) {
                    return l.workerId;
                }
            }
            return null;
        }
    }

    /** Whether the worker has a stream to at least one master now. */
    public boolean isConnected() {
        synchronized (lock) {
            return links.values().stream().anyMatch(MasterLink::connected);
        }
    }

    /** The addresses of the masters this worker has a stream to now. */
    public List<String> connectedMasters() {
        synchronized (lock) {
            return links.values().stream().filter(MasterLink::connected).map(l -> l.address).toList();
        }
    }

    /** The addresses of the masters this worker holds a link to (connected or trying). */
    public List<String> linkedMasters() {
        synchronized (lock) {
            return links.values().stream().filter(l -> !l.isRetired()).map(l -> l.address).toList();
        }
    }

    /** Messages refused because they came from a master with an older lease epoch than their job's. */
    public long staleMessagesRefused() {
        synchronized (lock) {
            return refusedStale;
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
        return heldSlots;
    }

    /** Holds a task (guarded by {@code lock}). */
    private void hold(RunningTask task) {
        if (held.put(task.attemptId, task) == null) {
            heldSlots += task.slots;
        }
    }

    /** No longer holds the attempt; returns its task, or null if it was not held (guarded by {@code lock}). */
    private RunningTask unhold(long attemptId) {
        RunningTask t = held.remove(attemptId);
        if (t != null) {
            heldSlots -= t.slots;
        }
        return t;
    }

    /** The most tasks this worker has held at once. */
    public int maxHeldTasks() {
        synchronized (lock) {
            return maxHeld;
        }
    }

    /**
     * New attempts answered with the unacknowledged output of an earlier attempt of the same task (whose master
     * failed before storing it), instead of running the task again.
     */
    public long reusedResults() {
        synchronized (lock) {
            return reusedResults;
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

    /**
     * Tasks it handed back unstarted because its prefetch window shrank (its tasks began to run long), since it
     * started.
     */
    public long givenBackTasks() {
        synchronized (lock) {
            return givenBackTasks;
        }
    }

    /** Tasks it asks the masters to keep ready beyond its slots now (its prefetch window). */
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

    /** The masters' channels to fetch jars from: those with a stream first. */
    private List<Channel> jarSources() {
        synchronized (lock) {
            List<Channel> first = new ArrayList<>();
            List<Channel> rest = new ArrayList<>();
            for (MasterLink l : links.values()) {
                if (!l.isRetired()) {
                    (l.connected() ? first : rest).add(l.channel());
                }
            }
            first.addAll(rest);
            return first;
        }
    }

    // ================================================================================== links

    /** What the links ask of the worker: registrations, messages, heartbeats. */
    private final class LinkHost implements MasterLink.Host {

        @Override
        public RegisterRequest registration(MasterLink link) {
            synchronized (lock) {
                RegisterRequest.Builder b = RegisterRequest.newBuilder()
                        .setName(options.name())
                        .setSlots(options.slots())
                        .setPrefetch(options.autoPrefetch() ? WorkerOptions.AUTO_PREFETCH_MAX : options.prefetch())
                        .putAllLabels(options.labels())
                        .setHealthPort(options.advertiseHealthPort() > 0 ? options.advertiseHealthPort() : healthPort())
                        .setAdvertiseHost(options.advertiseHost() == null ? "" : options.advertiseHost())
                        .setPlatform(platform())
                        .addAllHeldChunks(data.heldChunks()); // data grid (1)
                // the tasks of the jobs this master owns, running or with results it has not acknowledged
                for (RunningTask t : held.values()) {
                    if (routesTo(t.ref.getJobId(), link)) {
                        b.addHeld(t.ref);
                    }
                }
                for (TaskResult r : unacked.values()) {
                    if (routesTo(r.getRef().getJobId(), link)) {
                        b.addHeld(r.getRef());
                    }
                }
                return b.build();
            }
        }

        @Override
        public boolean registered(MasterLink link, RegisterResponse response) {
            if (!link.masterId.isEmpty()) {
                for (MasterLink other : new ArrayList<>(links.values())) {
                    if (other == link || other.isRetired() || !other.masterId.equals(link.masterId)) {
                        continue;
                    }
                    // two addresses of one master (a --master address and the one it advertises): keep one link
                    if (other.connected() && !(link.seed && !other.seed)) {
                        retireDuplicate(link, other);
                        return false;
                    }
                    if (!other.seed || link.seed && !other.connected()) {
                        retireDuplicate(other, link);
                    }
                }
            }
            for (TaskRef ref : response.getDropList()) {
                if (!routesTo(ref.getJobId(), link)) {
                    continue;
                }
                unacked.remove(ref.getAttemptId());
                RunningTask t = held.get(ref.getAttemptId());
                if (t != null) {
                    t.cancel();
                }
            }
            if (response.getMastersCount() > 0) {
                learnMasters(response.getMastersList());
            }
            link.outbox.draining = draining;
            for (TaskResult r : unacked.values()) {
                if (routesTo(r.getRef().getJobId(), link)) {
                    link.outbox.results.add(r);
                }
            }
            rebalance();
            lock.notifyAll();
            return true;
        }

        @Override
        public void received(MasterLink link, MasterMessage message) {
            handle(link, message);
        }

        @Override
        public void streamEnded(MasterLink link) {
            // the master forgets the credits of a stream that ended: they are free for the other masters
            link.outstanding = 0;
            for (RunningTask t : held.values()) {
                if (routesTo(t.ref.getJobId(), link)) {
                    t.startReported = false; // told again on the next stream
                }
            }
            link.demand = null;
            rebalance();
            lock.notifyAll();
        }

        @Override
        public void heartbeat(MasterLink link) {
            try {
                synchronized (lock) {
                    if (!link.connected()) {
                        return;
                    }
                    int running = 0;
                    long now = System.currentTimeMillis();
                    for (RunningTask t : held.values()) {
                        if (t.started) {
                            running++;
                        }
                        if (routesTo(t.ref.getJobId(), link)) {
                            TaskProgress p = t.takeProgress(now);
                            if (p != null) {
                                link.outbox.progress.add(p);
                            }
                        }
                    }
                    link.outbox.heartbeat = Heartbeat.newBuilder().setSeq(++heartbeatSeq).setRunning(running)
                            .setFreeSlots(slotPermits.availablePermits()).build();
                    lock.notifyAll();
                }
            } catch (RuntimeException e) {
                log.warn("heartbeat failed: {}", e.toString());
            }
        }

        @Override
        public void retired(MasterLink link) {
            links.remove(link.address, link);
            rebalance();
        }

        @Override
        public boolean stopping() {
            return stopping.get();
        }

        @Override
        public String workerName() {
            return options.name();
        }
    }

    /** Whether results of this job go to this link (its master owns the job). Guarded by {@code lock}. */
    private boolean routesTo(String jobId, MasterLink link) {
        Lease lease = leases.get(jobId);
        return lease == null || lease.address.equals(link.address);
    }

    /** The link of the job's owner, or null if it has none now. Guarded by {@code lock}. */
    private MasterLink route(String jobId) {
        Lease lease = leases.get(jobId);
        return lease == null ? null : links.get(lease.address);
    }

    /**
     * Whether a message about this job from this link must be refused: the job is owned by another master (it took
     * the job over at a higher lease epoch). Guarded by {@code lock}.
     */
    private boolean stale(MasterLink link, String jobId) {
        Lease lease = leases.get(jobId);
        return lease != null && !lease.address.equals(link.address);
    }

    /** Whether a job spec's lease epoch is older than the job's: a former owner's. Guarded by {@code lock}. */
    private boolean staleSpec(JobSpec spec) {
        Lease lease = leases.get(spec.getJobId());
        return lease != null && spec.getLeaseEpoch() < lease.epoch;
    }

    private void refuse(MasterLink link, String what, String jobId) {
        refusedStale++;
        log.atDebug().addKeyValue("job", jobId).addKeyValue("worker", options.name())
                .log("refused {} from the master at {}: the job is owned by the master at {} (lease epoch {})", what,
                        link.address, leases.get(jobId).address, leases.get(jobId).epoch);
    }

    /** The jobs this worker holds tasks or unacknowledged results of. Guarded by {@code lock}. */
    private Set<String> jobsWithWork() {
        Set<String> jobs = new HashSet<>();
        held.values().forEach(t -> jobs.add(t.ref.getJobId()));
        unacked.values().forEach(r -> jobs.add(r.getRef().getJobId()));
        return jobs;
    }

    /**
     * A message about a job came from this link and was accepted: its master owns the job (at least this epoch).
     * If the job's tasks here came from another master, this one must hear of them: it registers again. Guarded
     * by {@code lock}.
     */
    private void claim(MasterLink link, String jobId, long epoch, Set<MasterLink> registerAgain) {
        Lease lease = leases.get(jobId);
        if (lease == null) {
            leases.put(jobId, new Lease(epoch, link.address));
            return;
        }
        lease.epoch = Math.max(lease.epoch, epoch);
        if (!lease.address.equals(link.address)) {
            lease.address = link.address;
            if (jobsWithWork().contains(jobId)) {
                registerAgain.add(link);
            }
        }
    }

    /** Keeps {@code kept} for a master that both links reach; the other's jobs move to it. Guarded by {@code lock}. */
    private void retireDuplicate(MasterLink gone, MasterLink kept) {
        log.atInfo().addKeyValue("worker", options.name()).log("{} and {} are the same master ({}): keeping the link to {}",
                gone.address, kept.address, kept.masterId, kept.address);
        Set<String> work = jobsWithWork();
        boolean moved = false;
        for (Map.Entry<String, Lease> e : leases.entrySet()) {
            if (e.getValue().address.equals(gone.address)) {
                e.getValue().address = kept.address;
                moved |= work.contains(e.getKey());
            }
        }
        gone.retire();
        if (moved) {
            kept.reregister("tasks moved from " + gone.address);
        }
    }

    /** The masters' list (the whole list, from any master): links to new ones, marks the ones no longer named. Guarded by {@code lock}. */
    private void learnMasters(List<MasterEndpoint> masters) {
        Set<String> addresses = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (MasterEndpoint e : masters) {
            addresses.add(e.getAddress());
            ids.add(e.getId());
        }
        for (MasterLink l : links.values()) {
            l.listed = addresses.contains(l.address) || (!l.masterId.isEmpty() && ids.contains(l.masterId));
        }
        if (stopping.get()) {
            return;
        }
        for (MasterEndpoint e : masters) {
            if (e.getAddress().isBlank() || linkTo(e.getId(), e.getAddress()) != null) {
                continue;
            }
            try {
                io.gridwork.client.Addresses.parse(e.getAddress(), "master address");
            } catch (IllegalArgumentException bad) {
                log.warn("a master named a master with a bad address: {}", bad.getMessage());
                continue;
            }
            MasterLink link = newLink(e.getAddress(), false);
            links.put(e.getAddress(), link);
            log.atInfo().addKeyValue("worker", options.name()).log("linking to master {} at {}{}", e.getId(),
                    e.getAddress(), e.getStandby() ? " (standby)" : "");
            link.start();
        }
    }

    /** The live link to the master of this id or address, or null. Guarded by {@code lock}. */
    private MasterLink linkTo(String masterId, String address) {
        for (MasterLink l : links.values()) {
            if (!l.isRetired() && !l.masterId.isEmpty() && l.masterId.equals(masterId)) {
                return l;
            }
        }
        MasterLink l = links.get(address);
        return l == null || l.isRetired() ? null : l;
    }

    // ================================================================================== messages from a master

    private void handle(MasterLink link, MasterMessage m) {
        List<RunningTask> toRun = new ArrayList<>();
        List<RunningTask> toCancel = new ArrayList<>();
        List<String> ended = new ArrayList<>();
        synchronized (lock) {
            Set<MasterLink> registerAgain = new HashSet<>();
            for (Takeover t : m.getTakeoversList()) {
                takeover(link, t, registerAgain);
            }
            if (m.getMastersCount() > 0) {
                learnMasters(m.getMastersList());
            }
            for (JobSpec spec : m.getJobsList()) {
                if (staleSpec(spec)) {
                    refuse(link, "a job spec", spec.getJobId());
                    continue;
                }
                cache.define(spec);
                claim(link, spec.getJobId(), spec.getLeaseEpoch(), registerAgain);
            }
            for (TaskAssignment a : m.getAssignmentsList()) {
                link.outstanding = Math.max(0, link.outstanding - Math.max(1, a.getSlots()));
                String jobId = a.getRef().getJobId();
                if (stale(link, jobId)) {
                    refuse(link, "an assignment", jobId);
                    continue;
                }
                long attemptId = a.getRef().getAttemptId();
                if (held.containsKey(attemptId) || unacked.containsKey(attemptId)) {
                    continue; // held already (or ran already): never run twice
                }
                claim(link, jobId, 0, registerAgain);
                if (answerFromEarlierAttempt(a, link)) {
                    continue; // it ran here already, for a master that failed before it stored the output
                }
                RunningTask task = new RunningTask(a, cache.spec(jobId));
                hold(task);
                maxHeld = Math.max(maxHeld, held.size());
                toRun.add(task);
            }
            if (m.getReleaseUnstarted()) {
                // the credits keep flowing, as they always did: the master assigns nothing while the worker is
                // drained, and uses them again once it is undrained (nothing else tells the worker so)
                int released = 0;
                for (RunningTask t : new ArrayList<>(held.values())) {
                    if (!t.started && !t.cancelled && routesTo(t.ref.getJobId(), link)) {
                        t.cancel();
                        link.outbox.released.add(t.ref);
                        released++;
                    }
                }
                log.atInfo().addKeyValue("worker", options.name())
                        .log("drained by the master at {}: {} tasks not started go back, {} running ones finish",
                                link.address, released, held.size() - released);
            }
            for (TaskRef ref : m.getCancelsList()) {
                if (stale(link, ref.getJobId())) {
                    refuse(link, "a cancel", ref.getJobId());
                    continue;
                }
                RunningTask t = held.get(ref.getAttemptId());
                if (t != null) {
                    toCancel.add(t);
                }
            }
            for (TaskRef ref : m.getAcksList()) {
                if (stale(link, ref.getJobId())) {
                    refuse(link, "an acknowledgement", ref.getJobId());
                    continue;
                }
                unacked.remove(ref.getAttemptId());
            }
            for (ResultRejection r : m.getRejectionsList()) {
                if (stale(link, r.getRef().getJobId())) {
                    refuse(link, "a rejection", r.getRef().getJobId());
                    continue;
                }
                unacked.remove(r.getRef().getAttemptId());
                log.atWarn().addKeyValue("job", r.getRef().getJobId()).addKeyValue("task", r.getRef().getIndex())
                        .addKeyValue("worker", options.name()).log("the master refused the result: {}", r.getReason());
            }
            for (String jobId : m.getEndedJobsList()) {
                if (stale(link, jobId)) {
                    refuse(link, "the end of a job", jobId);
                    continue;
                }
                ended.add(jobId);
            }
            if (!ended.isEmpty()) {
                Set<String> work = jobsWithWork();
                for (String jobId : ended) {
                    if (!work.contains(jobId)) {
                        leases.remove(jobId);
                    }
                }
            }
            if (m.hasDemand()) {
                link.demand = Math.max(0, m.getDemand());
            }
            for (MasterLink again : registerAgain) {
                again.reregister("it owns jobs whose tasks this worker holds");
            }
            rebalance();
            lock.notifyAll();
        }
        for (RunningTask task : toRun) {
            try {
                taskPool.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                finished(task, null);
            }
        }
        for (RunningTask t : toCancel) {
            log.atInfo().addKeyValue("job", t.ref.getJobId()).addKeyValue("task", t.ref.getIndex())
                    .addKeyValue("worker", options.name()).log("task cancelled by the master");
            t.cancel();
        }
        for (String jobId : ended) {
            cache.ended(jobId);
        }
        for (ProbeRequest probe : m.getProbesList()) {
            probeExecutor.execute(() -> probe(link, probe));
        }
        data.received(m); // data grid (3): data_orders and peers
    }

    /**
     * A master took over jobs of a failed one: their results go to it from now on, and messages about them from an
     * older epoch are refused. If this worker holds tasks of those jobs (running, or with results not acknowledged),
     * it registers again with the new owner, listing them; the master adopts them (keep) or not (drop), and the
     * results of the kept ones are sent to it. Guarded by {@code lock}.
     */
    private void takeover(MasterLink from, Takeover t, Set<MasterLink> registerAgain) {
        MasterLink target = linkTo(t.getToMasterId(), t.getToAddress());
        if (target == null && !t.getToAddress().isBlank() && !stopping.get()) {
            target = newLink(t.getToAddress(), false);
            links.put(t.getToAddress(), target);
            target.start();
        }
        if (target == null) {
            log.warn("takeover by master {} announced by {} names no address to reach it; ignored", t.getToMasterId(),
                    from.address);
            return;
        }
        Set<String> work = jobsWithWork();
        int mine = 0;
        for (String jobId : t.getJobIdsList()) {
            Lease lease = leases.get(jobId);
            if (lease != null && lease.epoch > t.getEpoch()) {
                refusedStale++;
                log.atDebug().addKeyValue("job", jobId).log("refused a takeover at epoch {}: the job's epoch is {}",
                        t.getEpoch(), lease.epoch);
                continue;
            }
            if (lease != null && lease.epoch == t.getEpoch() && lease.address.equals(target.address)) {
                continue; // heard already (a master tells again every worker whose stream opens soon after)
            }
            if (lease == null) {
                leases.put(jobId, new Lease(t.getEpoch(), target.address));
            } else {
                lease.epoch = t.getEpoch();
                lease.address = target.address;
            }
            if (work.contains(jobId)) {
                mine++;
            }
        }
        log.atInfo().addKeyValue("worker", options.name())
                .log("master {} took over {} jobs of master {} (epoch {}); {} of them have tasks here",
                        t.getToMasterId(), t.getJobIdsCount(), t.getFromMasterId(), t.getEpoch(), mine);
        if (mine > 0) {
            registerAgain.add(target);
        }
    }

    /** Health-checks another worker for a master (the indirect path) and reports what it found. */
    private void probe(MasterLink link, ProbeRequest probe) {
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
            link.outbox.probeResults.add(ProbeResult.newBuilder().setProbeId(probe.getProbeId()).setReachable(reachable)
                    .setDetail(detail).build());
            lock.notifyAll();
        }
    }

    // ================================================================================== credits

    /**
     * Offers the free slots to the masters as credits. The budget is the slots plus the prefetch window; what the
     * held tasks take and the credits the masters hold already are spent. The rest goes one credit at a time to the
     * master, among those that can use one (demand beyond the credits it holds), whose share (tasks it has here plus
     * credits it holds) is smallest relative to its demand: so one busy master alone gets every slot, two equally
     * busy ones about half each, and an idle one none. The only master the worker knows of gets every slot whatever its
     * demand (exactly the behaviour of a worker with one master, prefetch included); with several, a master that has
     * not said its demand on its stream yet counts as wanting none until it says: credits cannot be taken back, so the
     * first master to connect must not take them all. Guarded by {@code lock}.
     */
    private void rebalance() {
        if (draining) {
            return;
        }
        List<MasterLink> open = new ArrayList<>();
        int used = heldSlots();
        int known = 0;
        for (MasterLink l : links.values()) {
            if (!l.isRetired()) {
                known++;
            }
            if (l.connected()) {
                used += l.outstanding;
                if (!l.isRetired()) {
                    open.add(l);
                }
            }
        }
        int free = options.slots() + window - used;
        if (free <= 0 || open.isEmpty()) {
            return;
        }
        int n = open.size();
        long[] weight = new long[n];
        long[] want = new long[n];
        long[] share = new long[n];
        int[] grant = new int[n];
        for (int i = 0; i < n; i++) {
            MasterLink l = open.get(i);
            if (known == 1) {
                // the only master: every free slot, whatever its demand (speculative attempts and retries count on it)
                weight[i] = 1;
                want[i] = Long.MAX_VALUE;
            } else if (l.demand != null) {
                weight[i] = l.demand;
                want[i] = Math.max(0, l.demand - l.outstanding);
            }
            share[i] = l.outstanding;
        }
        if (n > 1) {
            for (RunningTask t : held.values()) {
                Lease lease = leases.get(t.ref.getJobId());
                for (int i = 0; i < n; i++) {
                    if (lease != null && lease.address.equals(open.get(i).address)) {
                        share[i] += t.slots;
                    }
                }
            }
        }
        while (free > 0) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (want[i] <= 0 || weight[i] <= 0) {
                    continue;
                }
                // smallest share / weight first (cross-multiplied); ties to the one with more demand
                if (best < 0 || share[i] * weight[best] < share[best] * weight[i]
                        || (share[i] * weight[best] == share[best] * weight[i] && weight[i] > weight[best])) {
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            long give = n == 1 ? Math.min(free, want[best]) : 1;
            grant[best] += (int) give;
            share[best] += give;
            want[best] -= give;
            free -= (int) give;
        }
        for (int i = 0; i < n; i++) {
            if (grant[i] > 0) {
                MasterLink l = open.get(i);
                l.outbox.credit += grant[i];
                l.outstanding += grant[i];
            }
        }
    }

    // ================================================================================== tasks

    /**
     * A new attempt of a task this worker already ran to a successful output that no master acknowledged (its
     * master failed before storing it, and the master that took the job over could not adopt the attempt): the
     * output is sent again as this attempt's, instead of running the task a second time. Guarded by {@code lock}.
     *
     * @return whether the assignment was answered so
     */
    private boolean answerFromEarlierAttempt(TaskAssignment a, MasterLink link) {
        String jobId = a.getRef().getJobId();
        long index = a.getRef().getIndex();
        Long earlier = unacked.outputOf(jobId, index);
        if (earlier == null) {
            return false;
        }
        TaskResult again = unacked.remove(earlier).toBuilder().setRef(a.getRef()).build();
        unacked.put(a.getRef().getAttemptId(), again);
        link.outbox.results.add(again);
        reusedResults++;
        log.atInfo().addKeyValue("job", jobId).addKeyValue("task", index).addKeyValue("worker", options.name())
                .log("task ran here already (attempt {}, not acknowledged): its output answers attempt {}", earlier,
                        a.getRef().getAttemptId());
        if (!draining) {
            rebalance(); // the credit the assignment used is free again
        }
        return true;
    }

    private void finished(RunningTask task, TaskResult result) {
        synchronized (lock) {
            if (task.abandoned && task.thread == null) {
                // an abandoned thread came back at last: the pool shrinks to its size again
                abandonedThreads--;
                resizePool();
            }
            if (unhold(task.attemptId) == null) {
                return;
            }
            if (result != null) {
                unacked.put(task.attemptId, result);
                MasterLink owner = route(task.ref.getJobId());
                if (owner != null) {
                    owner.outbox.results.add(result);
                }
                completed++;
                if (result.hasFailure()) {
                    failedResults++;
                }
            }
            if (!draining) {
                // a shrunken window asks for less; what is held beyond it goes back only when tasks have become long:
                // a tiny task slowed by a pause shrinks the window too, and the tiny tasks held run out by themselves
                // (handing them back cost thousands of round trips a job on a loaded machine)
                if (adaptWindow(task) < 0 && task.runNanos >= LONG_TASK_NANOS) {
                    giveBackExcess();
                }
                rebalance();
            }
            lock.notifyAll();
        }
    }

    /**
     * Every {@link #TICK_MS}: tells each master which of its tasks started since the last tick (so it shows tasks
     * running apart from tasks only held), and, with the automatic prefetch, measures the task running longest: once
     * it is long for what ran so far, the window shrinks at once and what the worker holds beyond it goes back.
     */
    private void tick() {
        try {
            synchronized (lock) {
                // data grid (4): the data cache's changes and the corrupt chunks seen go to every connected master
                io.gridwork.api.v1.DataReport report = data.takeReport();
                if (report != null) {
                    for (MasterLink l : links.values()) {
                        if (l.connected()) {
                            l.outbox.dataReport = l.outbox.dataReport == null ? report
                                    : l.outbox.dataReport.toBuilder().mergeFrom(report).build();
                        }
                    }
                    lock.notifyAll();
                }
                if (draining) {
                    return;
                }
                long now = System.nanoTime();
                long longest = 0;
                boolean told = false;
                for (RunningTask t : held.values()) {
                    if (!t.started || t.cancelled) {
                        continue;
                    }
                    long since = t.startNanos;
                    if (since != 0) { // 0: its job's code is still being fetched or loaded
                        longest = Math.max(longest, now - since);
                    }
                    if (!t.startReported) {
                        MasterLink owner = route(t.ref.getJobId());
                        if (owner != null && owner.connected()) {
                            owner.outbox.started.add(t.ref);
                            t.startReported = true;
                            told = true;
                        }
                    }
                }
                longRunningNanos = options.autoPrefetch() && longest >= LONG_TASK_NANOS && longest > 4 * meanTaskNanos
                        ? longest : 0;
                if (longRunningNanos > 0 && resizeWindow() < 0) {
                    giveBackExcess();
                    told = true;
                }
                if (told) {
                    lock.notifyAll();
                }
            }
        } catch (RuntimeException e) {
            log.warn("worker tick failed: {}", e.toString());
        }
    }

    /**
     * The window shrank: what the worker holds beyond its slots plus the window goes back, first the credits the
     * masters hold and have not used (withdrawn with a negative credit), then tasks held but not started, newest
     * first (released: the master gives them to workers with room). Guarded by {@code lock}.
     */
    private void giveBackExcess() {
        int used = heldSlots();
        for (MasterLink l : links.values()) {
            if (l.connected()) {
                used += l.outstanding;
            }
        }
        int excess = used - (options.slots() + window);
        if (excess <= 0) {
            return;
        }
        int withdrawn = 0;
        for (MasterLink l : links.values()) {
            if (excess <= 0) {
                break;
            }
            if (l.connected() && l.outstanding > 0) {
                int k = Math.min(l.outstanding, excess);
                l.outstanding -= k;
                l.outbox.credit -= k;
                excess -= k;
                withdrawn += k;
            }
        }
        int released = 0;
        if (excess > 0) {
            List<RunningTask> newestFirst = new ArrayList<>(held.values());
            java.util.Collections.reverse(newestFirst);
            for (RunningTask t : newestFirst) {
                if (excess <= 0) {
                    break;
                }
                MasterLink owner = route(t.ref.getJobId());
                if (owner == null || !owner.connected() || !t.release()) {
                    continue; // started already (or cancelled), or its master cannot be told now
                }
                unhold(t.attemptId);
                taskPool.remove(t);
                owner.outbox.released.add(t.ref);
                excess -= t.slots;
                released++;
            }
        }
        givenBackTasks += released;
        if (released > 0) {
            log.atDebug().addKeyValue("worker", options.name())
                    .log("prefetch window now {}: {} credits withdrawn, {} tasks not started handed back", window,
                            withdrawn, released);
        }
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
        return resizeWindow();
    }

    /**
     * Auto prefetch: the window for the task duration expected now, the mean of the tasks that ended or, if longer, how
     * long the task running longest has run; returns by how many tasks it grew (negative: shrank). Guarded by
     * {@code lock}.
     */
    private int resizeWindow() {
        if (!options.autoPrefetch()) {
            return 0;
        }
        double expected = Math.max(meanTaskNanos, longRunningNanos);
        if (expected <= 0) {
            return 0;
        }
        int wanted = autoWindow(options.slots(), expected);
        int delta = wanted - window;
        window = wanted;
        return delta;
    }

    /** The automatic prefetch for tasks expected to run {@code taskNanos}: about 20 ms of queued work per slot. */
    static int autoWindow(int slots, double taskNanos) {
        double target = (double) WorkerOptions.AUTO_PREFETCH_TARGET.toNanos() * slots;
        return (int) Math.max(WorkerOptions.AUTO_PREFETCH_MIN, Math.min(WorkerOptions.AUTO_PREFETCH_MAX,
                Math.ceil(target / Math.max(1.0, taskNanos))));
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
        /** When its code started (System.nanoTime), once {@code started}. */
        volatile long startNanos;
        /** Its master was told it started. Guarded by {@code lock}. */
        boolean startReported;
        /** Set once: it starts (its thread won), or it goes back unstarted (a release won). */
        private final AtomicBoolean decided = new AtomicBoolean();
        /** How long its code ran, once it ended. */
        volatile long runNanos;
        volatile boolean abandoned;
        volatile Thread thread;
        private volatile double progress = -1;
        private volatile String progressMessage = "";
        private volatile boolean progressDirty;
        private long progressSentAt;
        /** data grid (5): openData and the bytes it read, for TaskResult.data. */
        final io.gridwork.worker.data.TaskData taskData;

        RunningTask(TaskAssignment a, JobSpec spec) {
            this.ref = a.getRef();
            this.attemptId = ref.getAttemptId();
            this.attempt = a.getAttempt();
            this.input = a.getInput().toByteArray();
            this.spec = spec;
            this.taskData = data.forTask(spec);
            int asked = Math.max(1, a.getSlots());
            if (asked > options.slots()) {
                log.atWarn().addKeyValue("job", ref.getJobId()).addKeyValue("task", ref.getIndex())
                        .addKeyValue("worker", options.name())
                        .log("task asks for {} slots, more than this worker's {}; it runs with {}", asked, options.slots(),
                                options.slots());
            }
            this.slots = Math.min(asked, options.slots());
        }

        @Override
        public java.io.InputStream openData(io.gridwork.sdk.DataRange range) throws IOException {
            return taskData.open(range); // data grid (5)
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
            if (cancelled || !decided.compareAndSet(false, true)) {
                thread = null;
                Thread.interrupted();
                releaseSlots();
                finished(this, null);
                return;
            }
            long start = System.nanoTime();
            started = true;
            if (spec != null && spec.getTaskTimeoutMs() > 0) {
                // the master times out only tasks that have started: say so at once
                synchronized (lock) {
                    startReported = true;
                    MasterLink owner = route(ref.getJobId());
                    if (owner != null) {
                        owner.outbox.progress.add(TaskProgress.newBuilder().setRef(ref).setFraction(0).setMessage("started").build());
                    }
                    progressSentAt = System.currentTimeMillis();
                    lock.notifyAll();
                }
            }
            TaskResult result = null;
            String jobId = ref.getJobId();
            boolean acquired = false;
            TaskLog output = options.taskLogLimit() > 0 ? new TaskLog(options.taskLogLimit()) : null;
            try {
                if (spec == null) {
                    throw new IllegalStateException("the master sent no spec for job " + jobId);
                }
                LoadedJob job = cache.acquire(jobId);
                acquired = true;
                startNanos = System.nanoTime(); // the task's own code runs from here (not the jar's fetch)
                byte[] bytes;
                if (output != null) {
                    TaskOutputCapture.begin(output);
                }
                try {
                    bytes = job.execute(input, this);
                } finally {
                    if (output != null) {
                        TaskOutputCapture.end(output); // what follows is the worker's, not the task's
                    }
                }
                if (!cancelled) {
                    result = withData(withLog(TaskResult.newBuilder().setRef(ref).setOutput(UnsafeByteOperations.unsafeWrap(bytes))
                            .setDurationMs(elapsedMs(start)), output), taskData).build();
                }
                runNanos = System.nanoTime() - start;
            } catch (Throwable t) {
                if (!cancelled) {
                    TaskFailure failure = failure(t);
                    result = withData(withLog(TaskResult.newBuilder().setRef(ref).setFailure(failure)
                            .setDurationMs(elapsedMs(start)), output), taskData).build();
                    if (t instanceof Error && !(t instanceof StackOverflowError)) {
                        log.atError().addKeyValue("job", jobId).addKeyValue("task", ref.getIndex())
                                .addKeyValue("attempt", attempt).addKeyValue("worker", options.name())
                                .log("task {} of job {} failed (attempt {}): {}\n{}", ref.getIndex(), jobId, attempt,
                                        t.toString(), failure.getStackTrace());
                    } else {
                        log.atInfo().addKeyValue("job", jobId).addKeyValue("task", ref.getIndex())
                                .addKeyValue("attempt", attempt).addKeyValue("worker", options.name())
                                .log("task {} of job {} failed (attempt {}): {}\n{}", ref.getIndex(), jobId, attempt,
                                        LoadedJob.describe(t), failure.getStackTrace());
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

        /** Hands it back unstarted: cancels it unless its thread started it already. */
        boolean release() {
            if (cancelled || !decided.compareAndSet(false, true)) {
                return false;
            }
            cancel();
            return true;
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
            // data grid (5): the job's data sets as DataRefs (JobArgs.data), so openData(name) finds them
            return spec == null ? JobArgs.empty() : JobArgs.of(spec.getArgsMap(), taskData.refs());
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

    /** data grid (5): the bytes the attempt read from data sets, by source (left out if it read none). */
    private static TaskResult.Builder withData(TaskResult.Builder result, io.gridwork.worker.data.TaskData taskData) {
        return taskData.used() ? result.setData(taskData.counters()) : result;
    }

    /** Adds an attempt's captured output to its result. */
    private static TaskResult.Builder withLog(TaskResult.Builder result, TaskLog output) {
        if (output != null && output.total() > 0) {
            result.setLog(output.text(TaskOutputCapture.charset())).setLogCutBytes(output.cutBytes());
        }
        return result;
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
        if (stack.length() > MAX_STACK_TRACE_CHARS) {
            stack = stack.substring(0, MAX_STACK_TRACE_CHARS) + "\n\t... (stack trace cut at " + MAX_STACK_TRACE_CHARS
                    + " characters)";
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
        return Platform.newBuilder()
                .setOs(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT))
                .setArch(System.getProperty("os.arch", ""))
                .setJavaVersion(System.getProperty("java.version", ""))
                .setMemoryBytes(memory)
                .setCores(Runtime.getRuntime().availableProcessors())
                .setGridworkVersion(io.gridwork.internal.GridworkVersion.get())
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
        List<MasterLink> all;
        synchronized (lock) {
            draining = true;
            for (MasterLink l : links.values()) {
                l.outbox.draining = true;
                l.outbox.credit = 0;
            }
            for (RunningTask t : new ArrayList<>(held.values())) {
                Thread th = t.thread;
                MasterLink owner = route(t.ref.getJobId());
                if (th != null && callsExit(th)) {
                    // the task is taking the whole worker down: tell the master, it is the task's doing
                    log.atError().addKeyValue("job", t.ref.getJobId()).addKeyValue("task", t.ref.getIndex())
                            .addKeyValue("worker", options.name()).log("task called System.exit; reporting it to the master");
                    unhold(t.attemptId);
                    if (owner != null) {
                        owner.outbox.crashed.add(t.ref);
                    }
                } else if (!t.started) {
                    t.cancel();
                    if (owner != null) {
                        owner.outbox.released.add(t.ref);
                    }
                }
            }
            lock.notifyAll();
            waitFor(() -> held.isEmpty(), deadline);
            if (!held.isEmpty()) {
                log.atInfo().addKeyValue("worker", options.name())
                        .log("handing {} unfinished tasks back to the masters", held.size());
                for (RunningTask t : held.values()) {
                    t.cancel();
                    MasterLink owner = route(t.ref.getJobId());
                    if (owner != null) {
                        owner.outbox.released.add(t.ref);
                    }
                }
                lock.notifyAll();
            }
            waitFor(this::noResultAwaitsAConnectedMaster, System.currentTimeMillis() + 3000);
            all = new ArrayList<>(links.values());
            for (MasterLink l : all) {
                l.outbox.complete = true;
            }
            lock.notifyAll();
        }
        long streamsDeadline = System.currentTimeMillis() + 2000;
        try {
            for (MasterLink l : all) {
                l.awaitStreamEnd(Math.max(1, streamsDeadline - System.currentTimeMillis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        all.forEach(MasterLink::shutdown);
        taskPool.shutdownNow();
        timer.shutdownNow();
        healthServer.shutdownNow();
        try {
            for (MasterLink l : all) {
                l.awaitTermination(2000);
            }
            taskPool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channelExecutor.shutdownNow();
        healthExecutor.shutdownNow();
        probeExecutor.shutdownNow();
        cache.close();
        data.close(); // data grid
        try {
            workDirLock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
        log.atInfo().addKeyValue("worker", options.name()).log("worker stopped ({} tasks completed)", completedTasks());
        terminated.countDown();
    }

    /** Whether every result not acknowledged yet belongs to a master with no stream now. Guarded by {@code lock}. */
    private boolean noResultAwaitsAConnectedMaster() {
        for (TaskResult r : unacked.values()) {
            MasterLink owner = route(r.getRef().getJobId());
            if (owner != null && owner.connected()) {
                return false;
            }
        }
        return true;
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
