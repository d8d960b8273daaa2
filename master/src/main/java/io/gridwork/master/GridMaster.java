package io.gridwork.master;

import io.gridwork.internal.NamedThreads;
import io.gridwork.master.code.JarRepository;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.schedule.Schedules;
import io.gridwork.client.Credentials;
import io.gridwork.internal.tls.GridTrust;
import io.gridwork.internal.tls.TokenText;
import io.gridwork.master.model.Role;
import io.gridwork.master.rpc.HealthProber;
import io.gridwork.master.rpc.MasterServer;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.CertificateAuthority;
import io.gridwork.master.security.Principal;
import io.gridwork.master.security.TokenRegistry;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
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
    /** The file in the data directory with the dashboard's port, when it serves one. */
    public static final String HTTP_PORT_FILE = "http.port";

    private final MasterOptions options;
    private final Store store;
    /** This master's lock on its data directory, held from the start to the end of {@link #close()}. */
    private final DataDirectoryLock dataDirLock;
    private final ExecutorService loop;
    private final ScheduledExecutorService timer;
    private final ExecutorService jobCode;
    private final ExecutorService probes;
    /** The data grid (its jobs' counters are flushed at close). */
    private final io.gridwork.master.data.DataGrid dataGrid;
    private final ExecutorService clientCalls;
    private final ExecutorService workerCalls;
    private final Scheduler scheduler;
    private final Schedules schedules;
    private final MasterServer server;
    private final io.gridwork.master.http.Console console;
    private final io.gridwork.master.ha.Membership membership;
    private volatile boolean closed;
    private Path credentialsFile;

    private GridMaster(MasterOptions options) throws IOException {
        this.options = options;
        Path dataDir = Files.createDirectories(options.dataDir());
        Clock clock = Clock.systemUTC();
        // the directory's own lock first: a second master on it is told at once (H2's lock would take about 30 s)
        this.dataDirLock = DataDirectoryLock.acquire(dataDir); // fails with DataDirectoryInUseException
        try {
            this.store = Store.open(options.store()); // fails with StoreUnavailableException or StoreSchemaException
        } catch (RuntimeException e) {
            dataDirLock.close();
            throw e;
        }
        boolean started = false;
        ExecutorService loopPool = null;
        ScheduledExecutorService timerPool = null;
        ExecutorService codePool = null;
        ExecutorService probePool = null;
        io.gridwork.master.data.DataGrid dataGrid = null;
        ExecutorService clientPool = null;
        ExecutorService workerPool = null;
        Scheduler core = null;
        Schedules plans = null;
        MasterServer rpc = null;
        io.gridwork.master.http.Console web = null;
        io.gridwork.master.ha.Membership members = null;
        try {
            JarRepository jars = new JarRepository(dataDir.resolve("jars"), store.jars(), clock, options.maxJarBytes());
            dataGrid = new io.gridwork.master.data.DataGrid(store.dataSets(),
                    new io.gridwork.master.data.DataFiles(dataDir.resolve("data")),
                    new io.gridwork.master.data.DataTracker(), clock);
            loopPool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                    new NamedThreads("gridwork-scheduler", true));
            timerPool = Executors.newScheduledThreadPool(1, new NamedThreads("gridwork-timer", true));
            codePool = new ThreadPoolExecutor(0, 64, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                    new NamedThreads("gridwork-jobcode", true));
            probePool = Executors.newFixedThreadPool(2, new NamedThreads("gridwork-probe", true));
            // one pool per gRPC service: worker streams (heartbeats) never wait behind client calls
            clientPool = Executors.newFixedThreadPool(options.rpcThreads(), new NamedThreads("gridwork-rpc-client", true));
            workerPool = Executors.newFixedThreadPool(options.rpcThreads(), new NamedThreads("gridwork-rpc-worker", true));
            CertificateAuthority ca = null;
            ServerCredentials serverCredentials;
            ChannelCredentials probeCredentials;
            ChannelCredentials peerCredentials;
            if (options.insecure()) {
                serverCredentials = InsecureServerCredentials.create();
                probeCredentials = InsecureChannelCredentials.create();
                peerCredentials = InsecureChannelCredentials.create();
            } else {
                ca = CertificateAuthority.open(dataDir.resolve("tls"), options.tlsNames(), store.masterInfo());
                serverCredentials = TlsServerCredentials.newBuilder()
                        .keyManager(ca.masterKeyManagers())
                        .trustManager(GridTrust.workers(ca.certificate()))
                        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                        .build();
                probeCredentials = TlsChannelCredentials.newBuilder().trustManager(GridTrust.workers(ca.certificate())).build();
                peerCredentials = TlsChannelCredentials.newBuilder().trustManager(GridTrust.master(ca.certificate())).build();
            }
            core = new Scheduler(options.scheduler(), store, jars, clock, loopPool, timerPool, codePool,
                    new HealthProber(probeCredentials, probePool));
            core.dataSets(dataGrid);
            io.gridwork.master.http.MasterMetrics metrics = null;
            io.micrometer.core.instrument.MeterRegistry meters;
            java.util.concurrent.atomic.AtomicReference<io.gridwork.master.ha.Membership> self =
                    new java.util.concurrent.atomic.AtomicReference<>();
            if (options.httpPort() != MasterOptions.HTTP_OFF) {
                metrics = new io.gridwork.master.http.MasterMetrics();
                core.metrics(metrics.core());
                meters = metrics.core().registry();
            } else {
                meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            }
            io.gridwork.master.ha.Membership.Identity identity = new io.gridwork.master.ha.Membership.Identity() {
                @Override
                public String id() {
                    return store.masterId();
                }

                @Override
                public long epoch() {
                    return store.epoch();
                }

                @Override
                public void rejoin() {
                    store.rejoin();
                }
            };
            io.gridwork.master.ha.GrpcPeerPinger pinger = new io.gridwork.master.ha.GrpcPeerPinger(peerCredentials,
                    () -> self.get().peerSecret(), () -> self.get().pingRequest());
            java.util.concurrent.atomic.AtomicReference<Schedules> planned = new java.util.concurrent.atomic.AtomicReference<>();
            members = new io.gridwork.master.ha.Membership(store.masters(), core, identity,
                    new io.gridwork.master.ha.Membership.Settings(options.standby(), options.leaseRenewInterval(),
                            options.leaseTimeout(), options.peerPingInterval()),
                    pinger, clock, meters, () -> {
                        Schedules p = planned.get();
                        if (p != null) {
                            p.activate();
                        }
                        log.info("promoted from standby: this master runs jobs and fires schedules now");
                    });
            self.set(members);
            io.gridwork.master.read.ReadModel read = new io.gridwork.master.read.ReadModel(core, store, clock, members);
            if (metrics != null) {
                metrics.bind(read);
                metrics.bindData(dataGrid);
            }
            // the identity first: the scheduler adopts the jobs of masters that are gone, or nothing as a standby
            members.prepare();
            core.start();
            plans = Schedules.start(core, store, clock, options.standby());
            planned.set(plans);
            if (!members.standby() && plans.inStandby()) {
                plans.activate(); // promoted while the schedules were starting
            }
            TokenRegistry tokens = new TokenRegistry(store.tokens(), clock);
            Audit audit = new Audit(store.audit(), clock);
            rpc = MasterServer.start(options, core, plans, jars, clock, serverCredentials, tokens, audit, ca,
                    new MasterServer.Executors(clientPool, workerPool),
                    new MasterServer.Peers(members, members, store.jobs(), peerCredentials), dataGrid);
            // data grid: the ring follows the workers' states (on the probe pool: a worker event never waits for it)
            Scheduler watched = core;
            Runnable changed = dataGrid.follower(() -> watched.workers(false), probePool);
            timerPool.scheduleWithFixedDelay(dataGrid::flushCounters, 1, 1, TimeUnit.SECONDS);
            core.watchWorkers(0, event -> changed.run());
            if (ca != null) {
                credentialsFile = writeCredentials(dataDir, rpc.port(), ca, tokens, audit);
            }
            if (metrics != null) {
                web = io.gridwork.master.http.Console.start(options.bindHost(), options.httpPort(),
                        ca == null ? null : ca.masterKeyManagers(), read, core,
                        tokens, audit, metrics);
                web.dataGrid(dataGrid);
                Files.writeString(dataDir.resolve(HTTP_PORT_FILE), Integer.toString(web.port()) + "\n", StandardCharsets.UTF_8);
            }
            String address = advertisedAddress(options, rpc.port());
            String host = address.substring(0, Math.max(0, address.lastIndexOf(':')));
            members.join(address, web == null ? "" : host + ":" + web.port());
            if (web != null) {
                // the address to open, not the one bound: 0.0.0.0 is no address for a browser
                log.info("dashboard at {}://{}:{}/", web.scheme(), host, web.port());
            }
            members.start();
            // written last: once it is there, the master serves, its credentials file is written and its dashboard up
            Files.writeString(dataDir.resolve(PORT_FILE), Integer.toString(rpc.port()) + "\n", StandardCharsets.UTF_8);
            started = true;
        } finally {
            if (!started) {
                if (members != null) {
                    members.close();
                }
                if (web != null) {
                    web.close();
                }
                if (rpc != null) {
                    rpc.close();
                }
                if (plans != null) {
                    plans.close();
                }
                if (core != null) {
                    core.close();
                }
                shutdown(loopPool);
                shutdown(timerPool);
                shutdown(codePool);
                shutdown(probePool);
                shutdown(clientPool);
                shutdown(workerPool);
                store.close();
                dataDirLock.close();
            }
        }
        this.loop = loopPool;
        this.timer = timerPool;
        this.jobCode = codePool;
        this.probes = probePool;
        this.clientCalls = clientPool;
        this.workerCalls = workerPool;
        this.scheduler = core;
        this.schedules = plans;
        this.server = rpc;
        this.console = web;
        this.membership = members;
        this.dataGrid = dataGrid;
    }

    /** The address other masters and workers reach this one at: the one advertised, else this host and the port. */
    static String advertisedAddress(MasterOptions options, int port) {
        if (options.advertiseAddress() != null && !options.advertiseAddress().isBlank()) {
            return options.advertiseAddress();
        }
        String bind = options.bindHost();
        if (bind != null && !bind.isBlank() && !"0.0.0.0".equals(bind) && !"::".equals(bind)) {
            return (bind.contains(":") ? "[" + bind + "]" : bind) + ":" + port;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName() + ":" + port;
        } catch (java.io.IOException e) {
            return "localhost:" + port;
        }
    }

    /**
     * The grid's masters as this one sees them (for the RPC layer's ListMasters, forwarding and standby refusals, and
     * the dashboard); null on a store without masters' rows (until the ha-store branch is merged).
     */
    public io.gridwork.master.ha.MasterDirectory directory() {
        return membership;
    }

    /** The membership, for the RPC layer's {@code MasterService.Ping} ({@link io.gridwork.master.ha.Membership#onPing}). */
    public io.gridwork.master.ha.Membership membership() {
        return membership;
    }

    /** Opens the store in the data directory, resumes unfinished jobs and starts serving. */
    public static GridMaster start(MasterOptions options) throws IOException {
        if (options.insecure()) {
            log.warn("INSECURE: plaintext connections and NO authentication: anyone who can reach this master can run "
                    + "code on every worker. Use --insecure only on a trusted, private network.");
        }
        GridMaster master = new GridMaster(options);
        log.info("Gridwork master listening on {}:{} ({}; data in {}; store {})", options.bindHost(), master.port(),
                options.insecure() ? "insecure" : "TLS", options.dataDir().toAbsolutePath(),
                withoutPassword(options.store().jdbcUrl()));
        return master;
    }

    /** A JDBC URL for the log: a password given in it ({@code ?password=...}, {@code ;PASSWORD=...}) is masked. */
    static String withoutPassword(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /**
     * On first start (no token exists yet): an admin token and a join token for workers on this machine, written
     * with the CA into {@code DATA/credentials}. On later starts the file's master address is brought up to date.
     */
    private static Path writeCredentials(Path dataDir, int port, CertificateAuthority ca, TokenRegistry tokens, Audit audit)
            throws IOException {
        Path file = dataDir.resolve(Credentials.FILE_NAME);
        String address = "localhost:" + port;
        String comment = "Gridwork admin credentials for the master in " + dataDir.toAbsolutePath();
        if (tokens.isEmpty()) {
            TokenRegistry.Created admin = tokens.create("admin", Role.ADMIN, java.time.Duration.ZERO, "the master, at first start");
            TokenRegistry.Created join = tokens.create("local-workers", Role.WORKER, java.time.Duration.ZERO,
                    "the master, at first start");
            Principal master = new Principal(Principal.Kind.TOKEN, Role.ADMIN, "master");
            audit.record(master, "token.create", "admin (" + admin.token().id() + ")", "role admin, at first start");
            audit.record(master, "token.create", "local-workers (" + join.token().id() + ")", "role worker, at first start");
            String joinText = new TokenText.Join(ca.fingerprint(), TokenText.token(join.secret())).toString();
            new Credentials(address, admin.secret(), ca.certificate(), joinText).write(file, comment, true);
            log.info("admin credentials (an admin token, a join token for local workers, the CA) written to {}", file);
        } else if (Files.exists(file)) {
            Credentials existing = Credentials.read(file);
            if (!existing.master().map(address::equals).orElse(false)) {
                existing.withMaster(address).write(file, comment, true);
            }
            log.info("admin credentials in {}; CA fingerprint {}", file, ca.fingerprint());
        } else {
            log.info("CA fingerprint {} (no credentials file: manage tokens with an admin token)", ca.fingerprint());
        }
        return file;
    }

    /** The credentials file the master wrote (null on an insecure master). */
    public Path credentialsFile() {
        return credentialsFile;
    }

    /** The dashboard's port, or -1 if it serves none. */
    public int httpPort() {
        return console == null ? -1 : console.port();
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
        if (console != null) {
            console.close();
        }
        schedules.close();
        scheduler.close();
        if (membership != null) {
            membership.close(); // after the journal closed: LEFT, the others adopt what is unfinished at once
        }
        server.close();
        shutdown(clientCalls);
        shutdown(workerCalls);
        shutdown(jobCode);
        shutdown(probes);
        shutdown(timer);
        shutdown(loop);
        dataGrid.flushCounters(); // the last second's data counters, before the store closes
        store.close();
        dataDirLock.close();
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
