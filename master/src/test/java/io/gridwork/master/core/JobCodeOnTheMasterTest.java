package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gridwork.master.model.JobState;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's split and merge run with a time limit; one that hangs or runs out of memory fails only its own job. */
class JobCodeOnTheMasterTest {

    @TempDir
    Path dir;

    private final ExecutorService jobCode = Executors.newCachedThreadPool();
    private Harness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(dir, SchedulerOptions.builder().splitTimeout(Duration.ofMillis(500))
                .mergeTimeout(Duration.ofSeconds(5)).build(), jobCode);
    }

    @AfterEach
    void tearDown() {
        h.close();
        jobCode.shutdownNow();
    }

    private void runAll(Harness.FakeWorker w, String... jobs) {
        w.credit(10);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<Messages.Assignment> all = w.assignments();
            return all.size() >= jobs.length;
        });
        w.assignments().forEach(a -> w.send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(0L), null, 1))));
        h.commit();
    }

    @Test
    void aMergeThatHangsFailsItsJobAfterTheTimeLimitAndOthersGoOn() {
        JobSnapshot hanging = h.submit(HangingMergeJob.class, Map.of());
        JobSnapshot fine = h.submit(SquaresJob.class, Map.of("n", "1"));
        Harness.FakeWorker w = h.worker("w1", 4, 0);
        runAll(w, hanging.id(), fine.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> { h.commit(); return h.job(fine.id()).state() == JobState.SUCCEEDED; });
        assertThat(h.job(hanging.id()).state()).isEqualTo(JobState.RUNNING);
        h.advance(Duration.ofSeconds(6));
        h.commit();
        assertThat(h.job(hanging.id()).state()).isEqualTo(JobState.FAILED);
        assertThat(h.job(hanging.id()).error()).startsWith("merge failed: java.util.concurrent.TimeoutException: ")
                .endsWith("merge did not finish within 5 s");
    }

    @Test
    void aMergeThatRunsOutOfMemoryFailsItsJobWithTheReason() {
        JobSnapshot hog = h.submit(HangingMergeJob.class, Map.of("oom", "true"));
        Harness.FakeWorker w = h.worker("w1", 4, 0);
        runAll(w, hog.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> { h.commit(); return h.job(hog.id()).state() == JobState.FAILED; });
        assertThat(h.job(hog.id()).error()).startsWith("merge failed: java.lang.OutOfMemoryError");
        JobSnapshot after = h.submit(SquaresJob.class, Map.of("n", "1"));
        runAll(w, after.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> { h.commit(); return h.job(after.id()).state() == JobState.SUCCEEDED; });
    }

    @Test
    void aSplitThatHangsIsRefusedAtSubmissionAndNothingIsStored() {
        var submitted = h.scheduler.submit(new Submission(h.jarSha, HangingMergeJob.class.getName(),
                Map.of("hangSplit", "true"), 0, 0));
        assertThat(submitted).isNotDone();
        h.advance(Duration.ofMillis(500)); // the split's time limit, on the master's clock
        assertThatThrownBy(() -> h.completed(submitted))
                .isInstanceOf(CoreException.class)
                .hasMessageEndingWith("split did not finish within 500 ms");
        assertThat(h.scheduler.jobs(10, List.of())).isEmpty();
    }
}
