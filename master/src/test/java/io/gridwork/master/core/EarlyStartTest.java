package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.sdk.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose whole split is known, given a job number the master reserved ahead, starts while its insert commits:
 * its task goes out before the commit, its writes commit after the insert, its submitter hears only once the insert
 * is stored; if the database refuses the insert, nothing of the job is left. A submitter that follows its job to its
 * end (SubmitAndWatch) hears its status from the loop: once its insert is stored, then to its stored end.
 */
class EarlyStartTest {

    @TempDir
    Path dir;

    Harness h;
    Harness.FakeWorker w;

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(dir);
        w = h.worker("w1", 1, 0);
        // the first job takes its number in its insert, and the master reserves the next ones after it
        JobSnapshot first = h.submit(SquaresJob.class, Map.of("n", "1"));
        w.credit(1);
        w.succeed(w.assignments().get(0));
        h.commit();
        assertThat(h.job(first.id()).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private Messages.Assignment assignedWhileNotStored(CompletableFuture<JobSnapshot> submitted) {
        await().atMost(Duration.ofSeconds(10)).until(() -> w.assignments().size() == 2); // job code runs elsewhere
        assertThat(submitted).as("acknowledged only once stored").isNotDone();
        return w.assignments().get(1);
    }

    @Test
    void aSmallJobIsAssignedBeforeItsInsertCommitsAndAcknowledgedOnlyOnceItIsStored() {
        CompletableFuture<JobSnapshot> submitted = h.scheduler.submit(new Submission(h.jarSha,
                SquaresJob.class.getName(), Map.of("n", "1"), 0, 0));
        Messages.Assignment a = assignedWhileNotStored(submitted);
        String id = a.key().jobId();
        assertThat(id).as("numbered after the job before it").isEqualTo("job-2");
        assertThat(h.store.jobs().find(id)).as("not stored yet").isEmpty();

        w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(9L), null, 1)));
        assertThat(w.acks()).as("an output is acknowledged only once stored").hasSize(1);
        h.commit();

        JobSnapshot acknowledged = submitted.join();
        assertThat(acknowledged.id()).isEqualTo(id);
        JobRow row = h.store.jobs().find(id).orElseThrow();
        assertThat(row.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(Codecs.listOf(Codecs.LONG).decode(h.store.jobs().result(id).orElseThrow())).containsExactly(9L);
        assertThat(h.store.tasks().count(id).succeeded()).isEqualTo(1);
        assertThat(w.acks()).hasSize(2).contains(a.key());
        assertThat(h.job(id).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void jobsKeepTheOrderOfTheirSubmissionsInTheirNumbers() {
        String previous = null;
        for (int i = 0; i < 20; i++) { // past the first block of reserved numbers
            JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "1"));
            if (previous != null) {
                assertThat(Long.parseLong(job.id().substring(4))).isGreaterThan(Long.parseLong(previous.substring(4)));
            }
            previous = job.id();
            w.credit(1);
            List<Messages.Assignment> all = w.assignments();
            w.succeed(all.get(all.size() - 1));
            h.commit();
            assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        }
    }

    @Test
    void anInsertTheDatabaseRefusesLetsGoOfTheJobItsTaskAndItsResult() {
        String tooLong = "u".repeat(300); // the owner column holds 200 characters
        CompletableFuture<JobSnapshot> refused = h.scheduler.submit(new Submission(h.jarSha,
                SquaresJob.class.getName(), Map.of("n", "1"), 0, 0, tooLong));
        Messages.Assignment a = assignedWhileNotStored(refused);
        String id = a.key().jobId();
        // its result comes back before the insert is refused: its writes go to the journal after the insert
        w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(9L), null, 1)));

        assertThatThrownBy(() -> h.completed(refused)).isInstanceOfSatisfying(CoreException.class, e -> {
            assertThat(e.kind()).isEqualTo(CoreException.Kind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).startsWith("the master's database refused to store this: ");
        });
        h.commit();
        assertThat(h.store.jobs().find(id)).isEmpty();
        assertThat(h.store.tasks().count(id).succeeded()).isZero();
        assertThat(h.scheduler.job(id)).as("nothing of it left in memory").isEmpty();
        assertThat(h.scheduler.jobs(100, List.of(), null, null)).extracting(JobSnapshot::id).doesNotContain(id);
        assertThat(w.endedJobs()).as("its worker lets go of it").contains(id);

        // the master goes on: the next job runs, its result stored
        JobSnapshot next = h.submit(SquaresJob.class, Map.of("n", "1"));
        w.credit(1);
        List<Messages.Assignment> all = w.assignments();
        w.succeed(all.get(all.size() - 1));
        h.commit();
        assertThat(h.job(next.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(h.store.jobs().find(next.id()).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
    }

    /** The statuses a follower got, in order. */
    final List<JobSnapshot> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
    final java.util.concurrent.atomic.AtomicReference<Runnable> stop = new java.util.concurrent.atomic.AtomicReference<>();

    private CompletableFuture<JobSnapshot> followed(String owner) {
        return h.scheduler.submit(new Submission(h.jarSha, SquaresJob.class.getName(), Map.of("n", "1"), 0, 0, owner),
                new Follower() {
                    @Override
                    public void status(JobSnapshot snapshot) {
                        statuses.add(snapshot);
                    }

                    @Override
                    public void stopWith(Runnable s) {
                        stop.set(s);
                    }
                });
    }

    @Test
    void aFollowerHearsTheJobOnceItsInsertIsStoredThenItsEnd() {
        CompletableFuture<JobSnapshot> submitted = followed("");
        Messages.Assignment a = assignedWhileNotStored(submitted);
        String id = a.key().jobId();
        assertThat(statuses).as("nothing before the insert is stored").isEmpty();

        JobSnapshot acknowledged = h.completed(submitted);
        assertThat(statuses).as("the acknowledgement, before the future completes").containsExactly(acknowledged);
        assertThat(acknowledged.state().isTerminal()).isFalse();
        assertThat(h.store.jobs().find(id)).isPresent();

        w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(9L), null, 1)));
        h.commit();
        assertThat(h.store.jobs().find(id).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(statuses).as("then the stored end, the last one").last().satisfies(s -> {
            assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(s.succeeded()).isEqualTo(1);
        });
        assertThat(statuses.subList(0, statuses.size() - 1)).allMatch(s -> !s.state().isTerminal());
    }

    @Test
    void aFollowedJobsRefusedInsertFailsOnlyItAndItsEndWritesNothing() {
        CompletableFuture<JobSnapshot> refused = followed("u".repeat(300)); // the owner column holds 200 characters
        Messages.Assignment a = assignedWhileNotStored(refused);
        String id = a.key().jobId();
        w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(9L), null, 1)));

        assertThatThrownBy(() -> h.completed(refused)).isInstanceOfSatisfying(CoreException.class,
                e -> assertThat(e.kind()).isEqualTo(CoreException.Kind.INVALID_ARGUMENT));
        h.commit();
        assertThat(h.store.jobs().find(id)).isEmpty();
        assertThat(h.store.tasks().count(id).succeeded()).isZero();
        assertThat(h.scheduler.job(id)).as("nothing of it left in memory").isEmpty();
        assertThat(w.endedJobs()).contains(id);
        assertThat(statuses).as("its follower heard nothing: the submission failed").isEmpty();

        JobSnapshot next = h.submit(SquaresJob.class, Map.of("n", "1"));
        w.credit(1);
        List<Messages.Assignment> all = w.assignments();
        w.succeed(all.get(all.size() - 1));
        h.commit();
        assertThat(h.store.jobs().find(next.id()).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void aWatchThatStartsJustAfterItsJobEndedGetsTheEndWithoutReadingTheStore() throws Exception {
        CompletableFuture<JobSnapshot> submitted = followed("");
        Messages.Assignment a = assignedWhileNotStored(submitted);
        String id = a.key().jobId();
        w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(9L), null, 1)));
        h.commit();
        JobSnapshot acknowledged = h.completed(submitted);
        assertThat(acknowledged.state().isTerminal()).as("acknowledged as it was when stored").isFalse();
        // the row changed behind the master's back: a watch that read the store would see this, not the end it stored
        var config = io.gridwork.master.store.StoreConfig.h2InMemory(h.storeName);
        try (var c = java.sql.DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
                var update = c.prepareStatement("UPDATE job SET state = 'FAILED' WHERE id = ?")) {
            update.setString(1, id);
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
        List<JobSnapshot> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        h.scheduler.watch(id, acknowledged, seen::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        assertThat(seen).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(s.succeeded()).isEqualTo(1);
        });
    }

    @Test
    void aFollowerStoppedBeforeTheEndHearsNoMore() {
        CompletableFuture<JobSnapshot> submitted = followed("");
        Messages.Assignment a = assignedWhileNotStored(submitted);
        h.completed(submitted);
        assertThat(statuses).hasSize(1);
        stop.get().run(); // the call was cancelled: the job goes on
        w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(9L), null, 1)));
        h.commit();
        assertThat(h.job(a.key().jobId()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(statuses).hasSize(1);
    }
}
