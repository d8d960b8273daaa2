package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.model.JobState;
import io.gridwork.master.testjobs.SquaresJob;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How queued tasks are shared among workers: tasks that can start now go to free slots before anyone's prefetch, and
 * a worker that gives back credits and unstarted tasks (its prefetch shrank) lets the others have them; what workers
 * hold is shown apart from what they execute.
 */
class DispatchShareTest {

    @TempDir
    Path dir;

    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(dir, SchedulerOptions.builder().splitBatch(64).readyTasks(256).build());
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private JobSnapshot submit(long n) {
        return h.submit(SquaresJob.class, Map.of("n", Long.toString(n)));
    }

    private static List<Messages.Assignment> of(Harness.FakeWorker w, String jobId) {
        return w.assignments().stream().filter(a -> a.key().jobId().equals(jobId)).collect(Collectors.toList());
    }

    private WorkerSnapshot snapshot(String name) {
        return h.scheduler.workers(false).stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aTaskGoesToAWorkerThatCanStartItRatherThanIntoAnothersPrefetch() {
        JobSnapshot first = submit(1);
        Harness.FakeWorker busy = h.worker("busy", 1, 10);
        busy.credit(6); // takes the one task, and keeps 5 credits with nothing to spend them on
        assertThat(of(busy, first.id())).hasSize(1);
        Harness.FakeWorker idle = h.worker("idle", 1, 10);
        idle.credit(2);

        JobSnapshot second = submit(1);

        assertThat(of(idle, second.id())).hasSize(1);
        assertThat(of(busy, second.id())).isEmpty();
    }

    @Test
    void workersWaitingForTasksShareThemInTurnsFreeSlotsFirst() {
        Harness.FakeWorker a = h.worker("a", 1, 1024);
        Harness.FakeWorker b = h.worker("b", 1, 1024);
        Harness.FakeWorker c = h.worker("c", 1, 1024);
        a.credit(1025);
        b.credit(1025);
        c.credit(1025);

        JobSnapshot job = submit(60);

        assertThat(of(a, job.id())).hasSize(20);
        assertThat(of(b, job.id())).hasSize(20);
        assertThat(of(c, job.id())).hasSize(20);
    }

    @Test
    void aWorkerJoiningMidJobGetsTheTasksOthersGaveBackWhenTheirTasksRanLong() {
        // after a job of tiny tasks, each worker's prefetch is large: the next job's 60 tasks all go out at once
        Harness.FakeWorker a = h.worker("a", 1, 1024);
        Harness.FakeWorker b = h.worker("b", 1, 1024);
        Harness.FakeWorker c = h.worker("c", 1, 1024);
        for (Harness.FakeWorker w : List.of(a, b, c)) {
            w.credit(1025);
        }
        JobSnapshot job = submit(60);
        for (Harness.FakeWorker w : List.of(a, b, c)) {
            w.started(of(w, job.id()).get(0));
        }
        Harness.FakeWorker late = h.worker("late", 1, 1024);
        late.credit(3);
        assertThat(of(late, job.id())).isEmpty(); // nothing queued: the others hold every task

        // their tasks run long: each keeps its running task and a prefetch of 2, and gives the rest back
        Set<Messages.TaskKey> givenBack = new HashSet<>();
        for (Harness.FakeWorker w : List.of(a, b, c)) {
            List<Messages.Assignment> mine = of(w, job.id());
            List<Messages.Assignment> back = mine.subList(3, mine.size());
            back.forEach(x -> givenBack.add(x.key()));
            w.giveBack(1025 - mine.size(), back);
        }

        List<Messages.Assignment> lates = of(late, job.id());
        assertThat(lates).hasSize(3);
        assertThat(lates).allSatisfy(x -> assertThat(x.attempt()).isEqualTo(1)); // a release uses up no attempt
        JobSnapshot now = h.job(job.id());
        assertThat(now.running()).isEqualTo(3);
        assertThat(now.held()).isEqualTo(3 * 2 + 3);
        assertThat(now.queued()).isEqualTo(60 - 12);
        assertThat(now.lost()).isZero();

        // from here on, each worker takes one more as each task ends: the late one gets its share of what is left
        Map<Harness.FakeWorker, Integer> ran = new HashMap<>();
        int round = 0;
        while (h.job(job.id()).state() == JobState.RUNNING && round++ < 100) {
            for (Harness.FakeWorker w : List.of(a, b, c, late)) {
                Set<Messages.TaskKey> acked = new HashSet<>(w.acks());
                of(w, job.id()).stream().filter(x -> !givenBack.contains(x.key()) && !acked.contains(x.key()))
                        .findFirst().ifPresent(x -> {
                            w.succeed(x);
                            ran.merge(w, 1, Integer::sum);
                        });
            }
            h.commit();
        }
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(ran.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(60);
        assertThat(ran.get(late)).isBetween(12, 18); // about a quarter of 60: it joined before any task ended
    }

    @Test
    void aWorkerShowsTheTasksItExecutesApartFromThoseItOnlyHolds() {
        Harness.FakeWorker w = h.worker("w", 2, 4);
        JobSnapshot job = submit(10);
        w.credit(6);
        List<Messages.Assignment> mine = of(w, job.id());
        assertThat(mine).hasSize(6);
        assertThat(snapshot("w").running()).isZero();
        assertThat(snapshot("w").held()).isEqualTo(6);

        w.started(mine.get(0), mine.get(1));

        assertThat(snapshot("w").running()).isEqualTo(2);
        assertThat(snapshot("w").held()).isEqualTo(4);
        JobSnapshot now = h.job(job.id());
        assertThat(now.running()).isEqualTo(2);
        assertThat(now.held()).isEqualTo(4);
        assertThat(h.scheduler.runningOn("w", 10)).filteredOn(Scheduler.RunningAttempt::executing).hasSize(2)
                .allSatisfy(r -> assertThat(r.runningSince()).isNotNull());

        String scraped = new io.gridwork.master.http.MasterMetrics(new io.gridwork.master.read.ReadModel(h.scheduler,
                h.store, h.timer.clock)).scrape();
        assertThat(scraped).contains("gridwork_tasks_running 2.0").contains("gridwork_tasks_held 4.0")
                .contains("gridwork_tasks_queued 4.0");

        w.succeed(mine.get(0)); // its output waits to be stored: held, not running
        now = h.job(job.id());
        assertThat(now.running()).isEqualTo(1);
        assertThat(snapshot("w").running()).isEqualTo(1);
        h.commit();
        assertThat(h.job(job.id()).held()).isEqualTo(4 + 1); // four prefetched, and the one its credit brought
    }
}
