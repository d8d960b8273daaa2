package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gridwork.master.model.JobState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the store does for several masters on one database, whatever the database: each master is a {@link Store}
 * of its own on the same database (as each master process has), with leases, takeovers, orphans and fencing.
 */
abstract class MasterRepositoryContract {

    private static final String JAR = "b".repeat(64);
    /** Longer than any test takes: a lease that must not expire. */
    static final Duration LONG = Duration.ofMinutes(5);
    /** A lease timeout the tests wait out (by the store's clock). */
    static final Duration SHORT = Duration.ofMillis(200);

    protected StoreConfig config;
    /** Every store a test opened, closed after it. */
    private final List<Store> stores = new ArrayList<>();

    protected abstract StoreConfig freshDatabase();

    @BeforeEach
    void database() {
        config = freshDatabase();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(Store::close);
    }

    /** A master process on the database: a store of its own, joined as ACTIVE. */
    protected Store master(String address) {
        Store s = Store.open(config);
        stores.add(s);
        s.masters().join(s.masterId(), address, "http://" + address, false, s.epoch());
        return s;
    }

    protected Store unjoined() {
        Store s = Store.open(config);
        stores.add(s);
        return s;
    }

    protected static JobRow job(Store s) {
        s.jars().put(new JarRow(JAR, 10, "x.jar", Instant.now()));
        return s.jobs().insert(new NewJob(JAR, "x.Job", Map.of(), 3, 0, Instant.now(), "lab", NewJob.Placement.DEFAULT),
                List.of(new byte[] {1}), true);
    }

    protected static void sql(Store s, String sql, String... params) throws Exception {
        try (Connection c = s.dataSource().getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                p.setString(i + 1, params[i]);
            }
            p.executeUpdate();
        }
    }

    protected static void awaitLeaseOlderThan(Store reader, String id, Duration age) {
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.masters().find(id).orElseThrow().leaseAgeMs()
                > age.toMillis());
    }

    @Test
    void aMasterJoinsAndItsLeaseAgesUntilItRenewsIt() {
        Store a = master("a:7070");
        Store b = master("b:7070");
        job(a);
        MasterRow row = b.masters().find(a.masterId()).orElseThrow();
        assertThat(row.address()).isEqualTo("a:7070");
        assertThat(row.httpAddress()).isEqualTo("http://a:7070");
        assertThat(row.state()).isEqualTo("ACTIVE");
        assertThat(row.epoch()).isEqualTo(a.epoch());
        assertThat(row.jobs()).isEqualTo(1);
        assertThat(row.startedAt()).isNotNull();
        assertThat(b.masters().all()).extracting(MasterRow::id).containsExactlyInAnyOrder(a.masterId(), b.masterId());

        awaitLeaseOlderThan(b, a.masterId(), Duration.ofMillis(300));
        assertThat(a.masters().renew(a.masterId(), "STANDBY")).isTrue();
        MasterRow renewed = b.masters().find(a.masterId()).orElseThrow();
        assertThat(renewed.leaseAgeMs()).isLessThan(300);
        assertThat(renewed.state()).isEqualTo("STANDBY");

        assertThat(a.masters().renew("no-such-master", "ACTIVE")).isFalse();
        assertThatThrownBy(() -> a.masters().renew(a.masterId(), "DEAD")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("state");
        assertThat(a.masters().sessionAlive(a.masterId())).isTrue();
    }

    @Test
    void aTakeoverIsRefusedWhileTheLeaseIsFreshThenMovesTheJobsAndFencesTheFailedMaster() throws Exception {
        Store a = master("a:7070");
        Store b = master("b:7070");
        JobRow running = job(a);
        JobRow ended = job(a);
        a.apply(new StoreBatch().job(StoreBatch.JobUpdate.started(running.id(), Instant.now())));
        a.apply(new StoreBatch().job(StoreBatch.JobUpdate.ended(ended.id(), JobState.CANCELLED, Instant.now(), "no", 0, 0,
                0, 0, 0, 0, null, new long[TaskDurations.buckets()])));
        JobRow mine = job(b);

        assertThat(b.masters().takeOver(a.masterId(), b.masterId(), b.epoch(), LONG, false)).as("lease fresh").isEmpty();
        assertThat(b.masters().find(a.masterId()).orElseThrow().state()).isEqualTo("ACTIVE");

        awaitLeaseOlderThan(b, a.masterId(), SHORT);
        List<JobRow> taken = b.masters().takeOver(a.masterId(), b.masterId(), b.epoch(), SHORT, false).orElseThrow();
        assertThat(taken).extracting(JobRow::id).containsExactly(running.id());
        JobRow moved = taken.get(0);
        assertThat(moved.ownerMaster()).isEqualTo(b.masterId());
        // a takeover raises the job's lease epoch above every epoch before it, both masters' included
        assertThat(moved.leaseEpoch()).isGreaterThan(b.epoch()).isGreaterThan(a.epoch())
                .isGreaterThan(running.leaseEpoch());
        assertThat(moved.version()).isEqualTo(2);
        assertThat(moved.state()).isEqualTo(JobState.RUNNING);
        assertThat(b.jobs().find(running.id())).hasValue(moved);
        assertThat(b.jobs().find(ended.id()).orElseThrow().ownerMaster()).as("ended jobs stay").isEqualTo(a.masterId());
        assertThat(b.jobs().find(mine.id()).orElseThrow().version()).as("the taker's own jobs are untouched").isZero();

        assertThat(b.masters().find(a.masterId()).orElseThrow().state()).isEqualTo("DEAD");
        assertThat(b.masters().find(a.masterId()).orElseThrow().jobs()).isZero();
        assertThat(b.masters().find(b.masterId()).orElseThrow().jobs()).isEqualTo(2);
        assertThat(b.masters().all().get(0).state()).as("live ones first").isEqualTo("ACTIVE");
        assertThat(b.masters().takeOver(a.masterId(), b.masterId(), b.epoch(), SHORT, false)).as("taken once").isEmpty();
        assertThat(a.masters().renew(a.masterId(), "ACTIVE")).as("the failed master learns it").isFalse();
    }

    @Test
    void aTakeoverAlsoAdoptsOrphansOfDeadLeftAndUnknownMasters() throws Exception {
        Store a = master("a:7070");
        Store b = master("b:7070");
        Store c = master("c:7070");
        JobRow ofA = job(a);
        JobRow ofC = job(c);
        JobRow noOwner = job(b);
        JobRow ghost = job(b);
        sql(b, "UPDATE job SET owner_master = NULL WHERE id = ?", noOwner.id());
        sql(b, "UPDATE job SET owner_master = 'ghost' WHERE id = ?", ghost.id());
        c.masters().leave(c.masterId());
        assertThat(b.masters().find(c.masterId()).orElseThrow().state()).isEqualTo("LEFT");

        awaitLeaseOlderThan(b, a.masterId(), SHORT);
        List<JobRow> taken = b.masters().takeOver(a.masterId(), b.masterId(), b.epoch(), SHORT, false).orElseThrow();
        assertThat(taken).extracting(JobRow::id).containsExactlyInAnyOrder(ofA.id(), ofC.id(), noOwner.id(), ghost.id());
        assertThat(taken).allSatisfy(j -> {
            assertThat(j.ownerMaster()).isEqualTo(b.masterId());
            assertThat(j.leaseEpoch()).isGreaterThan(b.epoch());
            assertThat(j.version()).isEqualTo(1);
        });
    }

    @Test
    void ofTwoMastersClaimingOneFailedMasterAtOnceExactlyOneWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                Store failed = master("f" + round + ":7070");
                JobRow j = job(failed);
                Store b = master("b" + round + ":7070");
                Store c = master("c" + round + ":7070");
                awaitLeaseOlderThan(b, failed.masterId(), SHORT);
                b.masters().renew(b.masterId(), "ACTIVE");
                c.masters().renew(c.masterId(), "ACTIVE");
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Optional<List<JobRow>>>> claims = new ArrayList<>();
                for (Store taker : List.of(b, c)) {
                    claims.add(pool.submit(() -> {
                        go.await();
                        return taker.masters().takeOver(failed.masterId(), taker.masterId(), taker.epoch(), SHORT,
                                false);
                    }));
                }
                go.countDown();
                Optional<List<JobRow>> first = claims.get(0).get();
                Optional<List<JobRow>> second = claims.get(1).get();
                assertThat(first.isPresent() ^ second.isPresent()).as("round " + round + ": exactly one wins").isTrue();
                Store winner = first.isPresent() ? b : c;
                assertThat(first.or(() -> second).orElseThrow()).extracting(JobRow::id).containsExactly(j.id());
                assertThat(b.jobs().find(j.id()).orElseThrow().ownerMaster()).isEqualTo(winner.masterId());
                assertThat(b.jobs().find(j.id()).orElseThrow().version()).as("moved once").isEqualTo(1);
                // the next round's masters must not see this round's as failed, nor its job as an orphan
                winner.apply(new StoreBatch().job(StoreBatch.JobUpdate.ended(j.id(), JobState.CANCELLED, Instant.now(),
                        "done", 0, 0, 0, 0, 0, 0, null, new long[TaskDurations.buckets()])));
                for (Store s : List.of(b, c)) {
                    s.masters().leave(s.masterId());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFencedMastersBatchWritesNothing() throws Exception {
        Store a = master("a:7070");
        Store b = master("b:7070");
        JobRow j = job(a);
        a.apply(new StoreBatch().job(StoreBatch.JobUpdate.started(j.id(), Instant.now())));
        awaitLeaseOlderThan(b, a.masterId(), SHORT);
        assertThat(b.masters().takeOver(a.masterId(), b.masterId(), b.epoch(), SHORT, false)).isPresent();
        long jobs = b.jobs().list(100, List.of(), null, null).size();

        StoreBatch late = new StoreBatch();
        late.insertJob(new NewJob(JAR, "x.Job", Map.of(), 3, 0, Instant.now(), "lab", NewJob.Placement.DEFAULT),
                List.of(), true);
        late.success(new StoreBatch.TaskSuccess(j.id(), 0, new byte[] {9}, "w-1", 5));
        late.job(StoreBatch.JobUpdate.ended(j.id(), JobState.SUCCEEDED, Instant.now(), null, 1, 0, 0, 0, 0, 0, null,
                new long[TaskDurations.buckets()]));
        assertThatThrownBy(() -> a.apply(late)).isInstanceOf(FencedException.class).hasMessageContaining(a.masterId())
                .satisfies(e -> assertThat(StoreException.isPermanent(e)).isTrue());

        assertThat(b.jobs().list(100, List.of(), null, null)).hasSize((int) jobs);
        JobRow after = b.jobs().find(j.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.RUNNING);
        assertThat(after.version()).as("only the takeover's move").isEqualTo(2);
        assertThat(b.tasks().pending(j.id(), 0L)).isPresent();

        // the new owner writes on
        b.apply(new StoreBatch().success(new StoreBatch.TaskSuccess(j.id(), 0, new byte[] {9}, "w-1", 5)));
        assertThat(b.tasks().pending(j.id(), 0L)).isEmpty();
    }

    @Test
    void aMasterThatRejoinsWritesAgainUnderItsNewIdentity() {
        Store a = master("a:7070");
        Store b = master("b:7070");
        awaitLeaseOlderThan(b, a.masterId(), SHORT);
        assertThat(b.masters().takeOver(a.masterId(), b.masterId(), b.epoch(), SHORT, false)).isPresent();
        String old = a.masterId();
        MasterIdentity next = a.rejoin();
        a.masters().join(next.id(), "a:7070", null, false, next.epoch());
        JobRow j = job(a);
        a.apply(new StoreBatch().job(StoreBatch.JobUpdate.started(j.id(), Instant.now())));
        assertThat(b.masters().find(old).orElseThrow().state()).isEqualTo("DEAD");
        assertThat(b.masters().find(next.id()).orElseThrow().state()).isEqualTo("ACTIVE");
        assertThat(b.jobs().find(j.id()).orElseThrow().leaseEpoch()).isEqualTo(next.epoch());
    }

    @Test
    void aMasterThatLeftWritesNoMoreAndItsJobsAreAdopted() {
        Store a = master("a:7070");
        JobRow j = job(a);
        a.masters().leave(a.masterId());
        assertThat(a.masters().find(a.masterId()).orElseThrow().state()).isEqualTo("LEFT");
        assertThat(a.masters().renew(a.masterId(), "ACTIVE")).isFalse();
        assertThatThrownBy(() -> a.apply(new StoreBatch().job(StoreBatch.JobUpdate.started(j.id(), Instant.now()))))
                .isInstanceOf(FencedException.class);

        Store b = master("b:7070");
        List<JobRow> adopted = b.masters().adoptOrphans(b.masterId(), b.epoch(), LONG);
        assertThat(adopted).extracting(JobRow::id).containsExactly(j.id());
        assertThat(adopted.get(0).leaseEpoch()).isGreaterThan(b.epoch()).isGreaterThan(j.leaseEpoch());
        assertThat(b.jobs().unfinished(b.masterId())).extracting(JobRow::id).containsExactly(j.id());
        assertThat(b.masters().adoptOrphans(b.masterId(), b.epoch(), LONG)).as("adopted once").isEmpty();
    }

    @Test
    void aRestartedMasterAdoptsTheJobsOfItsEarlierSelf() {
        Store before = master("a:7070");
        JobRow j = job(before);
        JobRow old = job(before);
        String earlier = before.masterId();
        stores.remove(before);
        before.close(); // killed: no leave

        Store after = unjoined();
        after.masters().join(after.masterId(), "a:7070", null, false, after.epoch());
        List<JobRow> adopted = after.masters().adoptOrphans(after.masterId(), after.epoch(), LONG);
        assertThat(adopted).extracting(JobRow::id).containsExactly(j.id(), old.id());
        assertThat(adopted).allSatisfy(r -> assertThat(r.leaseEpoch()).isGreaterThan(after.epoch()));
        assertThat(after.masters().find(earlier).orElseThrow().state()).isEqualTo("DEAD");
    }

    @Test
    void eventsAreNumberedAndReadOldestFirst() {
        Store a = master("a:7070");
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        MasterEventRow first = a.masters().record(new MasterEventRow(0, at, "JOINED", a.masterId(), null, 0, 0, null));
        MasterEventRow second = a.masters().record(new MasterEventRow(0, null, "TAKEOVER", "x", a.masterId(), 3, 420,
                "lease expired"));
        assertThat(second.seq()).isGreaterThan(first.seq());
        assertThat(second.at()).as("the store's clock").isNotNull();
        assertThat(a.masters().events(10)).containsExactly(first, second);
        assertThat(a.masters().events(1)).containsExactly(second);
        assertThat(first.at()).isEqualTo(at);
    }

    @Test
    void everyMasterOfTheStoreGetsTheSamePeerSecret() {
        Store a = master("a:7070");
        Store b = master("b:7070");
        String secret = a.masters().peerSecret();
        assertThat(secret).hasSizeGreaterThanOrEqualTo(40);
        assertThat(b.masters().peerSecret()).isEqualTo(secret);
        assertThat(a.masters().peerSecret()).isEqualTo(secret);
    }
}
