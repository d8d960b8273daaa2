package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.testjobs.BrokenMergeJob;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.master.testjobs.UnsizedJob;
import io.gridwork.sdk.Codecs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SchedulerTest extends HarnessTestBase {

    private List<Long> squares(long n) {
        return LongStream.range(0, n).map(i -> i * i).boxed().collect(Collectors.toList());
    }

    private List<Long> result(String jobId) {
        return Codecs.listOf(Codecs.LONG).decode(h.scheduler.result(jobId).bytes());
    }

    @Test
    void aWorkerNeverGetsMoreTasksThanItsCredits() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "20"));
        Harness.FakeWorker w = h.worker("w1", 2, 1);
        assertThat(w.assignments()).isEmpty();

        w.credit(3);
        assertThat(w.assignments()).hasSize(3);
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.RUNNING);

        w.credit(5); // more than slots + prefetch allow: capped
        assertThat(w.assignments()).hasSize(3);

        w.succeed(w.assignments().get(0)); // a result and one more credit
        assertThat(w.assignments()).hasSize(4);
    }

    @Test
    void aJobRunsToTheRightResultWithResultsMergedInTaskOrder() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "10"));
        assertThat(job.total()).isEqualTo(10);
        Harness.FakeWorker w = h.worker("w1", 10, 0);
        w.credit(10);
        List<Messages.Assignment> tasks = new ArrayList<>(w.assignments());
        assertThat(tasks).hasSize(10);
        Collections.reverse(tasks); // finish in reverse order
        for (Messages.Assignment a : tasks) {
            w.succeed(a);
        }
        h.commit();
        JobSnapshot done = h.job(job.id());
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.succeeded()).isEqualTo(10);
        assertThat(result(job.id())).isEqualTo(squares(10));
        assertThat(w.endedJobs()).containsExactly(job.id());
    }

    @Test
    void resultsAreAcknowledgedOnlyOnceStored() {
        h.submit(SquaresJob.class, Map.of("n", "3"));
        Harness.FakeWorker w = h.worker("w1", 1, 0);
        w.credit(1);
        Messages.Assignment a = w.assignments().get(0);
        w.succeed(a);
        assertThat(w.acks()).isEmpty();
        h.commit();
        assertThat(w.acks()).containsExactly(a.key());
    }

    @Test
    void aLateOrDuplicateResultIsRejectedAndNeverMergedTwice() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "2"));
        Harness.FakeWorker w1 = h.worker("w1", 1, 0);
        w1.credit(1);
        Messages.Assignment first = w1.assignments().get(0);
        w1.disconnect(); // its task goes elsewhere once it is found dead
        h.advance(Duration.ofMillis(300));
        Harness.FakeWorker w2 = h.worker("w2", 2, 0);
        w2.credit(2);
        assertThat(w2.assignments()).hasSize(2);
        Messages.Assignment again = w2.assignments().stream().filter(a -> a.key().index() == first.key().index())
                .findFirst().orElseThrow();
        assertThat(again.key().attemptId()).isNotEqualTo(first.key().attemptId());
        assertThat(again.attempt()).isEqualTo(2);

        // the first attempt's worker comes back with its result: fenced off
        w1.connect(List.of(first.key()));
        w1.send(0, List.of(new Messages.Result(first.key(), Codecs.LONG.encode(999L), null, 1)));
        assertThat(w1.rejections()).extracting(r -> r.key()).containsExactly(first.key());

        w2.assignments().forEach(w2::succeed);
        w2.succeed(again); // a duplicate of a result already sent
        h.commit();
        assertThat(w2.rejections()).hasSize(1);
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(result(job.id())).isEqualTo(squares(2));
    }

    @Test
    void aResultForAnotherWorkersAttemptIsRefused() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "1"));
        Harness.FakeWorker owner = h.worker("owner", 1, 0);
        Harness.FakeWorker thief = h.worker("thief", 1, 0);
        owner.credit(1);
        Messages.Assignment a = owner.assignments().get(0);
        thief.send(0, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(666L), null, 1)));
        h.commit();
        assertThat(thief.rejections()).extracting(Messages.Rejection::key).containsExactly(a.key());
        assertThat(h.job(job.id()).succeeded()).isZero();
        owner.succeed(a);
        h.commit();
        assertThat(result(job.id())).containsExactly(0L);
        assertThat(h.job(job.id()).rejected()).isEqualTo(1);
    }

    @Test
    void aFailingTaskIsRetriedElsewhereThenFailsTheJobWithItsMessage() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "1"), 3);
        Harness.FakeWorker w1 = h.worker("w1", 1, 0);
        Harness.FakeWorker w2 = h.worker("w2", 1, 0);
        w1.credit(1);
        w2.credit(1);
        Harness.FakeWorker holder = w1.assignments().isEmpty() ? w2 : w1;
        Harness.FakeWorker other = holder == w1 ? w2 : w1;
        holder.fail(holder.assignments().get(0), "boom 1", true);
        assertThat(other.assignments()).isEmpty(); // backing off
        h.advance(Duration.ofSeconds(1));
        assertThat(other.assignments()).hasSize(1); // the retry went to the other worker
        assertThat(other.assignments().get(0).attempt()).isEqualTo(2);
        other.fail(other.assignments().get(0), "boom 2", true);
        h.advance(Duration.ofSeconds(1));
        Harness.FakeWorker third = holder.assignments().size() == 2 ? holder : other;
        Messages.Assignment last = third.assignments().get(third.assignments().size() - 1);
        assertThat(last.attempt()).isEqualTo(3);
        third.fail(last, "boom 3", true);
        h.commit();
        JobSnapshot failed = h.job(job.id());
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.error()).isEqualTo("task 0 failed 3 times; last error: boom 3");
        assertThat(failed.failed()).isEqualTo(1);
        assertThat(failed.retried()).isEqualTo(2);
    }

    @Test
    void aNonRetryableFailureFailsTheJobAtOnceAndCancelsTheRest() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "5"));
        Harness.FakeWorker w = h.worker("w1", 5, 0);
        w.credit(5);
        w.fail(w.assignments().get(2), "bad input", false);
        h.commit();
        JobSnapshot failed = h.job(job.id());
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.error()).isEqualTo("task 2 failed and is not retryable: bad input");
        assertThat(w.cancels()).hasSize(4);
    }

    @Test
    void tasksOfALostWorkerGoElsewhereWithoutUsingTheirAttempts() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "4"), 1);
        Harness.FakeWorker w1 = h.worker("w1", 4, 0);
        w1.credit(4);
        assertThat(w1.assignments()).hasSize(4);
        w1.disconnect(); // its stream broke: probed at once, twice, on every path
        assertThat(state("w1")).isEqualTo(WorkerState.SUSPECT);
        h.advance(Duration.ofMillis(300));
        assertThat(h.scheduler.workers(true)).filteredOn(s -> s.name().equals("w1"))
                .extracting(WorkerSnapshot::state).containsExactly(WorkerState.DEAD);
        Harness.FakeWorker w2 = h.worker("w2", 4, 0);
        w2.credit(4);
        assertThat(w2.assignments()).hasSize(4);
        w2.assignments().forEach(w2::succeed);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED); // max attempts 1 was not used up
        assertThat(result(job.id())).isEqualTo(squares(4));
    }

    @Test
    void aSilentWorkerIsSuspectedProbedTwiceOnEveryPathThenDeclaredDeadAndItsTasksReassigned() {
        h.submit(SquaresJob.class, Map.of("n", "2"));
        Harness.FakeWorker w1 = h.worker("w1", 2, 0);
        Harness.FakeWorker w2 = h.worker("w2", 2, 0);
        w1.credit(2);
        assertThat(w1.assignments()).hasSize(2);
        for (int i = 0; i < 9; i++) { // 2.25 s: two missed heartbeats
            h.advance(Duration.ofMillis(250));
            w2.heartbeat();
        }
        assertThat(state("w1")).isEqualTo(WorkerState.SUSPECT);
        assertThat(w1.closed).isFalse();
        assertThat(h.prober.probes).isEqualTo(1);
        assertThat(w2.probeRequests()).hasSize(1); // the indirect path
        w2.answerProbes(false);
        h.advance(Duration.ofMillis(300)); // the second round
        assertThat(h.prober.probes).isEqualTo(2);
        assertThat(state("w1")).isEqualTo(WorkerState.SUSPECT);
        w2.answerProbes(false);
        assertThat(state("w1")).isEqualTo(WorkerState.DEAD);
        assertThat(w1.closed).isTrue();
        assertThat(w1.closeReason).contains("unreachable on every path");
        w2.credit(2);
        assertThat(w2.assignments()).hasSize(2);
        assertThat(events()).containsSubsequence("w1 ALIVE", "w1 SUSPECT", "w1 DEAD");
    }

    @Test
    void heartbeatsThatResumeClearTheSuspicion() {
        Harness.FakeWorker w1 = h.worker("w1", 2, 0);
        w1.credit(2);
        h.advance(Duration.ofMillis(2250));
        assertThat(state("w1")).isEqualTo(WorkerState.SUSPECT);
        h.submit(SquaresJob.class, Map.of("n", "4"));
        assertThat(w1.assignments()).isEmpty(); // a suspect gets no new tasks
        w1.heartbeat();
        assertThat(state("w1")).isEqualTo(WorkerState.ALIVE);
        assertThat(w1.assignments()).hasSize(2);
    }

    @Test
    void aBrokenStreamOfAWorkerStillReachableIsALinkFailureAndItKeepsItsTasks() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "3"));
        Harness.FakeWorker w1 = h.worker("w1", 3, 0);
        Harness.FakeWorker w2 = h.worker("w2", 3, 0);
        h.prober.reachablePorts.add(w1.healthPort);
        w1.credit(3);
        List<Messages.Assignment> held = new ArrayList<>(w1.assignments());
        w1.disconnect();
        assertThat(state("w1")).isEqualTo(WorkerState.LINK_FAILED);
        w2.credit(3);
        assertThat(w2.assignments()).isEmpty(); // kept for w1 during the grace period
        h.advance(Duration.ofSeconds(5));
        RegisterOutcome back = w1.connect(held.stream().map(Messages.Assignment::key).collect(Collectors.toList()));
        assertThat(back.keep()).hasSize(3);
        assertThat(state("w1")).isEqualTo(WorkerState.ALIVE);
        held.forEach(w1::succeed);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(h.job(job.id()).lost()).isZero();
        assertThat(events()).containsSubsequence("w1 LINK_FAILED", "w1 RECOVERED");
    }

    @Test
    void aLinkFailureThatOutlastsItsGraceMakesTheWorkerDeadAndItsTasksGoElsewhere() {
        h.submit(SquaresJob.class, Map.of("n", "2"));
        Harness.FakeWorker w1 = h.worker("w1", 2, 0);
        Harness.FakeWorker w2 = h.worker("w2", 2, 0);
        h.prober.reachablePorts.add(w1.healthPort);
        w1.credit(2);
        w1.disconnect();
        assertThat(state("w1")).isEqualTo(WorkerState.LINK_FAILED);
        w2.credit(2);
        for (int i = 0; i < 45; i++) {
            h.advance(Duration.ofMillis(250));
            w2.heartbeat();
            w2.answerProbes(true);
        }
        assertThat(state("w1")).isEqualTo(WorkerState.DEAD);
        assertThat(w2.assignments()).hasSize(2);
    }

    @Test
    void aTaskUnderWhichWorkersKeepDyingIsQuarantinedAndOnlyItsJobFails() {
        JobSnapshot poison = h.submit(SquaresJob.class, Map.of("n", "1"));
        JobSnapshot other = h.submit(SquaresJob.class, Map.of("n", "2"));
        for (int i = 1; i <= 3; i++) {
            Harness.FakeWorker w = h.worker("victim-" + i, 1, 0);
            w.credit(1);
            Messages.Assignment a = w.assignments().get(0);
            if (a.key().jobId().equals(poison.id())) {
                w.crashed(a);
            } else {
                w.succeed(a);
                Messages.Assignment next = w.assignments().get(1);
                w.crashed(next);
            }
        }
        h.commit();
        JobSnapshot failed = h.job(poison.id());
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.error()).startsWith("task 0 was running when its worker died 3 times").endsWith("it is quarantined");
        Harness.FakeWorker healthy = h.worker("healthy", 2, 0);
        healthy.credit(2);
        healthy.assignments().forEach(healthy::succeed);
        h.commit();
        assertThat(h.job(other.id()).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void aTaskWithoutProgressPastItsTimeoutIsCancelledAndRetriedElsewhere() {
        JobSnapshot job = h.submit(new Submission(h.jarSha, SquaresJob.class.getName(), Map.of("n", "1"), 0, 2000));
        Harness.FakeWorker w1 = h.worker("w1", 1, 0);
        Harness.FakeWorker w2 = h.worker("w2", 1, 0);
        w1.credit(1);
        w2.credit(1);
        Harness.FakeWorker slow = w1.assignments().isEmpty() ? w2 : w1;
        Harness.FakeWorker other = slow == w1 ? w2 : w1;
        Messages.Assignment a = slow.assignments().get(0);
        slow.progress(a, 0.0); // started
        for (int i = 0; i < 6; i++) { // progress keeps it alive well past the timeout
            h.advance(Duration.ofMillis(1000));
            slow.progress(a, 0.1 * i);
            other.heartbeat();
        }
        assertThat(slow.cancels()).isEmpty();
        for (int i = 0; i < 4; i++) { // then it hangs
            h.advance(Duration.ofMillis(1000));
            slow.heartbeat();
            other.heartbeat();
        }
        assertThat(slow.cancels()).containsExactly(a.key());
        assertThat(other.assignments()).hasSize(1);
        other.succeed(other.assignments().get(0));
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(h.job(job.id()).retried()).isEqualTo(1);
    }

    private WorkerState state(String name) {
        return h.scheduler.workers(true).stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow().state();
    }

    private List<String> events() {
        List<String> seen = new ArrayList<>();
        h.scheduler.watchWorkers(1000, e -> seen.add(e.name() + " " + e.type()));
        return seen;
    }

    @Test
    void cancellingStopsRunningTasksAndRefusesTheirResults() throws Exception {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "6"));
        Harness.FakeWorker w = h.worker("w1", 2, 0);
        w.credit(2);
        var cancelled = h.scheduler.cancel(job.id(), "changed my mind");
        h.commit();
        assertThat(cancelled.get().state()).isEqualTo(JobState.CANCELLED);
        assertThat(h.job(job.id()).error()).isEqualTo("cancelled: changed my mind");
        assertThat(w.cancels()).hasSize(2);
        w.succeed(w.assignments().get(0));
        assertThat(w.rejections()).hasSize(1);
        assertThatThrownBy(() -> h.scheduler.cancel(job.id(), "again").get())
                .isInstanceOf(ExecutionException.class).hasRootCauseMessage("job " + job.id() + " has already ended (CANCELLED)");
    }

    @Test
    void aJobWhoseMergeThrowsFailsWithTheReason() {
        JobSnapshot job = h.submit(BrokenMergeJob.class, Map.of());
        Harness.FakeWorker w = h.worker("w1", 2, 0);
        w.credit(2);
        w.assignments().forEach(w::succeed);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.FAILED);
        assertThat(h.job(job.id()).error()).isEqualTo("merge failed: java.lang.IllegalStateException: merge exploded");
    }

    @Test
    void badSubmissionsStoreNothing() {
        assertThatThrownBy(() -> h.submit(SquaresJob.class, Map.of("n", "many")))
                .isInstanceOf(CoreException.class).hasMessage("args: argument 'n' must be an integer, got 'many'");
        assertThatThrownBy(() -> h.submit(new Submission(h.jarSha, "no.Such", Map.of(), 0, 0)))
                .isInstanceOf(CoreException.class).hasMessageStartingWith("job_class: no class no.Such in the jar (the jar's job classes: ");
        assertThatThrownBy(() -> h.submit(new Submission("0".repeat(64), "no.Such", Map.of(), 0, 0)))
                .isInstanceOf(CoreException.class).hasMessageStartingWith("jar_sha256: the master holds no jar");
        assertThat(h.scheduler.jobs(10, List.of())).isEmpty();
    }

    @Test
    void theSplitIsTakenInBatchesNotAllAtOnce() {
        JobSnapshot job = h.submit(UnsizedJob.class, Map.of("n", "1000"));
        // ready tasks are bounded (8 here): only a batch or two is taken from the split until tasks run
        assertThat(h.store.tasks().count(job.id()).pending()).isLessThanOrEqualTo(12);
        Harness.FakeWorker w = h.worker("w1", 4, 0);
        w.credit(4);
        int done = 0;
        while (h.job(job.id()).state() == JobState.RUNNING || h.job(job.id()).state() == JobState.QUEUED) {
            List<Messages.Assignment> all = w.assignments();
            Messages.Assignment a = all.get(done++);
            w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(a.key().index()), null, 0)));
            h.commit();
            assertThat(h.store.tasks().count(job.id()).pending()).isLessThanOrEqualTo(16);
        }
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(Codecs.LONG.decode(h.scheduler.result(job.id()).bytes())).isEqualTo(999L * 1000 / 2);
    }

    @Test
    void afterARestartCompletedTasksAreNotRunAgainAndTheResultIsTheSame() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "20"));
        Harness.FakeWorker w = h.worker("w1", 5, 0);
        w.credit(5);
        List<Messages.Assignment> before = new ArrayList<>(w.assignments());
        before.subList(0, 3).forEach(w::succeed);
        h.commit();
        long doneBefore = h.job(job.id()).succeeded();
        assertThat(doneBefore).isEqualTo(3);

        h.restart();
        assertThat(h.job(job.id()).succeeded()).isEqualTo(3);
        Harness.FakeWorker again = h.worker("w2", 50, 0);
        again.credit(50);
        assertThat(again.assignments()).isEmpty(); // w1 was alive before the restart: its tasks wait for it
        for (int i = 0; i < 22; i++) { // it does not come back within the adoption grace
            h.advance(Duration.ofMillis(500));
            again.heartbeat();
        }
        assertThat(again.assignments()).hasSize(17); // only what was not stored
        assertThat(again.assignments()).extracting(a -> a.key().index())
                .doesNotContainAnyElementsOf(before.subList(0, 3).stream().map(a -> a.key().index()).collect(Collectors.toList()));
        // a result of an attempt from before the restart is fenced off
        w.connect(List.of());
        w.send(0, List.of(new Messages.Result(before.get(4).key(), Codecs.LONG.encode(16L), null, 1)));
        assertThat(w.rejections().get(0).reason()).contains("before the master restarted");
        again.assignments().forEach(again::succeed);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(result(job.id())).isEqualTo(squares(20));
    }

    @Test
    void afterARestartAWorkerTakesBackTheTasksItWasRunningAndTheirResultsCount() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "6"));
        Harness.FakeWorker w = h.worker("w1", 3, 0);
        w.credit(3);
        List<Messages.Assignment> running = new ArrayList<>(w.assignments());
        h.restart();
        RegisterOutcome back = w.connect(running.stream().map(Messages.Assignment::key).collect(Collectors.toList()));
        assertThat(back.keep()).hasSize(3);
        running.forEach(w::succeed); // each result also grants a credit
        h.commit();
        w.assignments().subList(3, w.assignments().size()).forEach(w::succeed);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(result(job.id())).isEqualTo(squares(6));
        assertThat(w.assignments()).hasSize(6); // nothing ran twice
    }

    @Test
    void aWorkerThatRegistersAgainKeepsTheTasksItStillHolds() {
        h.submit(SquaresJob.class, Map.of("n", "3"));
        Harness.FakeWorker w = h.worker("w1", 3, 0);
        w.credit(3);
        List<Messages.Assignment> held = new ArrayList<>(w.assignments());
        RegisterOutcome outcome = w.connect(held.stream().map(Messages.Assignment::key).collect(Collectors.toList()));
        assertThat(outcome.keep()).hasSize(3);
        assertThat(outcome.drop()).isEmpty();
        held.forEach(w::succeed);
        h.commit();
        assertThat(w.acks()).hasSize(3);
    }

    @Test
    void anEmptyJobSucceedsAtOnce() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "0"));
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(result(job.id())).isEmpty();
    }

    @Test
    void watchersSeeProgressAndTheEnd() {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "2"));
        List<JobSnapshot> seen = new ArrayList<>();
        h.scheduler.watch(job.id(), seen::add);
        Harness.FakeWorker w = h.worker("w1", 2, 0);
        w.credit(2);
        w.assignments().forEach(w::succeed);
        h.commit();
        h.advance(Duration.ofSeconds(1));
        assertThat(seen).isNotEmpty();
        assertThat(seen.get(seen.size() - 1).state()).isEqualTo(JobState.SUCCEEDED);
    }
}
