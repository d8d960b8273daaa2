package io.gridwork.master.ha;

import io.gridwork.api.v1.MasterInfo;
import io.gridwork.api.v1.PingRequest;
import io.gridwork.api.v1.PingResponse;
import io.gridwork.master.core.Messages;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.MasterEventRow;
import io.gridwork.master.store.MasterRepository;
import io.gridwork.master.store.MasterRow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This master's membership of the grid: its row and lease in the shared store, the failure detector of the other
 * masters ({@link PeerDetector}), takeovers, and stepping down when fenced. The {@link MasterDirectory} that the RPC
 * layer, the dashboard and the workers' streams read.
 *
 * <p>Two threads of its own, never the scheduler's loop: the <em>lease</em> thread renews the lease every
 * {@code leaseRenewInterval} (nothing else, so a slow check never delays a renewal); the <em>detector</em> thread
 * reads the masters from the store and pings every live peer every {@code peerPingInterval}, runs the checks the
 * detector asks for, takes over failed masters' jobs, and steps down when the renewal or a journal commit says this
 * master was fenced.
 *
 * <p>Several survivors may conclude the same master dead: {@link MasterRepository#takeOver} is atomic, the first
 * takes all its jobs, the others get nothing (no split).
 */
public final class Membership implements MasterDirectory, PingHandler, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    /** This master's identity in the store: new at every start, and after stepping down. */
    public interface Identity {
        String id();

        long epoch();

        /** A new id and epoch (after being fenced). */
        void rejoin();
    }

    /** Timings. */
    public record Settings(boolean standby, Duration leaseRenewInterval, Duration leaseTimeout,
            Duration peerPingInterval) {}

    private final MasterRepository repo;
    private final Scheduler scheduler;
    private final Identity identity;
    private final Settings settings;
    private final PeerPinger pinger;
    private final Clock clock;
    private final PeerDetector detector;
    private final Runnable onPromoted;
    private final ScheduledExecutorService leaseThread;
    private final ScheduledExecutorService detectorThread;
    private final Set<String> pinging = new HashSet<>(); // detector thread
    private final Counter takeovers;
    private final Timer takeoverTime;
    private volatile String selfId;
    private volatile long selfEpoch;
    private volatile boolean standby;
    private volatile boolean closed;
    private volatile boolean steppingDown;
    private volatile List<MasterRow> rows = List.of();
    private volatile Map<String, String> views = Map.of();
    private volatile String secret;
    private volatile String address = "";
    private volatile String httpAddress = "";
    private List<Messages.MasterEndpoint> lastEndpoints = List.of();
    private long renewFailures;

    /**
     * @param onPromoted runs when this standby takes over an active master (activate the schedules' Quartz)
     */
    public Membership(MasterRepository repo, Scheduler scheduler, Identity identity, Settings settings, PeerPinger pinger,
            Clock clock, MeterRegistry meters, Runnable onPromoted) {
        this.repo = repo;
        this.scheduler = scheduler;
        this.identity = identity;
        this.settings = settings;
        this.pinger = pinger;
        this.clock = clock;
        this.onPromoted = onPromoted;
        this.detector = new PeerDetector(settings.peerPingInterval(), settings.leaseTimeout());
        this.selfId = identity.id();
        this.selfEpoch = identity.epoch();
        this.standby = settings.standby();
        this.leaseThread = Executors.newSingleThreadScheduledExecutor(daemon("gridwork-lease"));
        this.detectorThread = Executors.newSingleThreadScheduledExecutor(daemon("gridwork-peers"));
        this.takeovers = Counter.builder("gridwork.master.takeovers").description("failed masters taken over by this one")
                .register(meters);
        this.takeoverTime = Timer.builder("gridwork.master.takeover")
                .description("from a failed master's first missed ping to its jobs resumed here")
                .publishPercentiles(0.5, 0.99).register(meters);
        for (String state : List.of("ACTIVE", "STANDBY")) {
            Gauge.builder("gridwork.master.state", () -> state.equals(standby ? "STANDBY" : "ACTIVE") ? 1 : 0)
                    .tag("state", state).description("this master's state (1 for the current one)").register(meters);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Hands the scheduler this master's identity and how it hears of fencing; call before the scheduler starts (it
     * then adopts the jobs of masters that are gone, or nothing as a standby).
     */
    public void prepare() {
        scheduler.membership(repo, selfId, selfEpoch, settings.leaseTimeout(), standby);
        scheduler.activeMasters(this::describeActive);
        // stepping down runs on the detector thread, like takeovers, so the two never overlap
        scheduler.onFenced(() -> detectorThread.execute(() -> stepDown("a journal commit was fenced")));
    }

    /**
     * Joins the store: a row with this master's addresses (host:port; the dashboard's, or empty), and its lease. The
     * threads start with {@link #start()}.
     */
    public void join(String address, String httpAddress) {
        this.address = address;
        this.httpAddress = httpAddress == null ? "" : httpAddress;
        secret = repo.peerSecret();
        repo.join(selfId, address, this.httpAddress, standby, selfEpoch);
        record("JOINED", selfId, selfId, 0, 0, (standby ? "standby" : "active") + " at " + address + ", epoch "
                + selfEpoch);
    }

    /** Starts renewing the lease and watching the peers. */
    public void start() {
        long renew = settings.leaseRenewInterval().toMillis();
        leaseThread.scheduleWithFixedDelay(this::renew, renew, renew, TimeUnit.MILLISECONDS);
        long ping = settings.peerPingInterval().toMillis();
        detectorThread.scheduleWithFixedDelay(this::round, 0, ping, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------------------------------ the lease

    void renew() {
        if (closed || steppingDown) {
            return;
        }
        try {
            boolean ok = repo.renew(selfId, standby ? "STANDBY" : "ACTIVE");
            renewFailures = 0;
            if (!ok) {
                detectorThread.execute(() -> stepDown("its lease renewal was refused: another master declared it dead"));
            }
        } catch (RuntimeException e) {
            if (renewFailures++ % 20 == 0) {
                log.warn("could not renew the lease of master {}: {}", selfId, e.getMessage());
            }
        }
    }

    /**
     * Fenced: drops every job without a write, closes every worker stream, takes a new identity and rejoins as an
     * active master with no jobs (a standby stays a standby). Runs on the detector thread, as takeovers do.
     */
    void stepDown(String why) {
        if (closed || steppingDown) {
            return;
        }
        steppingDown = true;
        String old = selfId;
        try {
            log.warn("master {} was fenced ({}): stepping down", old, why);
            List<String> dropped = scheduler.stepDown(why);
            identity.rejoin();
            selfId = identity.id();
            selfEpoch = identity.epoch();
            repo.join(selfId, address, httpAddress, standby, selfEpoch);
            scheduler.rejoined(selfId, selfEpoch);
            scheduler.membership(repo, selfId, selfEpoch, settings.leaseTimeout(), standby);
            record("STEPPED_DOWN", old, selfId, dropped.size(), 0, why + "; dropped " + dropped.size()
                    + " jobs, rejoined as " + selfId + " at epoch " + selfEpoch);
        } catch (RuntimeException e) {
            log.error("stepping down failed; retrying with the next renewal: {}", e.toString());
            steppingDown = false;
            detectorThread.schedule(() -> stepDown(why), settings.leaseRenewInterval().toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        steppingDown = false;
    }

    // ------------------------------------------------------------------------------------------ the peers

    /** One detector round: the masters as stored, then a ping of every live peer. */
    void round() {
        if (closed || steppingDown) {
            return;
        }
        try {
            List<MasterRow> now = repo.all();
            rows = now;
            apply(detector.rows(now, selfId));
            publishViews();
            announceMasters(now);
        } catch (RuntimeException e) {
            log.debug("could not read the masters from the store: {}", e.toString());
        }
        Map<String, MasterRow> byId = byId();
        for (String peer : detector.peers()) {
            MasterRow row = byId.get(peer);
            if (row == null || !pinging.add(peer)) {
                continue; // its last ping is still out
            }
            pinger.ping(row.address(), pingDeadline()).whenComplete((ok, error) ->
                    detectorThread.execute(() -> {
                        pinging.remove(peer);
                        apply(detector.pinged(peer, Boolean.TRUE.equals(ok), clock.instant()));
                    }));
        }
    }

    /**
     * How long a ping may take: three intervals, at least 500 ms. A killed peer refuses the connection at once, so
     * this does not slow its detection; it keeps a slow first TLS handshake or a busy machine from counting as a miss.
     */
    Duration pingDeadline() {
        Duration three = settings.peerPingInterval().multipliedBy(3);
        return three.compareTo(Duration.ofMillis(500)) < 0 ? Duration.ofMillis(500) : three;
    }

    private Map<String, MasterRow> byId() {
        Map<String, MasterRow> m = new HashMap<>();
        rows.forEach(r -> m.put(r.id(), r));
        return m;
    }

    /** Carries out the detector's verdicts (on the detector thread). */
    void apply(List<PeerDetector.Verdict> verdicts) {
        for (PeerDetector.Verdict v : verdicts) {
            try {
                if (v instanceof PeerDetector.Verdict.Changed c) {
                    record(c.event(), c.peer(), selfId, 0, 0, c.reason());
                    publishViews();
                } else if (v instanceof PeerDetector.Verdict.Check c) {
                    detectorThread.schedule(() -> check(c.peer(), c.token()), c.after().toMillis(), TimeUnit.MILLISECONDS);
                } else if (v instanceof PeerDetector.Verdict.TakeOver t) {
                    takeOver(t);
                } else if (v instanceof PeerDetector.Verdict.AdoptOrphans o) {
                    adoptOrphans(o);
                }
            } catch (RuntimeException e) {
                log.warn("acting on the failure detector's {} failed: {}", v, e.toString());
            }
        }
    }

    /** Checks a peer over the other paths: the store, then the workers (asynchronously). */
    private void check(String peer, long token) {
        if (closed) {
            return;
        }
        Optional<MasterRow> row;
        boolean session;
        try {
            row = repo.find(peer);
            session = repo.sessionAlive(peer);
        } catch (RuntimeException e) {
            log.debug("could not check master {} in the store: {}", peer, e.toString());
            detectorThread.schedule(() -> check(peer, token), settings.peerPingInterval().toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        boolean sessionAlive = session;
        HostPort hp = row.map(r -> HostPort.parse(r.address())).orElse(null);
        java.util.concurrent.CompletableFuture<Optional<Boolean>> viaWorkers = hp == null
                ? java.util.concurrent.CompletableFuture.completedFuture(Optional.empty())
                : scheduler.probeViaWorkers(hp.host(), hp.port(), settings.peerPingInterval());
        viaWorkers.whenComplete((reached, error) -> detectorThread.execute(() -> {
            PeerDetector.Evidence e = new PeerDetector.Evidence(row.isPresent(), row.map(MasterRow::state).orElse(""),
                    row.map(MasterRow::leaseAgeMs).orElse(Long.MAX_VALUE), sessionAlive,
                    reached == null ? Optional.empty() : reached);
            apply(detector.checked(peer, token, e, clock.instant()));
        }));
    }

    /** Site failure: claim the peer's jobs in the store (atomic), resume them, tell the workers. */
    private void takeOver(PeerDetector.Verdict.TakeOver t) {
        MasterRow failed = byId().get(t.peer());
        Optional<List<JobRow>> got = repo.takeOver(t.peer(), selfId, selfEpoch, settings.leaseTimeout(), t.sessionGone());
        if (got.isEmpty()) {
            log.info("master {} looked failed ({}), but the claim lost: it renewed its lease or another master took "
                    + "it over first", t.peer(), t.reason());
            return;
        }
        boolean peerWasActive = failed == null || !"STANDBY".equals(failed.state());
        resume(t.peer(), got.get(), peerWasActive, t.firstMiss(), t.reason());
    }

    /** A peer that left (or died) still owns jobs: adopt them at once. */
    private void adoptOrphans(PeerDetector.Verdict.AdoptOrphans o) {
        if (standby && rows.stream().anyMatch(r -> !r.id().equals(selfId) && "ACTIVE".equals(r.state()))) {
            return; // an active master adopts them
        }
        List<JobRow> got = repo.adoptOrphans(selfId, selfEpoch, settings.leaseTimeout());
        if (!got.isEmpty()) {
            resume(o.peer(), got, true, clock.instant(), "it is " + o.storedState() + " and owned " + o.jobs()
                    + " unfinished jobs");
        }
    }

    private void resume(String from, List<JobRow> jobs, boolean peerWasActive, Instant since, String reason) {
        if (standby && peerWasActive) {
            standby = false;
            scheduler.promote();
            try {
                repo.renew(selfId, "ACTIVE");
            } catch (RuntimeException e) {
                log.warn("could not store this master's promotion at once: {}", e.toString());
            }
            onPromoted.run();
            record("PROMOTED", selfId, selfId, jobs.size(), 0, "the standby took over active master " + from);
        }
        int resumed = scheduler.takeOver(from, address, jobs);
        long ms = Math.max(0, Duration.between(since, clock.instant()).toMillis());
        takeovers.increment();
        takeoverTime.record(ms, TimeUnit.MILLISECONDS);
        record("TAKEOVER", from, selfId, jobs.size(), ms, reason + "; " + resumed + " jobs resumed");
    }

    private void publishViews() {
        Map<String, String> m = new HashMap<>();
        for (String peer : detector.peers()) {
            detector.view(peer).ifPresent(v -> m.put(peer, v));
        }
        views = Map.copyOf(m);
    }

    /** Sends the workers the live masters when they changed. */
    private void announceMasters(List<MasterRow> now) {
        List<Messages.MasterEndpoint> live = now.stream()
                .filter(r -> "ACTIVE".equals(r.state()) || "STANDBY".equals(r.state()))
                .map(r -> new Messages.MasterEndpoint(r.id(), r.address(), "STANDBY".equals(r.state()), r.epoch()))
                .sorted(Comparator.comparing(Messages.MasterEndpoint::id))
                .collect(Collectors.toList());
        if (!live.equals(lastEndpoints)) {
            lastEndpoints = live;
            scheduler.masters(live);
        }
    }

    private void record(String type, String masterId, String by, long jobs, long durationMs, String detail) {
        if (!"LINK_FAILED".equals(type) && !"TAKEOVER".equals(type) && !"STEPPED_DOWN".equals(type)) {
            log.info("master {}: {} ({})", masterId, type, detail);
        } else {
            log.warn("master {}: {} by {} ({})", masterId, type, by, detail);
        }
        try {
            repo.record(new MasterEventRow(0, clock.instant(), type, masterId, by, jobs, durationMs, detail));
        } catch (RuntimeException e) {
            log.warn("could not store the master event {}: {}", type, e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------ pings from peers

    /** What to answer a peer's {@code MasterService.Ping} (the RPC layer checks the peer secret first). */
    public PingResponse onPing(PingRequest request) {
        return PingResponse.newBuilder().setId(selfId).setEpoch(selfEpoch)
                .setState(standby ? MasterInfo.State.STANDBY : MasterInfo.State.ACTIVE)
                .setWorkers(scheduler.connectedWorkers()).build();
    }

    /** What this master says of itself in its pings. */
    public PingRequest pingRequest() {
        return PingRequest.newBuilder().setFromId(selfId).setFromEpoch(selfEpoch).setFromAddress(address)
                .setStandby(standby).build();
    }

    // ------------------------------------------------------------------------------------------ the directory

    @Override
    public String selfId() {
        return selfId;
    }

    @Override
    public long selfEpoch() {
        return selfEpoch;
    }

    @Override
    public boolean standby() {
        return standby;
    }

    @Override
    public List<Peer> masters() {
        Map<String, String> seen = views;
        String self = selfId;
        List<Peer> out = new ArrayList<>();
        boolean selfListed = false;
        for (MasterRow r : rows) {
            boolean isSelf = r.id().equals(self);
            selfListed |= isSelf;
            String state = r.state();
            if (isSelf) {
                state = standby ? "STANDBY" : "ACTIVE";
            } else if (("ACTIVE".equals(state) || "STANDBY".equals(state)) && seen.containsKey(r.id())
                    && !"ACTIVE".equals(seen.get(r.id()))) {
                state = seen.get(r.id());
            }
            out.add(new Peer(r.id(), r.address(), r.httpAddress(), state, r.epoch(), r.jobs(), r.leaseAgeMs(),
                    r.startedAt(), isSelf));
        }
        if (!selfListed) {
            out.add(new Peer(self, address, httpAddress, standby ? "STANDBY" : "ACTIVE", selfEpoch,
                    0, 0, null, true));
        }
        out.sort(Comparator.comparing((Peer p) -> !p.live()));
        return out;
    }

    @Override
    public Optional<Peer> master(String id) {
        return masters().stream().filter(p -> p.id().equals(id)).findFirst();
    }

    @Override
    public List<Event> events(int limit) {
        return repo.events(limit).stream().map(e -> new Event(e.seq(), e.at(), e.type(), e.masterId(), e.byMasterId(),
                e.jobs(), e.durationMs(), e.detail())).collect(Collectors.toList());
    }

    @Override
    public String peerSecret() {
        String s = secret;
        return s != null ? s : (secret = repo.peerSecret());
    }

    /** The addresses of the active masters, for a standby's refusals. */
    String describeActive() {
        String active = rows.stream().filter(r -> "ACTIVE".equals(r.state()) && !r.id().equals(selfId))
                .map(MasterRow::address).collect(Collectors.joining(", "));
        return active.isEmpty() ? "none live now" : active;
    }

    /**
     * Leaves the grid cleanly: stops renewing and watching, and marks this master LEFT (its unfinished jobs are then
     * orphans the others adopt at once). Call after the scheduler's journal has closed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        leaseThread.shutdownNow();
        detectorThread.shutdownNow();
        try {
            leaseThread.awaitTermination(2, TimeUnit.SECONDS);
            detectorThread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pinger.close();
        try {
            repo.leave(selfId);
            record("LEFT", selfId, selfId, 0, 0, "shut down cleanly");
        } catch (RuntimeException e) {
            log.warn("could not mark master {} as left: {}", selfId, e.toString());
        }
    }

    /** A host:port. */
    record HostPort(String host, int port) {
        static HostPort parse(String address) {
            if (address == null) {
                return null;
            }
            int colon = address.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            try {
                String host = address.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                return new HostPort(host, Integer.parseInt(address.substring(colon + 1)));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
