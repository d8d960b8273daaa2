package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.store.WorkerRegistration;
import io.gridwork.master.store.WorkerRow;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.master.testjobs.UnsizedJob;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Every write goes through the journal, in the loop's order, and what waits on a write completes after its commit. */
class OneWriterTest extends HarnessTestBase {

    private WorkerRegistration registration(String name, int slots) {
        return new WorkerRegistration(name, slots, 0, Map.of(), "127.0.0.1", 0, Map.of(), h.timer.clock.instant());
    }

    @Test
    void aSubmissionCompletesOnlyOnceItsJobIsCommitted() {
        CompletableFuture<JobSnapshot> submitted = h.scheduler.submit(new Submission(h.jarSha, SquaresJob.class.getName(),
                Map.of("n", "3"), 0, 0));
        assertThat(submitted).isNotDone();
        assertThat(h.store.jobs().list(10, List.of(), null, null)).isEmpty();

        h.commit();
        assertThat(submitted).isCompleted();
        JobSnapshot job = submitted.join();
        assertThat(h.store.jobs().find(job.id())).isPresent();
        assertThat(h.store.tasks().count(job.id()).pending()).as("its first tasks came in the same commit")
                .isEqualTo(3);
        assertThat(job.total()).isEqualTo(3);
    }

    @Test
    void aRefusedSubmissionFailsTheFutureAndStoresNothing() {
        CompletableFuture<JobSnapshot> submitted = h.scheduler.submit(new Submission(h.jarSha, SquaresJob.class.getName(),
                Map.of("n", "x"), 0, 0));
        h.commit();
        assertThat(submitted).isCompletedExceptionally();
        assertThatThrownBy(() -> h.completed(submitted)).isInstanceOf(CoreException.class)
                .hasMessage("args: argument 'n' must be an integer, got 'x'");
        assertThat(h.store.jobs().list(10, List.of(), null, null)).isEmpty();
    }

    @Test
    void registrationsOfOneWorkerApplyInTheOrderTheyCameAndEachCompletesAfterItsCommit() {
        CompletableFuture<RegisterOutcome> first = h.scheduler.registerAsync(registration("w1", 2), List.of());
        CompletableFuture<RegisterOutcome> second = h.scheduler.registerAsync(registration("w1", 5), List.of());
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        assertThat(h.store.workers().all()).isEmpty();

        h.commit();
        RegisterOutcome one = first.join();
        RegisterOutcome two = second.join();
        assertThat(two.workerId()).isEqualTo(one.workerId());
        assertThat(two.incarnation()).isEqualTo(one.incarnation() + 1);
        WorkerRow stored = h.store.workers().all().get(0);
        assertThat(stored.incarnation()).isEqualTo(two.incarnation());
        assertThat(stored.slots()).isEqualTo(5);
        assertThat(h.scheduler.workers(false)).singleElement().satisfies(w -> {
            assertThat(w.incarnation()).isEqualTo(two.incarnation());
            assertThat(w.slots()).isEqualTo(5);
        });
        Messages.WorkerLink link = new Messages.WorkerLink() {
            @Override
            public void send(Messages.Outbound message) {
            }

            @Override
            public void close(String reason) {
            }
        };
        assertThatThrownBy(() -> h.scheduler.connect(one.workerId(), one.incarnation(), "w1", link))
                .isInstanceOf(CoreException.class).hasMessageContaining("is not current");
        assertThat(h.scheduler.connect(two.workerId(), two.incarnation(), "w1", link).workerName()).isEqualTo("w1");
    }

    @Test
    void aJobThatCannotBeResumedIsFailedThroughTheJournal() throws Exception {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "3"));
        java.nio.file.Files.delete(h.jars.path(h.jarSha));
        h.restart();
        assertThat(h.store.jobs().find(job.id()).orElseThrow().state()).as("not written behind the journal's back")
                .isEqualTo(io.gridwork.master.model.JobState.QUEUED);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(io.gridwork.master.model.JobState.FAILED);
        assertThat(h.job(job.id()).error()).isEqualTo("could not be resumed after a master restart: java.lang.IllegalStateException: its jar "
                + h.jarSha + " is missing");
    }

    @Test
    void tasksTheSplitProducesLaterAreStoredThroughTheJournal() {
        JobSnapshot job = h.submit(UnsizedJob.class, Map.of("n", "20"));
        long storedAtSubmission = h.store.tasks().count(job.id()).pending();
        Harness.FakeWorker w = h.worker("w1", 4, 0);
        w.credit(4); // taking tasks reads the split further
        long before = h.store.tasks().count(job.id()).pending();
        assertThat(before).isEqualTo(storedAtSubmission);
        h.commit();
        assertThat(h.store.tasks().count(job.id()).pending()).isGreaterThan(before);
    }
}
