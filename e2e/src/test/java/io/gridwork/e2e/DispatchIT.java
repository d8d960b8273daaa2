package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.TaskCounts;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.jobs.BalanceJob;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.testing.TestJars;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user saw (issue 14): after a job of tiny tasks every worker's automatic prefetch was 1,024, so the next
 * job's long tasks all went out at once, a worker that joined meanwhile ran none of them, and "running" counted the
 * tasks only held. Real master and worker JVMs, the workers with their default (automatic) prefetch.
 */
class DispatchIT {

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static GridClient client;
    static String master;
    static Path jar;

    @BeforeAll
    static void startGrid() throws Exception {
        grid = new GridProcesses(dir);
        Path data = dir.resolve("master");
        master = grid.startMaster("master", data);
        Path credentials = data.resolve(Credentials.FILE_NAME);
        client = GridClient.builder().target(master).credentials(Credentials.read(credentials)).build();
        for (String name : List.of("w1", "w2", "w3")) {
            worker(name);
        }
        awaitAlive(3);
        jar = TestJars.of(dir.resolve("jobs"), "balance.jar", BalanceJob.class);
    }

    private static void worker(String name) throws Exception {
        grid.start(name, "worker", "--master", master, "--slots", "1", "--name", name, "--work-dir",
                dir.resolve(name).toString(), "--drain-timeout", "2s");
    }

    private static void awaitAlive(int n) {
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() ->
                client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() == n);
    }

    @AfterAll
    static void stopGrid() throws Exception {
        if (client != null) {
            client.close();
        }
        if (grid != null) {
            grid.close();
        }
    }

    private static String submit(int n, int ms) throws Exception {
        return client.submit(JobSubmission.builder().jar(jar).jobClass(BalanceJob.class.getName())
                .arg("n", Integer.toString(n)).arg("ms", Integer.toString(ms)).build());
    }

    /** "tasks=60 w1=15 w2=16 ..." as a map. */
    private static Map<String, Integer> perWorker(JobStatus done) {
        Map<String, Integer> m = new HashMap<>();
        for (String part : done.getResult().split(" ")) {
            String[] kv = part.split("=");
            m.put(kv[0], Integer.parseInt(kv[1]));
        }
        return m;
    }

    @Test
    void aWorkerJoiningMidJobOfLongTasksAfterTinyOnesRunsItsShareAndRunningCountsOnlyTasksExecuting() throws Exception {
        JobStatus tiny = client.await(submit(20_000, 0), Duration.ofMinutes(3), s -> { });
        assertThat(tiny.getState()).as(tiny.getError()).isEqualTo(JobStatus.State.SUCCEEDED);

        int n = 120; // 16 s on three workers: w4 joins mid-job even when its JVM takes 8 s to start on a busy machine
        String id = submit(n, 400);
        List<TaskCounts> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            TaskCounts t = client.status(id).getTasks();
            seen.add(t);
            return t.getSucceeded() >= 3;
        });
        worker("w4");
        awaitAlive(4);
        long left = n - client.status(id).getTasks().getSucceeded();
        JobStatus done = client.await(id, Duration.ofMinutes(3), s -> seen.add(s.getTasks()));
        assertThat(done.getState()).as(done.getError()).isEqualTo(JobStatus.State.SUCCEEDED);

        Map<String, Integer> ran = perWorker(done);
        assertThat(ran.get("tasks")).isEqualTo(n);
        // its share of what was left when it joined is a quarter; each of the others may hold 3 (1 slot + 2 prefetched),
        // and on a busy machine its first credits come late: half its share is the floor (before the allowance
        // followed the work it ran none; DispatchShareTest checks the share itself, on a settable clock)
        assertThat(ran.getOrDefault("w4", 0)).as("%s; %d tasks left when w4 joined", ran, left)
                .isGreaterThanOrEqualTo((int) (left / 8)).isPositive();
        // four 1-slot workers: never more than 4 tasks executing, whatever the workers hold
        assertThat(seen).allSatisfy(t -> {
            assertThat(t.getRunning()).isLessThanOrEqualTo(4);
            assertThat(t.getSucceeded() + t.getFailed() + t.getQueued() + t.getRunning() + t.getHeld())
                    .isEqualTo(t.getTotal());
        });
        assertThat(seen).anySatisfy(t -> assertThat(t.getRunning()).isPositive());
    }
}
