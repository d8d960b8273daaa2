package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.model.AttemptOutcome;
import io.gridwork.master.store.TaskAttemptRow;
import io.gridwork.master.store.TaskView;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.sdk.Codecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every ended attempt is kept, with its log and stack trace, by the commit that stores its end. */
class AttemptHistoryTest extends HarnessTestBase {

    private List<TaskAttemptRow> attempts(String job, long task) {
        return h.store.tasks().attempts(job, task, 0, false, 0, 100);
    }

    @Test
    void aFailureASuccessAndACancellationAreKeptWithTheirLogs() throws Exception {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "3"), 3);
        Harness.FakeWorker w = h.worker("w1", 3, 0);
        w.credit(3);
        List<Messages.Assignment> tasks = new ArrayList<>(w.assignments());
        assertThat(tasks).hasSize(3);
        Messages.Assignment first = tasks.stream().filter(a -> a.key().index() == 0).findFirst().orElseThrow();
        Messages.Assignment second = tasks.stream().filter(a -> a.key().index() == 1).findFirst().orElseThrow();

        w.send(1, List.of(new Messages.Result(first.key(), null, new Messages.Failure("RuntimeException: boom",
                "java.lang.RuntimeException", true, "java.lang.RuntimeException: boom\n\tat x.Job.run(Job.java:3)\n"), 7,
                "printed before the failure\n", 12)));
        assertThat(attempts(job.id(), 0)).as("stored by the commit, not before").isEmpty();
        h.commit();
        List<TaskAttemptRow> failed = attempts(job.id(), 0);
        assertThat(failed).hasSize(1);
        TaskAttemptRow f = failed.get(0);
        assertThat(f.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(f.attempt()).isEqualTo(1);
        assertThat(f.attemptId()).isEqualTo(first.key().attemptId());
        assertThat(f.workerName()).isEqualTo("w1");
        assertThat(f.durationMs()).isEqualTo(7);
        assertThat(f.error()).isEqualTo("RuntimeException: boom");
        assertThat(f.exceptionType()).isEqualTo("java.lang.RuntimeException");
        assertThat(f.stackTrace()).isEqualTo("java.lang.RuntimeException: boom\n\tat x.Job.run(Job.java:3)\n");
        assertThat(f.log()).isEqualTo("printed before the failure\n");
        assertThat(f.logCutBytes()).isEqualTo(12);
        TaskView row = h.store.tasks().page(job.id(), 0, null, false, 1).get(0);
        assertThat(row.failures()).as("the requeue, in the same commit").isEqualTo(1);
        assertThat(row.workerId()).as("the task's row says where it last ran").isEqualTo(f.workerId());

        w.send(0, List.of(new Messages.Result(second.key(), Codecs.LONG.encode(1L), null, 3, "one\n", 0)));
        h.commit();
        assertThat(attempts(job.id(), 1)).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
            assertThat(a.log()).isEqualTo("one\n");
            assertThat(a.error()).isNull();
        });

        var cancelled = h.scheduler.cancel(job.id(), "enough");
        h.commit(); // the cancellation completes once stored
        cancelled.get();
        assertThat(attempts(job.id(), 2)).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.CANCELLED);
            assertThat(a.error()).isEqualTo("job ended (cancelled: enough)");
        });
        assertThat(h.store.tasks().attempts(job.id(), null, 0, true, 0, 100)).extracting(TaskAttemptRow::outcome)
                .as("failures only").contains(AttemptOutcome.FAILED, AttemptOutcome.CANCELLED)
                .doesNotContain(AttemptOutcome.SUCCEEDED);
    }
}
