package io.gridwork.master;

import io.gridwork.internal.NamedThreads;
import io.gridwork.master.code.JarRepository;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.rpc.HealthProber;
import io.gridwork.master.rpc.MasterServer;
import io.grpc.InsecureChannelCredentials;
import io.gridwork.master.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Gridwork master: its store, its scheduler and its gRPC server.
 *
 * <pre>{@code
 * try (GridMaster master = GridMaster.start(MasterOptions.builder().port(0).dataDir(dir).build())) {
 *     System.out.println("listening on " + master.port());
 *     master.awaitTermination();
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops in one order: the health service says NOT_SERVING, the server takes no new calls,
 * the scheduler tells the workers and commits what is queued, calls drain (5 s at most), the store closes.
 */
public final class GridMaster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GridMaster.class);
    /** The file in the data directory that holds the port the master listens on. */
    public static final String PORT_FILE = "master.port";

    private final MasterOptions options;
    private final Store store;
    private final ExecutorService loop;
    private final ScheduledExecutorService timer;
    private final ExecutorService jobCode;
    private final ExecutorService probes;
    private final Scheduler scheduler;
    private final MasterServer server;
    private volatile boolean closed;

    private GridMaster(MasterOptions options) throws IOException {
        this.options = options;
        Path dataDir = Files.createDirectories(options.dataDir());
        Clock clock = Clock.systemUTC();
        this.store = Store.open(dataDir);
        boolean started = false;
        ExecutorService loopPool = null;
        ScheduledExecutorService timerPool = null;
        ExecutorService codePool = null;
        ExecutorService probePool = null;
        Scheduler core = null;
        MasterServer rpc = null;
        try {
            JarRepository jars = new JarRepository(dataDir.resolve("jars"), store, clock, options.maxJarBytes());
            loopPool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                    new NamedThreads("gridwork-scheduler", true));
            timerPool = Executors.newScheduledThreadPool(1, new NamedThreads("gridwork-timer", true));
            codePool = new ThreadPoolExecutor(0, 64, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                    new NamedThreads("gridwork-jobcode", true));
            probePool = Executors.newFixedThreadPool(2, new NamedThreads("gridwork-probe", true));
            core = new Scheduler(options.scheduler(), store, jars, clock, loopPool, timerPool, codePool,
                    new HealthProber(InsecureChannelCredentials.create(), probePool));
            core.start();
            rpc = MasterServer.start(options, core, jars, clock);
            Files.writeString(dataDir.resolve(PORT_FILE), Integer.toString(rpc.port()) + "\n", StandardCharsets.UTF_8);
            started = true;
        } finally {
            if (!started) {
                if (rpc != null) {
                    rpc.close();
                }
                if (core != null) {
                    core.close();
                }
                shutdown(loopPool);
                shutdown(timerPool);
                shutdown(codePool);
                shutdown(probePool);
                store.close();
            }
        }
        this.loop = loopPool;
        this.timer = timerPool;
        this.jobCode = codePool;
        this.probes = probePool;
        this.scheduler = core;
        this.server = rpc;
    }

    /** Opens the store in the data directory, resumes unfinished jobs and starts serving. */
    public static GridMaster start(MasterOptions options) throws IOException {
        GridMaster master = new GridMaster(options);
        log.info("Gridwork master listening on {}:{} (data in {})", options.bindHost(), master.port(),
                options.dataDir().toAbsolutePath());
        return master;
    }

    /** The port the master listens on. */
    public int port() {
        return server.port();
    }

    public MasterOptions options() {
        return options;
    }

    /** Blocks until the master is closed. */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Stops the master; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Gridwork master stopping");
        server.stopAccepting();
        scheduler.close();
        server.close();
        shutdown(jobCode);
        shutdown(probes);
        shutdown(timer);
        shutdown(loop);
        store.close();
        log.info("Gridwork master stopped");
    }

    private static void shutdown(ExecutorService pool) {
        if (pool == null) {
            return;
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
