package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.testjobs.HangingMergeJob;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.sdk.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commits on a one-task job's path: the job with its task, then its only output with its result (and its start)
 * in one commit; the output is never held longer than {@link JobRunner#OUTPUT_HOLD} for a slow merge, and a job's
 * start needs no commit of its own.
 */
class OneTaskJobTest {

    @TempDir
    Path dir;

    private Harness h;
    private ExecutorService jobCode;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
        if (jobCode != null) {
            jobCode.shutdownNow();
        }
    }

    private long commits() {
        return h.scheduler.journal().commits();
    }

    @Test
    void theOnlyTasksOutputIsStoredWithTheJobsResultAndItsStartInOneCommit() throws Exception {
        h = new Harness(dir);
        Harness.FakeWorker w = h.worker("w1", 1, 0);
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "1"));
        w.credit(1);
        Messages.Assignment a = w.assignments().get(0);
        long afterSubmit = commits();
        assertThat(h.scheduler.drainJournal()).as("the job's start waits for a commit to go with").isZero();
        assertThat(h.store.jobs().find(job.id()).orElseThrow().state()).isEqualTo(JobState.QUEUED);

        w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(7L), null, 1)));
        assertThat(w.acks()).as("acknowledged only once stored").isEmpty();
        assertThat(h.store.tasks().count(job.id()).succeeded()).isZero();

        assertThat(h.scheduler.drainJournal()).isEqualTo(1);
        assertThat(commits()).isEqualTo(afterSubmit + 1);
        JobRow row = h.store.jobs().find(job.id()).orElseThrow();
        assertThat(row.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(row.startedAt()).as("the start went with the result").isNotNull();
        assertThat(row.succeeded()).isEqualTo(1);
        assertThat(Codecs.listOf(Codecs.LONG).decode(h.store.jobs().result(job.id()).orElseThrow())).containsExactly(7L);
        assertThat(h.store.tasks().count(job.id()).succeeded()).isEqualTo(1);
        assertThat(w.acks()).containsExactly(a.key());
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(h.job(job.id()).succeeded()).isEqualTo(1);
        assertThat(h.scheduler.drainJournal()).as("nothing more to store").isZero();
    }

    @Test
    void aJobOfSeveralTasksStoresItsOutputsFirstAndMergesThemFromTheStore() throws Exception {
        h = new Harness(dir);
        Harness.FakeWorker w = h.worker("w1", 2, 0);
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "2"));
        w.credit(2);
        List<Messages.Assignment> both = w.assignments();
        assertThat(both).hasSize(2);
        w.succeed(both.get(0));
        w.succeed(both.get(1));
        long before = commits();
        h.scheduler.drainJournal();
        assertThat(h.store.tasks().count(job.id()).succeeded()).isEqualTo(2);
        h.commit();
        assertThat(commits()).as("the outputs, then the result").isEqualTo(before + 2);
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(Codecs.listOf(Codecs.LONG).decode(h.store.jobs().result(job.id()).orElseThrow())).containsExactly(0L, 1L);
    }

    @Test
    void aJobsStartIsStoredAloneAfterTheDeferLimitWhenNothingElseIsCommitted() throws Exception {
        h = new Harness(dir);
        Harness.FakeWorker w = h.worker("w1", 1, 0);
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "3"));
        w.credit(1);
        assertThat(w.assignments()).hasSize(1);
        assertThat(h.scheduler.drainJournal()).isZero();

        h.advance(Flusher.DEFER_LIMIT);
        assertThat(h.scheduler.drainJournal()).isEqualTo(1);
        JobRow row = h.store.jobs().find(job.id()).orElseThrow();
        assertThat(row.state()).isEqualTo(JobState.RUNNING);
        assertThat(row.startedAt()).isNotNull();
    }

    /** A one-task job whose merge never ends, its worker, and the assignment whose result it sent (committed). */
    private record HeldOutput(Harness.FakeWorker worker, JobSnapshot job, Messages.Assignment assignment) {}

    private HeldOutput resultOfAJobWhoseMergeHangs() throws Exception {
        jobCode = Executors.newCachedThreadPool();
        h = new Harness(dir, SchedulerOptions.builder().mergeTimeout(Duration.ofSeconds(5)).build(), jobCode);
        Harness.FakeWorker w = h.worker("w1", 1, 0);
        JobSnapshot job = h.submit(HangingMergeJob.class, Map.of());
        w.credit(1);
        Messages.Assignment a = w.assignments().get(0);
        w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(0L), null, 1)));
        h.commit();
        return new HeldOutput(w, job, a);
    }

    @Test
    void aSlowMergeLetsTheOutputBeStoredAndAcknowledgedAloneAfterTheHold() throws Exception {
        HeldOutput held = resultOfAJobWhoseMergeHangs();
        Harness.FakeWorker w = held.worker();
        JobSnapshot job = held.job();
        Messages.Assignment a = held.assignment();
        assertThat(w.acks()).as("held for the merge").isEmpty();
        assertThat(h.store.tasks().count(job.id()).succeeded()).isZero();

        h.advance(JobRunner.OUTPUT_HOLD);
        h.commit();
        assertThat(w.acks()).containsExactly(a.key());
        assertThat(h.store.tasks().count(job.id()).succeeded()).isEqualTo(1);
        assertThat(h.job(job.id()).state()).as("the merge goes on").isEqualTo(JobState.RUNNING);

        h.advance(Duration.ofSeconds(5));
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.FAILED);
        assertThat(h.job(job.id()).error()).endsWith("merge did not finish within 5 s");
    }

    @Test
    void aJobCancelledWhileItsOnlyOutputWaitsForTheMergeStoresTheOutputWithItsEnd() throws Exception {
        HeldOutput held = resultOfAJobWhoseMergeHangs();
        Harness.FakeWorker w = held.worker();
        JobSnapshot job = held.job();
        Messages.Assignment a = held.assignment();
        assertThat(w.acks()).isEmpty();

        var cancelled = h.scheduler.cancel(job.id(), "enough");
        long before = commits();
        assertThat(h.scheduler.drainJournal()).isEqualTo(1);
        assertThat(commits()).isEqualTo(before + 1);
        assertThat(cancelled).isCompleted();
        assertThat(h.store.jobs().find(job.id()).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
        assertThat(h.store.tasks().count(job.id()).succeeded()).isEqualTo(1);
        assertThat(w.acks()).containsExactly(a.key());
        h.advance(Duration.ofSeconds(6)); // the merge's time limit: it is interrupted, and nothing more happens
        h.commit();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            h.commit();
            assertThat(h.job(job.id()).state()).isEqualTo(JobState.CANCELLED);
        });
    }
}
