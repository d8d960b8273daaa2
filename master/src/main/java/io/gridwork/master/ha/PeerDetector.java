package io.gridwork.master.ha;

import io.gridwork.master.store.MasterRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The failure detector of the other masters, following the design's procedure. Every peer is pinged every interval.
 * On a miss it becomes SUSPECT; on a second miss in a row the other paths are checked: the store (the age of the
 * peer's lease, by the store's clock, and whether its own session to the store is alive) and the workers (up to three
 * health-check its address). The check is repeated once, one interval later, before anything is concluded:
 * <ul>
 *   <li>still renewing its lease with its session alive, or reached by a worker: a <b>link failure</b>
 *       (LINK_FAILED after the second check); no takeover; the checks go on every interval while its pings fail, and
 *       it is ACTIVE again (RECOVERED) when they are answered;</li>
 *   <li>two checks in a row find it unreachable on every path with its session gone or its lease expired: a
 *       <b>site failure</b>, take it over.</li>
 * </ul>
 * So a killed master (its session ends at once) is taken over about three intervals after its first missed ping; a
 * paused one (session alive, lease ageing) only once its lease expired; one cut off from this master alone (lease
 * fresh) never; and pings that fail one at a time never start a check. A peer stored as LEFT (or DEAD) that still
 * owns unfinished jobs is an orphan owner: its jobs are adopted at once.
 *
 * <p>It decides and does nothing else: each signal, given the time, returns {@link Verdict verdicts} that the
 * {@link Membership} carries out (checks, takeovers, events). Not thread-safe: the membership calls it from its one
 * detector thread; tests step it with their own instants.
 */
public final class PeerDetector {

    /** What the membership is to do. */
    public sealed interface Verdict {
        /** The peer is now seen as {@code state} (a {@code MasterInfo.State} name); record event {@code event}. */
        record Changed(String peer, String state, String event, String reason) implements Verdict {}

        /** Check the peer over the other paths after {@code after}; hand the evidence to {@link #checked} with {@code token}. */
        record Check(String peer, long token, Duration after) implements Verdict {}

        /** Site failure: take the peer over. {@code firstMiss}: when its trouble was first seen (for the takeover's duration). */
        record TakeOver(String peer, boolean sessionGone, String reason, Instant firstMiss) implements Verdict {}

        /** The peer is gone (LEFT or DEAD) and still owns unfinished jobs: adopt them. */
        record AdoptOrphans(String peer, long jobs, String storedState) implements Verdict {}
    }

    /** What the other paths said about a peer. {@code workerReached} is empty when no worker could be asked. */
    public record Evidence(boolean stored, String storedState, long leaseAgeMs, boolean sessionAlive,
            Optional<Boolean> workerReached) {

        boolean gone() {
            return !stored || "DEAD".equals(storedState) || "LEFT".equals(storedState);
        }
    }

    private static final class Peer {
        final String id;
        String view = "ACTIVE";
        int misses;
        Instant firstMiss;
        long token;
        boolean checking;
        int checks;
        int deadChecks;

        Peer(String id) {
            this.id = id;
        }
    }

    private final Duration interval;
    private final Duration leaseTimeout;
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private long nextToken = 1;

    public PeerDetector(Duration interval, Duration leaseTimeout) {
        this.interval = interval;
        this.leaseTimeout = leaseTimeout;
    }

    /** The peers to ping now (live, other than this master), in the store's order. */
    public List<String> peers() {
        return new ArrayList<>(peers.keySet());
    }

    /** How this master sees a peer: ACTIVE, SUSPECT or LINK_FAILED; empty if it does not watch it. */
    public Optional<String> view(String peer) {
        Peer p = peers.get(peer);
        return p == null ? Optional.empty() : Optional.of(p.view);
    }

    /**
     * The masters as stored now: live ones other than {@code selfId} are watched from now on, gone ones no more; a
     * gone one that still owns unfinished jobs is to be adopted.
     */
    public List<Verdict> rows(List<MasterRow> rows, String selfId) {
        List<Verdict> out = new ArrayList<>();
        Set<String> live = new HashSet<>();
        for (MasterRow row : rows) {
            if (row.id().equals(selfId)) {
                continue;
            }
            boolean gone = "DEAD".equals(row.state()) || "LEFT".equals(row.state());
            if (gone) {
                if (row.jobs() > 0) {
                    out.add(new Verdict.AdoptOrphans(row.id(), row.jobs(), row.state()));
                }
                continue;
            }
            live.add(row.id());
            peers.computeIfAbsent(row.id(), Peer::new);
        }
        peers.keySet().retainAll(live);
        return out;
    }

    /** A ping of {@code peer} was answered in time, or not. */
    public List<Verdict> pinged(String peer, boolean answered, Instant now) {
        Peer p = peers.get(peer);
        if (p == null) {
            return List.of();
        }
        if (answered) {
            String was = p.view;
            p.misses = 0;
            p.firstMiss = null;
            p.checking = false;
            p.checks = 0;
            p.deadChecks = 0;
            p.token = 0;
            if (!"ACTIVE".equals(was)) {
                p.view = "ACTIVE";
                return List.of(new Verdict.Changed(peer, "ACTIVE", "RECOVERED", "its pings are answered again (it was "
                        + was + ")"));
            }
            return List.of();
        }
        p.misses++;
        List<Verdict> out = new ArrayList<>();
        if (p.misses == 1 && "ACTIVE".equals(p.view)) {
            p.view = "SUSPECT";
            p.firstMiss = now;
            out.add(new Verdict.Changed(peer, "SUSPECT", "SUSPECT", "a ping went unanswered"));
        }
        if (p.firstMiss == null) {
            p.firstMiss = now;
        }
        if (p.misses >= 2 && !p.checking) {
            // waited once more and it missed again: check the other paths
            p.checking = true;
            p.token = nextToken++;
            p.checks = 0;
            p.deadChecks = 0;
            out.add(new Verdict.Check(peer, p.token, Duration.ZERO));
        }
        return out;
    }

    /** What the other paths said, for the check {@code token} asked. */
    public List<Verdict> checked(String peer, long token, Evidence e, Instant now) {
        Peer p = peers.get(peer);
        if (p == null || !p.checking || p.token != token) {
            return List.of(); // answered again meanwhile, or no longer watched
        }
        if (e.gone()) {
            // someone else took it over, or it left: the next look at the store settles it
            p.checking = false;
            return List.of();
        }
        boolean reached = e.workerReached().orElse(false);
        boolean leaseExpired = e.leaseAgeMs() >= leaseTimeout.toMillis();
        boolean dead = !reached && (!e.sessionAlive() || leaseExpired);
        p.checks++;
        p.deadChecks = dead ? p.deadChecks + 1 : 0;
        String finding = describe(e, reached, leaseExpired);
        List<Verdict> out = new ArrayList<>();
        if (p.deadChecks >= 2) {
            p.checking = false;
            out.add(new Verdict.TakeOver(peer, !e.sessionAlive(), "unreachable on every path, checked twice: "
                    + finding, p.firstMiss == null ? now : p.firstMiss));
            return out;
        }
        if (!dead && p.checks >= 2 && "SUSPECT".equals(p.view)) {
            p.view = "LINK_FAILED";
            out.add(new Verdict.Changed(peer, "LINK_FAILED", "LINK_FAILED", "its pings fail but " + finding));
        }
        out.add(new Verdict.Check(peer, token, interval)); // checked again while its pings fail
        return out;
    }

    private String describe(Evidence e, boolean reached, boolean leaseExpired) {
        List<String> parts = new ArrayList<>();
        parts.add("lease " + e.leaseAgeMs() + " ms old" + (leaseExpired ? " (expired, timeout " + leaseTimeout.toMillis()
                + " ms)" : ""));
        parts.add(e.sessionAlive() ? "its store session alive" : "its store session gone");
        parts.add(e.workerReached().isEmpty() ? "no worker to ask" : reached ? "a worker reached it"
                : "no worker reached it");
        return String.join(", ", parts);
    }
}
