package io.gridwork.worker;

import io.gridwork.api.v1.Platform;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.internal.NamedThreads;
import io.gridwork.internal.tls.GridTrust;
import io.gridwork.internal.tls.TokenText;
import io.gridwork.worker.FromMaster.Probe;
import io.gridwork.worker.FromMaster.ProbeAnswer;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
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
 * <p>Structure: this class sets the worker up (work directory lock, certificate, health server, threads) and stops it;
 * the state and the decisions are the {@link WorkerCore}'s, on one thread (the {@link WorkerLoop}, with an injected
 * clock and a timer); the {@link MasterLink}s register, hold the streams and reconnect, on that loop too; the
 * {@link TaskRunner} runs tasks on the pool and the slots; the {@link CreditWindow} sizes the prefetch and shares the
 * credits.
 *
 * <p>{@link #close()} stops in one order: take no more tasks (every master is told the worker is draining),
 * hand back tasks not started, let running tasks finish for the drain timeout, hand back the rest, wait briefly
 * for the last results to be acknowledged, close the streams, then stop heartbeats and threads.
 */
public final class GridWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GridWorker.class);
    /** How long the closing thread waits for the last results to be acknowledged once no task runs. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(3);
    /** How long the closing thread waits for the masters to end the streams it completed. */
    private static final Duration STREAMS_END_TIMEOUT = Duration.ofSeconds(2);

    private final WorkerOptions options;
    private final HealthStatusManager health = new HealthStatusManager();
    private final FileChannel lockChannel;
    private final FileLock workDirLock;
    private final Clock clock;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    // set up once, in the constructor (after the work directory is locked)
    private ChannelCredentials masterCredentials;
    private ChannelCredentials peerCredentials;
    private ExecutorService channelExecutor;
    private ScheduledExecutorService timer;
    private ExecutorService loopExecutor;
    private WorkerLoop loop;
    private WorkerCore core;
    private JobCache cache;
    /** data grid: the data cache, PeerService, chunk fetches, orders and reports (io.gridwork.worker.data). */
    private io.gridwork.worker.data.DataPlane data;
    private TaskRunner runner;
    private Server healthServer;
    private ExecutorService healthExecutor;
    private ExecutorService probeExecutor;
    /** Idle owners (issue 19): the owner's policy, checked on its own thread; null without one. */
    private io.gridwork.worker.owner.OwnerWatch ownerWatch;
    private ScheduledExecutorService ownerExecutor;

    private GridWorker(WorkerOptions options, Clock clock) throws IOException {
        this.options = options;
        this.clock = clock;
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
            stopThreads();
            fileLock.release();
            lockChannel.close();
            throw e;
        }
    }

    private void setUp(WorkerOptions options) throws IOException {
        this.timer = Executors.newSingleThreadScheduledExecutor(new NamedThreads("gridwork-worker-timer", true));
        ServerCredentials healthCredentials;
        WorkerIdentity identity = null;
        if (options.insecure()) {
            masterCredentials = InsecureChannelCredentials.create();
            healthCredentials = InsecureServerCredentials.create();
            this.peerCredentials = InsecureChannelCredentials.create();
        } else {
            identity = identity(options, timer);
            masterCredentials = TlsChannelCredentials.newBuilder().keyManager(identity.keyManagers())
                    .trustManager(GridTrust.master(identity.ca())).build();
            // data grid (2): the health port asks callers for a grid certificate (PeerService demands one)
            healthCredentials = io.gridwork.worker.data.DataPlane.serverCredentials(identity.keyManagers(), identity.ca());
            this.peerCredentials = TlsChannelCredentials.newBuilder().trustManager(GridTrust.workers(identity.ca())).build();
        }
        this.channelExecutor = Executors.newFixedThreadPool(4, new NamedThreads("gridwork-worker-rpc", true));
        this.loopExecutor = Executors.newSingleThreadExecutor(new NamedThreads("gridwork-worker-loop", true));
        this.loop = new WorkerLoop(loopExecutor, timer, clock);
        Supplier<List<io.grpc.Channel>> jarSources = () -> {
            try {
                return loop.call(core::jarSources, options.callTimeout()).stream().map(MasterLink::channel).toList();
            } catch (IllegalStateException stopped) {
                return List.of();
            }
        };
        Supplier<String> workerId = () -> {
            try {
                return loop.call(core::workerId, options.callTimeout());
            } catch (IllegalStateException stopped) {
                return null;
            }
        };
        // data grid (1): the data cache under the work directory (its chunks go in the registrations)
        this.data = io.gridwork.worker.data.DataPlane.open(options.workDir(), options.dataCache(),
                identity == null ? null : identity.keyManagers(), identity == null ? null : identity.ca(), jarSources,
                workerId, options.callTimeout(), options.peerFetch());
        if (options.taskLogLimit() > 0) {
            TaskOutputCapture.install();
        }
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
        RegisterRequest registration = registrationTemplate();
        MasterLink.Factory links = (address, seed, host) -> new MasterLink(address, seed, masterChannel(address), loop,
                host, registration, options.reconnectBackoffMax().toMillis(), options.callTimeout().toMillis(), data);
        this.core = new WorkerCore(options, loop, links, this::probe, probeExecutor, stopping);
        core.dataReports(data::takeReport);
        this.cache = new JobCache(options.workDir().resolve("jars"), jarSources, options.callTimeout(),
                options.idleClassLoaders(), data); // data grid (6): jars with a jar_data_id come through it
        this.runner = new TaskRunner(options, cache, timer, clock, core.runnerListener(), data);
        core.attach(cache, runner);
        if (options.owner() != null) {
            io.gridwork.worker.owner.OwnerPolicy policy = ownerPolicy(options.owner());
            this.ownerExecutor = Executors.newSingleThreadScheduledExecutor(new NamedThreads("gridwork-owner", true));
            this.ownerWatch = new io.gridwork.worker.owner.OwnerWatch(policy, v -> loop.post(() -> core.owner(v)));
        }
    }

    /** Idle owners (issue 19): the policy of the owner's settings, on the machine's wall clock and time zone. */
    private static io.gridwork.worker.owner.OwnerPolicy ownerPolicy(WorkerOptions.OwnerSettings o) throws IOException {
        Clock wall = Clock.systemDefaultZone();
        io.gridwork.worker.owner.OwnerProbe probe = null;
        if (o.idleCommand() != null) {
            probe = io.gridwork.worker.owner.CommandProbe.of(o.idleCommand());
        } else if (o.whenIdle()) {
            if (!io.gridwork.worker.owner.LinuxActivityProbe.supported()) {
                throw new WorkerSetupException("--when-idle reads /proc/stat and /proc/self/stat, which this machine "
                        + "does not have: give the owner's own test with --idle-command");
            }
            probe = io.gridwork.worker.owner.LinuxActivityProbe.system(wall, o.idleLoad(), o.idleAfter());
        }
        java.util.function.LongSupplier cpu = () -> -1;
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            cpu = sun::getProcessCpuTime;
        } else if (o.maxCpuPercent() > 0) {
            throw new WorkerSetupException("--max-cpu-percent needs the process CPU time, which this JVM does not give");
        }
        return new io.gridwork.worker.owner.OwnerPolicy(probe, o.hours(), o.maxCpuPercent(), cpu,
                Runtime.getRuntime().availableProcessors(), wall);
    }

    /** A channel to a master, as every link has: keepalive, a bounded executor, messages up to 64 MiB. */
    private ManagedChannel masterChannel(String address) {
        return Grpc.newChannelBuilder(address, masterCredentials)
                .executor(channelExecutor)
                .keepAliveTime(10, TimeUnit.SECONDS)
                .keepAliveTimeout(5, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .maxInboundMessageSize(64 << 20)
                .build();
    }

    /** What every registration says of this worker; the core adds the tasks each master should hear about. */
    private RegisterRequest registrationTemplate() {
        return RegisterRequest.newBuilder()
                .setName(options.name())
                .setSlots(options.slots())
                .setPrefetch(options.autoPrefetch() ? WorkerOptions.AUTO_PREFETCH_MAX : options.prefetch())
                .setCostFactor(options.costFactor())
                .putAllLabels(options.labels())
                .setHealthPort(options.advertiseHealthPort() > 0 ? options.advertiseHealthPort() : healthPort())
                .setAdvertiseHost(options.advertiseHost() == null ? "" : options.advertiseHost())
                .setPlatform(platform())
                .build();
    }

    /**
     * This worker's certificate: the one in its work directory if it fits (same name, same grid, not about to
     * expire), else a new one from joining with the join token at the first master that answers (the masters of a
     * grid share one CA). Joining waits for a master if none is reachable: the attempts are scheduled on the timer,
     * with a backoff doubling up to the reconnect limit.
     */
    private static WorkerIdentity identity(WorkerOptions options, ScheduledExecutorService timer) throws IOException {
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
        CompletableFuture<WorkerIdentity> joined = new CompletableFuture<>();
        new Joiner(options, join, dir, timer, joined).attempt(200);
        try {
            return joined.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            joined.cancel(false);
            throw new IOException("interrupted while joining");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot join the grid: " + e.getCause(), e.getCause());
        }
    }

    /** Joining the grid: one round over the masters per attempt, the next attempt scheduled on the timer. */
    private record Joiner(WorkerOptions options, TokenText.Join join, Path dir, ScheduledExecutorService timer,
            CompletableFuture<WorkerIdentity> joined) {

        void attempt(long backoffMs) {
            timer.execute(() -> round(backoffMs));
        }

        private void round(long backoffMs) {
            if (joined.isDone()) {
                return; // given up (interrupted)
            }
            for (String master : options.masters()) {
                try {
                    WorkerIdentity identity = WorkerIdentity.join(master, options.name(), join, dir, options.callTimeout());
                    log.atInfo().addKeyValue("worker", options.name())
                            .log("joined the grid at {} as {}; certificate valid until {}", master, options.name(),
                                    identity.certificate().getNotAfter().toInstant());
                    joined.complete(identity);
                    return;
                } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
                        joined.completeExceptionally(new WorkerSetupException("cannot join the grid at " + master + ": "
                                + WorkerIdentity.describe(e)));
                        return;
                    }
                    log.warn("cannot reach the master at {} to join ({}); trying {}", master, WorkerIdentity.describe(e),
                            options.masters().size() > 1 ? "the next one" : "again");
                } catch (IOException | RuntimeException e) {
                    joined.completeExceptionally(e);
                    return;
                }
            }
            long next = Math.min(options.reconnectBackoffMax().toMillis(), backoffMs * 2);
            try {
                timer.schedule(() -> round(next), backoffMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                joined.completeExceptionally(new IOException("the worker stopped while joining"));
            }
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
        return start(options, WorkerLoop.monotonicClock());
    }

    /** As {@link #start(WorkerOptions)}, on the clock given (tests). */
    static GridWorker start(WorkerOptions options, Clock clock) throws IOException {
        GridWorker worker = new GridWorker(options, clock);
        if (worker.ownerWatch != null) {
            // the first check comes first; until it answers the worker takes nothing
            worker.ownerWatch.start(worker.ownerExecutor, options.owner().checkInterval());
        }
        worker.core.start();
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

    /** Asks the core on its loop; {@code otherwise} once the worker has stopped. */
    private <T> T ask(java.util.concurrent.Callable<T> question, T otherwise) {
        try {
            return loop.call(question, options.callTimeout());
        } catch (IllegalStateException stopped) {
            return otherwise;
        }
    }

    /** The id a master gave this worker (the first linked master's), once registered. */
    public String workerId() {
        return ask(core::workerId, null);
    }

    /** Whether the worker has a stream to at least one master now. */
    public boolean isConnected() {
        return !connectedMasters().isEmpty();
    }

    /** The addresses of the masters this worker has a stream to now. */
    public List<String> connectedMasters() {
        return ask(core::connectedMasters, List.of());
    }

    /** The addresses of the masters this worker holds a link to (connected or trying). */
    public List<String> linkedMasters() {
        return ask(core::linkedMasters, List.of());
    }

    /** Messages refused because they came from a master with an older lease epoch than their job's. */
    public long staleMessagesRefused() {
        return core.staleMessagesRefused();
    }

    /** Tasks held now (running or waiting for a slot). */
    public int heldTasks() {
        return core.heldTasks();
    }

    /** The most tasks this worker has held at once. */
    public int maxHeldTasks() {
        return core.maxHeldTasks();
    }

    /**
     * New attempts answered with the unacknowledged output of an earlier attempt of the same task (whose master
     * failed before storing it), instead of running the task again.
     */
    public long reusedResults() {
        return core.reusedResults();
    }

    /** Tasks this worker has finished with a result. */
    public long completedTasks() {
        return core.completedTasks();
    }

    /** Tasks this worker has finished with a failure (counted in {@link #completedTasks} too). */
    public long failedTasks() {
        return core.failedTasks();
    }

    /** Slots busy running a task now. */
    public int busySlots() {
        return runner.busySlots();
    }

    /**
     * Tasks it handed back unstarted because its prefetch window shrank (its tasks began to run long), since it
     * started.
     */
    public long givenBackTasks() {
        return core.givenBackTasks();
    }

    /** Tasks it asks the masters to keep ready beyond its slots now (its prefetch window). */
    public int prefetchWindow() {
        return core.prefetchWindow();
    }

    /** Idle owners: why the worker takes no tasks now because of its owner's policy ("" while it serves). */
    public String ownerBusyReason() {
        return core.ownerBusyReason();
    }

    /** Idle owners: running tasks it handed back because the owner came back, since it started. */
    public long vacatedTasks() {
        return core.vacatedTasks();
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

    /** Health-checks another worker for a master (the indirect path); on the probe executor. */
    private ProbeAnswer probe(Probe probe) {
        boolean reachable = false;
        String detail;
        ManagedChannel peer = null;
        try {
            peer = Grpc.newChannelBuilderForAddress(probe.host(), probe.port(), peerCredentials)
                    .executor(probeExecutor).build();
            HealthCheckResponse response = HealthGrpc.newBlockingStub(peer)
                    .withDeadlineAfter(Math.max(100, probe.timeoutMs()), TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            reachable = response.getStatus() == ServingStatus.SERVING;
            detail = reachable ? "serving" : "health " + response.getStatus();
        } catch (StatusRuntimeException e) {
            detail = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
                    ? "no answer within " + probe.timeoutMs() + " ms" : e.getStatus().getCode().toString();
        } catch (RuntimeException e) {
            detail = e.toString();
        } finally {
            if (peer != null) {
                peer.shutdownNow();
            }
        }
        return new ProbeAnswer(probe.probeId(), reachable, detail);
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
        List<MasterLink> all = List.of();
        try {
            await(loop.call(core::drain, options.callTimeout()), options.drainTimeout());
            await(loop.call(core::handBack, options.callTimeout()), SETTLE_TIMEOUT);
            all = loop.call(core::complete, options.callTimeout());
            long streamsDeadline = clock.millis() + STREAMS_END_TIMEOUT.toMillis();
            for (MasterLink l : all) {
                l.awaitStreamEnd(Math.max(1, streamsDeadline - clock.millis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            log.warn("worker stopping without its last steps: {}", e.getMessage());
        }
        all.forEach(MasterLink::shutdown);
        runner.shutdownNow();
        timer.shutdownNow();
        loopExecutor.shutdown();
        healthServer.shutdownNow();
        try {
            for (MasterLink l : all) {
                l.awaitTermination(2000);
            }
            runner.awaitTermination(2000);
            loopExecutor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopThreads();
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

    /** Waits for a step of stopping at most {@code limit}; past it, stopping goes on. */
    private static void await(CompletableFuture<Void> step, Duration limit) throws InterruptedException {
        try {
            step.get(Math.max(0, limit.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the limit passed: the next step hands back what is left
        }
    }

    /** Stops the threads set up (whichever exist: also after a failed start). */
    private void stopThreads() {
        if (ownerWatch != null) {
            ownerWatch.close();
        }
        for (ExecutorService e : new ExecutorService[] {timer, loopExecutor, channelExecutor, healthExecutor, probeExecutor,
                ownerExecutor}) {
            if (e != null) {
                e.shutdownNow();
            }
        }
        if (healthServer != null) {
            healthServer.shutdownNow();
        }
        if (data != null && terminated.getCount() > 0 && !stopping.get()) {
            data.close(); // a failed start: the data plane's threads and channels go too
        }
    }
}
