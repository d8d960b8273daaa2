package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.JobState;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.sdk.Codecs;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A write the database refuses for good fails its own request only; the master's writes go on. */
class PoisonedWritesTest extends HarnessTestBase {

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // before the fix, the refused commit was retried forever
    void aSubmissionTheDatabaseRefusesFailsWithInvalidArgumentAndTheJobSubmittedWithItRuns() {
        String tooLong = "u".repeat(300); // the owner column holds 200 characters
        CompletableFuture<JobSnapshot> refused = h.scheduler.submit(new Submission(h.jarSha, SquaresJob.class.getName(),
                Map.of("n", "2"), 0, 0, tooLong));
        CompletableFuture<JobSnapshot> good = h.scheduler.submit(new Submission(h.jarSha, SquaresJob.class.getName(),
                Map.of("n", "3"), 0, 0, "alice"));

        JobSnapshot job = h.completed(good);
        assertThatThrownBy(() -> h.completed(refused)).isInstanceOfSatisfying(CoreException.class, e -> {
            assertThat(e.kind()).isEqualTo(CoreException.Kind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).startsWith("the master's database refused to store this: ").containsIgnoringCase("owner");
        });
        assertThat(h.scheduler.jobs(100, List.of(), null, null)).extracting(JobSnapshot::id).containsExactly(job.id());

        Harness.FakeWorker w = h.worker("w1", 3, 0);
        w.credit(3);
        w.assignments().forEach(w::succeed);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(Codecs.listOf(Codecs.LONG).decode(h.scheduler.result(job.id()).bytes())).containsExactly(0L, 1L, 4L);
    }
}
