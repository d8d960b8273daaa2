package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.master.testjobs.UnsizedJob;
import io.gridwork.sdk.Codecs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Jobs that run after other jobs (grid submit --after): waiting, release, cascaded cancellation, restarts. */
class PipelinesTest extends HarnessTestBase {

    private Submission unsized(String n, String... after) {
        return new Submission(h.jarSha, UnsizedJob.class.getName(), Map.of("n", n), 0, 0).after(List.of(after));
    }

    /** Runs every task the worker is given until the job ends (UnsizedJob: task i outputs i). */
    private JobSnapshot runToEnd(Harness.FakeWorker w, String jobId) {
        int done = 0;
        for (int guard = 0; guard < 1000 && !h.job(jobId).state().isTerminal(); guard++) {
            List<Messages.Assignment> all = new ArrayList<>(w.assignments());
            while (done < all.size()) {
                Messages.Assignment a = all.get(done++);
                w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(a.key().index()), null, 0)));
            }
            h.commit();
            h.advance(Duration.ofMillis(100));
        }
        return h.job(jobId);
    }

    /** Lets the periodic checks and the journal run until {@code job} is no longer WAITING (or a bound passes). */
    private JobSnapshot settle(String jobId) {
        for (int i = 0; i < 50 && h.job(jobId).state() == JobState.WAITING; i++) {
            h.commit();
            h.advance(Duration.ofMillis(500));
            h.commit();
        }
        return h.job(jobId);
    }

    @Test
    void aJobAfterAnotherWaitsWithoutTasksThenStartsWithTheUpstreamResultAsItsArgument() {
        Harness.FakeWorker w = h.worker("w1", 4, 0);
        JobSnapshot a = h.submit(unsized("3"));
        JobSnapshot b = h.submit(new Submission(h.jarSha, UnsizedJob.class.getName(),
                Map.of("n", "@result:" + a.id()), 0, 0).after(List.of(a.id())));

        assertThat(b.state()).isEqualTo(JobState.WAITING);
        assertThat(h.store.tasks().count(b.id()).pending()).as("a waiting job has no tasks").isZero();
        assertThat(h.store.dependencies().upstream(b.id())).containsExactly(a.id());
        assertThat(h.store.dependencies().downstream(a.id())).containsExactly(b.id());
        h.advance(Duration.ofSeconds(1));
        h.commit();
        assertThat(h.scheduler.waitingFor(b.id())).hasValueSatisfying(r -> assertThat(r).startsWith(
                "waiting for " + a.id() + " (").endsWith("to succeed"));

        w.credit(4);
        assertThat(runToEnd(w, a.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(h.job(a.id()).resultText()).isEqualTo("3"); // 0 + 1 + 2
        JobSnapshot started = settle(b.id());
        assertThat(started.state()).isIn(JobState.QUEUED, JobState.RUNNING);
        assertThat(started.args()).containsEntry("n", "3");
        assertThat(h.store.jobs().find(b.id()).orElseThrow().args()).as("stored resolved").containsEntry("n", "3");
        JobSnapshot end = runToEnd(w, b.id());
        assertThat(end.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(end.resultText()).isEqualTo("3");
        assertThat(end.total()).isEqualTo(3);
    }

    @Test
    void aJobAfterOneThatHasAlreadySucceededStartsAtOnce() {
        Harness.FakeWorker w = h.worker("w1", 4, 0);
        w.credit(4);
        JobSnapshot a = h.submit(unsized("2"));
        runToEnd(w, a.id());
        JobSnapshot b = h.submit(unsized("@result:" + a.id(), a.id()));
        assertThat(settle(b.id()).state()).isIn(JobState.QUEUED, JobState.RUNNING);
        assertThat(runToEnd(w, b.id()).resultText()).isEqualTo("0"); // n = 1: one task, output 0
    }

    @Test
    void aFailedOrCancelledUpstreamCancelsTheWaitingJobsAndTheirDownstreamWithAReasonNamingIt() {
        JobSnapshot a = h.submit(unsized("3"));
        JobSnapshot b = h.submit(unsized("1", a.id()));
        JobSnapshot c = h.submit(unsized("1", b.id()));
        JobSnapshot d = h.submit(unsized("1", a.id(), c.id()));

        h.completed(h.scheduler.cancel(a.id(), "test"));
        h.commit();
        JobSnapshot bEnd = settle(b.id());
        assertThat(bEnd.state()).isEqualTo(JobState.CANCELLED);
        assertThat(bEnd.error()).isEqualTo("cancelled: " + a.id() + ", which it runs after, was cancelled");
        assertThat(settle(c.id()).error()).isEqualTo("cancelled: " + b.id() + ", which it runs after, was cancelled");
        assertThat(settle(d.id()).state()).isEqualTo(JobState.CANCELLED);
        assertThat(h.store.tasks().count(c.id()).pending()).isZero();
    }

    @Test
    void aFailedUpstreamIsNamedWithItsError() {
        Harness.FakeWorker w = h.worker("w1", 1, 0);
        JobSnapshot a = h.submit(new Submission(h.jarSha, SquaresJob.class.getName(), Map.of("n", "1"), 1, 0));
        JobSnapshot b = h.submit(unsized("1", a.id()));
        w.credit(1);
        w.fail(w.assignments().get(0), "boom", false);
        h.commit();
        assertThat(h.job(a.id()).state()).isEqualTo(JobState.FAILED);
        JobSnapshot end = settle(b.id());
        assertThat(end.state()).isEqualTo(JobState.CANCELLED);
        assertThat(end.error()).startsWith("cancelled: " + a.id() + ", which it runs after, failed (").contains("boom");
    }

    @Test
    void aWaitingJobCanBeCancelledAndItsWatchersHearIt() {
        JobSnapshot a = h.submit(unsized("3"));
        JobSnapshot b = h.submit(unsized("1", a.id()));
        List<JobSnapshot> seen = new ArrayList<>();
        h.scheduler.watch(b.id(), seen::add);
        JobSnapshot cancelled = h.completed(h.scheduler.cancel(b.id(), "not needed"));
        assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
        assertThat(cancelled.error()).isEqualTo("cancelled: not needed");
        assertThat(seen).last().extracting(JobSnapshot::state).isEqualTo(JobState.CANCELLED);
        assertThat(h.job(a.id()).state()).as("the upstream job is not touched").isEqualTo(JobState.QUEUED);
    }

    @Test
    void aReleasedJobWhoseSplitRefusesTheResultFailsNamingWhy() {
        Harness.FakeWorker w = h.worker("w1", 4, 0);
        w.credit(4);
        JobSnapshot a = h.submit(new Submission(h.jarSha, SquaresJob.class.getName(), Map.of("n", "2"), 0, 0));
        JobSnapshot b = h.submit(unsized("@result:" + a.id(), a.id()));
        for (Messages.Assignment t : new ArrayList<>(w.assignments())) {
            w.succeed(t);
        }
        h.commit();
        assertThat(h.job(a.id()).state()).isEqualTo(JobState.SUCCEEDED);
        JobSnapshot end = settle(b.id());
        assertThat(end.state()).isEqualTo(JobState.FAILED);
        assertThat(end.error()).startsWith("could not start after the jobs it runs after: ");
    }

    @Test
    void aWaitingJobSurvivesARestartAndStartsWhenItsUpstreamEndsOnTheNewMaster() {
        JobSnapshot a = h.submit(unsized("2"));
        JobSnapshot b = h.submit(unsized("@result:" + a.id(), a.id()));
        h.commit();
        h.scheduler.close();
        h.restart();
        assertThat(h.job(b.id()).state()).isEqualTo(JobState.WAITING);
        h.advance(Duration.ofSeconds(30)); // the adoption window ends: the resumed upstream dispatches again
        Harness.FakeWorker w = h.worker("w2", 4, 0);
        w.credit(4);
        assertThat(runToEnd(w, a.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(settle(b.id()).args()).containsEntry("n", "1");
        assertThat(runToEnd(w, b.id()).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void submissionsThatCouldNeverStartAreRefusedAndStoreNothing() {
        JobSnapshot a = h.submit(unsized("1"));
        long before = h.store.jobs().list(100, List.of(), null, null).size();
        assertThatThrownBy(() -> h.submit(unsized("1", "job-999")))
                .isInstanceOf(CoreException.class).hasMessage("after: no job job-999");
        assertThatThrownBy(() -> h.submit(new Submission(h.jarSha, UnsizedJob.class.getName(),
                Map.of("n", "@result:" + a.id()), 0, 0).after(List.of("job-999"))))
                .isInstanceOf(CoreException.class).hasMessageContaining(a.id() + " is not in after");
        assertThatThrownBy(() -> h.submit(unsized("1", a.id(), a.id())))
                .isInstanceOf(CoreException.class).hasMessage("after: " + a.id() + " is named twice");
        String[] many = IntStream.range(0, Pipelines.MAX_AFTER + 1).mapToObj(i -> a.id()).toArray(String[]::new);
        assertThatThrownBy(() -> h.submit(unsized("1", many)))
                .isInstanceOf(CoreException.class).hasMessageContaining("over the limit of " + Pipelines.MAX_AFTER);
        assertThat(h.store.jobs().list(100, List.of(), null, null)).hasSize((int) before);
    }

    @Test
    void theDecisionWaitsReleasesOrEndsFromTheUpstreamStates() {
        Map<String, String> args = new LinkedHashMap<>(Map.of("model", "@result:job-1", "k", "v"));
        List<String> after = List.of("job-1", "job-2");
        assertThat(Pipelines.decide(after, args, Map.of("job-1", row("job-1", JobState.SUCCEEDED, "42"),
                "job-2", row("job-2", JobState.RUNNING, null))))
                .isEqualTo(new Pipelines.Wait("waiting for job-2 (RUNNING) to succeed"));
        assertThat(Pipelines.decide(after, args, Map.of("job-1", row("job-1", JobState.SUCCEEDED, "42"),
                "job-2", row("job-2", JobState.SUCCEEDED, null))))
                .isEqualTo(new Pipelines.Release(Map.of("model", "42", "k", "v")));
        assertThat(Pipelines.decide(after, args, Map.of("job-1", row("job-1", JobState.QUEUED, null),
                "job-2", row("job-2", JobState.FAILED, null))))
                .isEqualTo(new Pipelines.End(JobState.CANCELLED, "cancelled: job-2, which it runs after, failed"));
        assertThat(Pipelines.decide(after, args, Map.of("job-1", row("job-1", JobState.SUCCEEDED, null),
                "job-2", row("job-2", JobState.SUCCEEDED, null))))
                .isInstanceOfSatisfying(Pipelines.End.class, e -> {
                    assertThat(e.state()).isEqualTo(JobState.FAILED);
                    assertThat(e.error()).startsWith("args: model=@result:job-1: the result of job-1 has no text form");
                });
    }

    private static JobRow row(String id, JobState state, String resultText) {
        return new JobRow(id, "0".repeat(64), "J", Map.of(), state, 1, 0, java.time.Instant.EPOCH, null, null, 0, true,
                0, 0, 0, 0, 0, null, resultText, "application/octet-stream", 8, "", io.gridwork.master.store.NewJob
                .Placement.DEFAULT, 0, null, null, 0, 0);
    }

}
