package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.GetTaskLogsRequest;
import io.gridwork.api.v1.GetTaskLogsResponse;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.TaskAttempt;
import io.gridwork.client.JobSubmission;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Task logs from a worker's capture to the master's store and back through GetTaskLogs: a real master and worker in
 * this JVM on loopback.
 */
class TaskLogsTest extends RealMasterTest {

    @Override
    Class<?>[] jobClasses() {
        return new Class<?>[] {ChattyJob.class};
    }

    private GridWorker worker(String name, int slots, int taskLogLimit) throws Exception {
        return start(WorkerOptions.builder().name(name).slots(slots).workDir(dir.resolve(name)).taskLogLimit(taskLogLimit));
    }

    private GetTaskLogsResponse logs(String job, long task) {
        return client.taskLogs(GetTaskLogsRequest.newBuilder().setJobId(job).setTask(task).build());
    }

    @Test
    void eachAttemptKeepsItsOwnOutputAndAFailureItsStackTrace() throws Exception {
        worker("w1", 4, 64 << 10);
        String id = client.submit(JobSubmission.builder().jar(jar).jobClass(ChattyJob.class.getName()).arg("n", "8")
                .arg("fail", "5").maxAttempts(2).build());
        assertThat(client.await(id, Duration.ofSeconds(60), s -> { }).getState()).isEqualTo(JobStatus.State.FAILED);

        for (long t = 0; t < 8; t++) {
            long task = t;
            GetTaskLogsResponse r = logs(id, task);
            assertThat(r.getJobEnded()).isTrue();
            TaskAttempt first = r.getAttempts(0);
            assertThat(first.getWorkerName()).isEqualTo("w1");
            assertThat(first.getAttempt()).isEqualTo(1);
            assertThat(first.getStartedAt().getSeconds()).isPositive();
            String log = first.getLog();
            for (int i = 0; i < 50; i++) {
                assertThat(log).contains("task " + task + " attempt 1 out " + i + "\n")
                        .contains("task " + task + " attempt 1 err " + i + "\n");
            }
            assertThat(log).contains("task " + task + " helper thread\n");
            assertThat(log.lines()).as("nothing of the other tasks, which ran at the same time")
                    .allMatch(line -> line.startsWith("task " + task + " "));
        }
        GetTaskLogsResponse failing = logs(id, 5);
        assertThat(failing.getAttemptsList()).extracting(TaskAttempt::getAttempt).containsExactly(1, 2);
        for (TaskAttempt a : failing.getAttemptsList()) {
            assertThat(a.getOutcome()).isEqualTo(TaskAttempt.Outcome.FAILED);
            assertThat(a.getError()).isEqualTo("IllegalStateException: task 5 gives up");
            assertThat(a.getExceptionType()).isEqualTo("java.lang.IllegalStateException");
            assertThat(a.getStackTrace()).startsWith("java.lang.IllegalStateException: task 5 gives up")
                    .contains("io.gridwork.worker.ChattyJob.execute(ChattyJob.java:")
                    .contains("Caused by: java.io.IOException: the disk is full");
            assertThat(a.getLog()).contains("task 5 attempt " + a.getAttempt() + " out 49\n");
        }
        GetTaskLogsResponse second = client.taskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setTask(5)
                .setAttempt(2).build());
        assertThat(second.getAttemptsList()).extracting(TaskAttempt::getAttempt).containsExactly(2);
    }

    @Test
    void aTaskPrintingMoreThanTheWorkersLimitKeepsItsHeadAndTail() throws Exception {
        worker("w1", 1, 4096);
        String id = client.submit(JobSubmission.builder().jar(jar).jobClass(ChattyJob.class.getName()).arg("n", "1")
                .arg("loud", "0").arg("bytes", "100000").build());
        assertThat(client.await(id, Duration.ofSeconds(60), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        TaskAttempt a = logs(id, 0).getAttempts(0);
        assertThat(a.getOutcome()).isEqualTo(TaskAttempt.Outcome.SUCCEEDED);
        assertThat(a.getLog()).startsWith("task 0 attempt 1 out 0\n").endsWith("loud end\n")
                .contains("bytes of output cut: over the limit of 4096 bytes (--task-log-limit)");
        assertThat(a.getLogCutBytes()).isGreaterThan(100_000 - 4096);
        assertThat(a.getLog().length()).isLessThan(4096 + 200);
    }
}
