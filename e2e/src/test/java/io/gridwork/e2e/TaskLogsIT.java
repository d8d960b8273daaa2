package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.bench.support.GridProcesses;
import io.gridwork.testing.TestJars;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task logs between real JVMs: a master and a worker started with {@code ./grid}; a job whose tasks print and whose
 * task 1 fails on both its attempts. {@code grid logs} shows each attempt's output and stack trace, the worker's own
 * log names the failed attempt with its stack trace, and the task's prints are not in the worker's log.
 */
class TaskLogsIT {

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static String master;

    @BeforeAll
    static void startGrid() throws Exception {
        grid = new GridProcesses(dir);
        master = grid.startMaster("master", dir.resolve("master"));
        grid.start("w1", "worker", "--master", master, "--slots", "2", "--name", "logs-w1", "--task-log-limit", "16k",
                "--work-dir", dir.resolve("w1").toString());
        await().atMost(Duration.ofSeconds(90)).until(() -> grid.run("workers", "--master", master).out().contains("ALIVE"));
    }

    @AfterAll
    static void stopGrid() throws Exception {
        if (grid != null) {
            grid.close();
        }
    }

    @Test
    void logsShowAFailingTasksOutputAndStackTracePerAttempt() throws Exception {
        Path jar = TestJars.of(dir.resolve("jars-in"), "noisy.jar", NoisyJob.class);
        GridProcesses.Result submitted = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                NoisyJob.class.getName(), "--max-attempts", "2");
        assertThat(submitted.code()).as(submitted.err()).isZero();
        String id = submitted.out().trim();

        GridProcesses.Result followed = grid.run("logs", id, "--master", master, "--follow");
        assertThat(followed.code()).as("the job failed: " + followed.err()).isEqualTo(1);
        assertThat(followed.out()).contains("== task 1, attempt 1: FAILED on logs-w1")
                .contains("== task 1, attempt 2: FAILED on logs-w1");

        GridProcesses.Result logs = grid.run("logs", id, "--master", master, "--task", "1");
        assertThat(logs.code()).as(logs.err()).isZero();
        String out = logs.out();
        for (int attempt = 1; attempt <= 2; attempt++) {
            String header = "== task 1, attempt " + attempt + ": FAILED on logs-w1, started ";
            assertThat(out).contains(header);
            String section = out.substring(out.indexOf(header));
            int next = section.indexOf("== task", 3);
            section = next < 0 ? section : section.substring(0, next);
            assertThat(section)
                    .contains("error: IllegalStateException: cannot read the count on attempt " + attempt + "\n")
                    .contains("-- output (stdout and stderr)\nnoisy task 1 attempt " + attempt + " starts\n"
                            + "noisy task 1 attempt " + attempt + " warns\n")
                    .contains("-- stack trace\njava.lang.IllegalStateException: cannot read the count on attempt "
                            + attempt + "\n")
                    .contains("io.gridwork.e2e.NoisyJob.execute(NoisyJob.java:")
                    .contains("Caused by: java.lang.NumberFormatException: For input string: \"forty-two\"");
        }

        GridProcesses.Result task2 = grid.run("logs", id, "--master", master, "--task", "2");
        assertThat(task2.out()).doesNotContain("noisy task 1").doesNotContain("noisy task 3")
                .doesNotContain("-- stack trace");

        String workerLog = grid.log("w1");
        assertThat(workerLog).contains("task 1 of job " + id + " failed (attempt 1)")
                .contains("Caused by: java.lang.NumberFormatException")
                .as("the tasks' prints are in their attempts, not in the worker's own output")
                .doesNotContain("noisy task");

        GridProcesses.Result status = grid.run("status", id, "--master", master, "--verbose");
        assertThat(status.out()).contains("task 1, attempt 2: FAILED on logs-w1")
                .contains("      java.lang.IllegalStateException: cannot read the count on attempt 2");
    }
}
