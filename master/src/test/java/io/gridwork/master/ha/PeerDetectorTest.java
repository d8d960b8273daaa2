package io.gridwork.master.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.store.MasterRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The masters' failure detector, stepped with a settable time: a peer is pinged every interval; the store and the
 * workers answer the checks as each scenario says.
 */
class PeerDetectorTest {

    static final Duration INTERVAL = Duration.ofMillis(150);
    static final Duration LEASE_TIMEOUT = Duration.ofSeconds(2);

    PeerDetector detector;
    Instant now = Instant.parse("2024-01-01T00:00:00Z");
    final List<PeerDetector.Verdict> seen = new ArrayList<>();
    /** Checks asked for and not yet answered. */
    final List<PeerDetector.Verdict.Check> checks = new ArrayList<>();

    @BeforeEach
    void setUp() {
        detector = new PeerDetector(INTERVAL, LEASE_TIMEOUT);
        detector.rows(List.of(row("self", "ACTIVE", 0, 0), row("b", "ACTIVE", 0, 3)), "self");
    }

    static MasterRow row(String id, String state, long leaseAgeMs, long jobs) {
        return new MasterRow(id, id + ":7070", "", state, 1, Instant.EPOCH, leaseAgeMs, jobs);
    }

    void take(List<PeerDetector.Verdict> verdicts) {
        seen.addAll(verdicts);
        for (PeerDetector.Verdict v : verdicts) {
            if (v instanceof PeerDetector.Verdict.Check c) {
                checks.add(c);
            }
        }
    }

    /** One interval: a ping of b (answered or not), then the checks due, answered with {@code evidence}. */
    void interval(boolean answered, PeerDetector.Evidence evidence) {
        now = now.plus(INTERVAL);
        take(detector.pinged("b", answered, now));
        List<PeerDetector.Verdict.Check> due = new ArrayList<>(checks);
        checks.clear();
        for (PeerDetector.Verdict.Check c : due) {
            take(detector.checked(c.peer(), c.token(), evidence, now));
        }
    }

    Optional<PeerDetector.Verdict.TakeOver> takeover() {
        return seen.stream().filter(v -> v instanceof PeerDetector.Verdict.TakeOver)
                .map(v -> (PeerDetector.Verdict.TakeOver) v).findFirst();
    }

    List<String> events() {
        return seen.stream().filter(v -> v instanceof PeerDetector.Verdict.Changed)
                .map(v -> ((PeerDetector.Verdict.Changed) v).event()).toList();
    }

    static PeerDetector.Evidence evidence(long leaseAgeMs, boolean sessionAlive, Optional<Boolean> workerReached) {
        return new PeerDetector.Evidence(true, "ACTIVE", leaseAgeMs, sessionAlive, workerReached);
    }

    @Test
    void aKilledMasterWhoseSessionIsGoneIsTakenOverInAboutThreeIntervals() {
        PeerDetector.Evidence killed = evidence(100, false, Optional.of(false));
        Instant firstMiss = now.plus(INTERVAL);
        int intervals = 0;
        while (takeover().isEmpty() && intervals < 20) {
            interval(false, killed);
            intervals++;
        }
        assertThat(takeover()).isPresent();
        assertThat(intervals).isLessThanOrEqualTo(3);
        assertThat(takeover().get().sessionGone()).isTrue();
        assertThat(takeover().get().firstMiss()).isEqualTo(firstMiss);
        assertThat(events()).containsExactly("SUSPECT");
    }

    @Test
    void aPausedMasterIsTakenOverOnlyOnceItsLeaseExpired() {
        long lease = 0;
        Instant pausedAt = now;
        while (takeover().isEmpty() && lease < 10_000) {
            lease += INTERVAL.toMillis(); // it renews nothing while paused: its lease ages
            interval(false, evidence(lease, true, Optional.of(false)));
            if (takeover().isEmpty()) {
                assertThat(lease).isLessThan(LEASE_TIMEOUT.toMillis() + 2 * INTERVAL.toMillis());
            }
        }
        assertThat(takeover()).isPresent();
        assertThat(Duration.between(pausedAt, now)).isGreaterThanOrEqualTo(LEASE_TIMEOUT);
        assertThat(takeover().get().sessionGone()).isFalse();
        assertThat(events()).containsExactly("SUSPECT", "LINK_FAILED"); // while its lease still ran
    }

    @Test
    void aCutLinkWithAFreshLeaseIsALinkFailureNeverATakeover() {
        for (int i = 0; i < 100; i++) {
            interval(false, evidence(50, true, Optional.of(false)));
        }
        assertThat(takeover()).isEmpty();
        assertThat(detector.view("b")).contains("LINK_FAILED");
        interval(true, null);
        assertThat(detector.view("b")).contains("ACTIVE");
        assertThat(events()).containsExactly("SUSPECT", "LINK_FAILED", "RECOVERED");
    }

    @Test
    void aMasterAWorkerReachesIsNotTakenOverEvenWithAnExpiredLease() {
        for (int i = 0; i < 50; i++) {
            interval(false, evidence(60_000, false, Optional.of(true)));
        }
        assertThat(takeover()).isEmpty();
        assertThat(detector.view("b")).contains("LINK_FAILED");
    }

    @Test
    void flappingPingsNeverCauseATakeover() {
        PeerDetector.Evidence dead = evidence(60_000, false, Optional.of(false)); // even if the store said dead
        for (int i = 0; i < 200; i++) {
            interval(i % 2 == 0, dead);
        }
        assertThat(takeover()).isEmpty();
        assertThat(seen.stream().filter(v -> v instanceof PeerDetector.Verdict.Check)).isEmpty();
        assertThat(detector.view("b")).isPresent();
    }

    @Test
    void aCheckStartedBeforeThePingsCameBackIsIgnored() {
        interval(false, null);
        now = now.plus(INTERVAL);
        take(detector.pinged("b", false, now));
        PeerDetector.Verdict.Check pending = checks.remove(0);
        take(detector.pinged("b", true, now));
        assertThat(detector.checked("b", pending.token(), evidence(60_000, false, Optional.of(false)), now)).isEmpty();
        assertThat(detector.view("b")).contains("ACTIVE");
    }

    @Test
    void aMasterThatLeftWithUnfinishedJobsIsAdoptedAtOnceAndNoLongerPinged() {
        List<PeerDetector.Verdict> v = detector.rows(List.of(row("self", "ACTIVE", 0, 0), row("b", "LEFT", 0, 2)),
                "self");
        assertThat(v).containsExactly(new PeerDetector.Verdict.AdoptOrphans("b", 2, "LEFT"));
        assertThat(detector.peers()).isEmpty();
        assertThat(detector.rows(List.of(row("self", "ACTIVE", 0, 0), row("b", "LEFT", 0, 0)), "self")).isEmpty();
    }

    @Test
    void aMasterTakenOverByAnotherStopsTheChecks() {
        interval(false, null);
        interval(false, new PeerDetector.Evidence(true, "DEAD", 60_000, false, Optional.empty()));
        interval(false, new PeerDetector.Evidence(true, "DEAD", 60_000, false, Optional.empty()));
        assertThat(takeover()).isEmpty();
    }
}
