package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.MasterEventRow;
import io.gridwork.master.store.MasterRepository;
import io.gridwork.master.store.MasterRow;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.sdk.Codecs;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master takes over the jobs of a failed one through the restart path (on one in-memory store: a second scheduler
 * is the survivor), a standby refuses work, and a fenced master steps down without a write.
 */
class TakeoverTest {

    @TempDir
    Path dir;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(dir);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** The store's side of the masters, as far as these tests need it: ownership moves by SQL on the test store. */
    final class Masters implements MasterRepository {
        @Override
        public void join(String id, String address, String httpAddress, boolean standby, long epoch) {
        }

        @Override
        public boolean renew(String id, String state) {
            return true;
        }

        @Override
        public List<MasterRow> all() {
            return List.of();
        }

        @Override
        public Optional<MasterRow> find(String id) {
            return Optional.empty();
        }

        @Override
        public Optional<List<JobRow>> takeOver(String failed, String taker, long takerEpoch, Duration leaseTimeout,
                boolean sessionGone) {
            return Optional.of(move(taker));
        }

        @Override
        public List<JobRow> adoptOrphans(String taker, long takerEpoch, Duration leaseTimeout) {
            return List.of(); // at start: nothing (the other master is alive then)
        }

        List<JobRow> move(String taker) {
            long leaseEpoch = h.store.masterInfo().nextEpoch(); // as the store does: above every epoch before it
            try (Connection c = h.store.dataSource().getConnection();
                    PreparedStatement s = c.prepareStatement("UPDATE job SET owner_master = ?, lease_epoch = ? "
                            + "WHERE finished_at IS NULL")) {
                s.setString(1, taker);
                s.setLong(2, leaseEpoch);
                s.executeUpdate();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            return h.store.jobs().unfinished();
        }

        @Override
        public void leave(String id) {
        }

        @Override
        public boolean sessionAlive(String id) {
            return true;
        }

        @Override
        public MasterEventRow record(MasterEventRow event) {
            return event;
        }

        @Override
        public List<MasterEventRow> events(int limit) {
            return List.of();
        }

        @Override
        public String peerSecret() {
            return "secret";
        }
    }

    @Test
    void theSurvivorResumesTheJobsAcceptsTheOldAttemptsResultsAndRunsNoFinishedTaskAgain() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "8"));
        Harness.FakeWorker w = h.worker("w1", 3, 0);
        w.credit(3);
        List<Messages.Assignment> before = new ArrayList<>(w.assignments());
        assertThat(before).hasSize(3);
        w.succeed(before.get(0)); // stored: never run again
        h.commit();
        List<Messages.TaskKey> held = before.subList(1, 3).stream().map(Messages.Assignment::key).collect(Collectors.toList());
        long doneIndex = before.get(0).key().index();

        // the first master fails; the second, on the same store, has the worker connected already
        Masters masters = new Masters();
        h.secondMaster(masters, "m2", false);
        w.connect(List.of());
        w.received.clear();
        List<JobRow> taken = masters.takeOver("m1", "m2", h.scheduler.epoch(), Duration.ofSeconds(2), true).orElseThrow();
        // a client watching on the new owner just before it resumes the job is followed to the job's end
        List<JobSnapshot> watched = new java.util.concurrent.CopyOnWriteArrayList<>();
        h.scheduler.watch(job.id(), watched::add);
        assertThat(h.scheduler.takeOver("m1", "m2:7070", taken)).isEqualTo(1);

        assertThat(w.takeovers()).singleElement().satisfies(t -> {
            assertThat(t.fromMasterId()).isEqualTo("m1");
            assertThat(t.toMasterId()).isEqualTo("m2");
            assertThat(t.toAddress()).isEqualTo("m2:7070");
            // the jobs' new lease epoch, above every epoch before it (the masters' own included)
            assertThat(t.epoch()).isEqualTo(taken.get(0).leaseEpoch()).isGreaterThan(h.scheduler.epoch());
            assertThat(t.jobIds()).containsExactly(job.id());
        });
        assertThat(w.assignments()).isEmpty(); // held until the worker is back with what it runs

        // the worker re-registers with the new owner, holding the old master's attempts: they are kept, their results count
        RegisterOutcome back = w.connect(held);
        assertThat(back.keep()).containsExactlyInAnyOrderElementsOf(held);
        assertThat(back.masterId()).isEqualTo("m2");
        assertThat(back.masterEpoch()).isEqualTo(h.scheduler.epoch());
        before.subList(1, 3).forEach(w::succeed);
        h.commit();
        assertThat(w.acks()).containsExactlyInAnyOrderElementsOf(held);
        assertThat(w.rejections()).isEmpty();

        for (int round = 0; round < 10 && h.job(job.id()).state() == JobState.RUNNING; round++) {
            List<Messages.Assignment> now = new ArrayList<>(w.assignments());
            now.forEach(w::succeed);
            h.commit();
        }
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(watched).isNotEmpty();
        assertThat(watched.get(watched.size() - 1).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(w.assignments()).extracting(a -> a.key().index()).doesNotContain(doneIndex)
                .doesNotContainAnyElementsOf(held.stream().map(Messages.TaskKey::index).toList());
        assertThat(w.received.stream().flatMap(m -> m.jobs.stream())).allSatisfy(spec ->
                assertThat(spec.leaseEpoch()).isEqualTo(taken.get(0).leaseEpoch()));
        List<Long> squares = new ArrayList<>();
        for (long i = 0; i < 8; i++) {
            squares.add(i * i);
        }
        assertThat(Codecs.listOf(Codecs.LONG).decode(h.scheduler.result(job.id()).bytes())).isEqualTo(squares);
    }

    @Test
    void aWorkerHoldingAnotherLiveMastersTaskKeepsItForItsOwner() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "2"));
        Harness.FakeWorker w = h.worker("w1", 2, 0);
        w.credit(2);
        List<Messages.TaskKey> held = w.assignments().stream().map(Messages.Assignment::key).collect(Collectors.toList());
        h.secondMaster(new Masters(), "m2", false); // the first master is alive and owns the job
        RegisterOutcome outcome = w.connect(held);
        assertThat(outcome.keep()).isEmpty();
        assertThat(outcome.drop()).isEmpty(); // not ours to drop: the worker keeps running them for m1
        assertThat(h.scheduler.job(job.id())).isPresent();
    }

    @Test
    void aStandbyRefusesSubmissionsNamingTheActiveMasters() {
        h.submit(SquaresJob.class, Map.of("n", "2"));
        h.secondMaster(new Masters(), "m2", true);
        h.scheduler.activeMasters(() -> "a:7070");
        CompletableFuture<JobSnapshot> refused = h.scheduler.submit(new Submission(h.jarSha, SquaresJob.class.getName(),
                Map.of("n", "1"), 0, 0));
        assertThatThrownBy(refused::join).hasCauseInstanceOf(CoreException.class)
                .hasMessageContaining("this master is a standby; active masters: a:7070");
        h.scheduler.promote();
        assertThat(h.submit(SquaresJob.class, Map.of("n", "1")).id()).isNotBlank();
    }

    @Test
    void aFencedMasterStepsDownWithoutAWriteAndAcknowledgesNothing() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "4"));
        Harness.FakeWorker w = h.worker("w1", 2, 0);
        w.credit(2);
        List<Messages.Assignment> running = new ArrayList<>(w.assignments());
        w.succeed(running.get(0)); // its output waits for the next commit
        long epochBefore = h.scheduler.epoch();

        List<String> dropped = h.scheduler.stepDown("a journal commit was fenced");
        h.commit();
        assertThat(dropped).containsExactly(job.id());
        assertThat(w.acks()).isEmpty();
        assertThat(w.closed).isTrue();
        assertThat(h.store.tasks().count(job.id()).succeeded()).isZero(); // nothing of it was stored
        assertThat(h.scheduler.submit(new Submission(h.jarSha, SquaresJob.class.getName(), Map.of("n", "1"), 0, 0)))
                .isCompletedExceptionally();

        long newEpoch = h.store.masterInfo().nextEpoch();
        h.scheduler.rejoined("m1-again", newEpoch);
        assertThat(h.scheduler.epoch()).isEqualTo(newEpoch).isNotEqualTo(epochBefore);
        assertThat(h.scheduler.selfId()).isEqualTo("m1-again");
        JobSnapshot fresh = h.submit(SquaresJob.class, Map.of("n", "1")); // writes commit again under the new identity
        assertThat(fresh.id()).isNotEqualTo(job.id());
    }
}
