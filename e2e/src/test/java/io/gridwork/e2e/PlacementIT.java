package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.jobs.BalanceJob;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.testing.TestJars;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A heterogeneous pool as separate JVMs: "big" (3 slots, site=lab-1), "gpu" (1 slot, gpu=a100) and "slow" (1 slot,
 * ten times slower: its tasks read the label slowness=10). Label requirements, the slow worker's share, speculation,
 * fair share between concurrent jobs and drain, driven through the CLI where a user would.
 */
class PlacementIT {

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static GridClient client;
    static String master;
    static Path jar;

    @BeforeAll
    static void startPool() throws Exception {
        grid = new GridProcesses(dir);
        Path data = dir.resolve("master");
        master = grid.startMaster("master", data);
        Path credentials = data.resolve(Credentials.FILE_NAME);
        client = GridClient.builder().target(master).credentials(Credentials.read(credentials)).build();
        worker("big", 3, "site=lab-1");
        worker("gpu", 1, "gpu=a100");
        worker("slow", 1, "slowness=10");
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() ->
                client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() == 3);
        jar = TestJars.of(dir.resolve("jobs"), "balance.jar", BalanceJob.class);
    }

    private static void worker(String name, int slots, String label) throws Exception {
        grid.start(name, "worker", "--master", master, "--slots", Integer.toString(slots), "--name", name,
                "--label", label, "--work-dir", dir.resolve(name).toString(), "--drain-timeout", "2s");
    }

    @AfterAll
    static void stopPool() throws Exception {
        if (client != null) {
            client.close();
        }
        if (grid != null) {
            grid.close();
        }
    }

    private static String submit(int n, int ms, boolean speculation) throws Exception {
        JobSubmission.Builder b = JobSubmission.builder().jar(jar).jobClass(BalanceJob.class.getName())
                .arg("n", Integer.toString(n)).arg("ms", Integer.toString(ms));
        if (!speculation) {
            b.noSpeculation();
        }
        return client.submit(b.build());
    }

    private static JobStatus awaitEnd(String job) {
        return client.await(job, Duration.ofMinutes(2), s -> { });
    }

    /** "tasks=30 big=20 gpu=8 slow=2" as a map. */
    private static Map<String, Integer> perWorker(JobStatus done) {
        Map<String, Integer> m = new HashMap<>();
        for (String part : done.getResult().split(" ")) {
            String[] kv = part.split("=");
            m.put(kv[0], Integer.parseInt(kv[1]));
        }
        return m;
    }

    private static long makespanMs(JobStatus s) {
        return Duration.between(Instant.ofEpochSecond(s.getStartedAt().getSeconds(), s.getStartedAt().getNanos()),
                Instant.ofEpochSecond(s.getFinishedAt().getSeconds(), s.getFinishedAt().getNanos())).toMillis();
    }

    private static WorkerInfo workerInfo(String name) {
        return client.workers(false).stream().filter(w -> w.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void tasksRunOnlyOnWorkersMatchingTheRequirement() throws Exception {
        GridProcesses.Result r = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                BalanceJob.class.getName(), "--arg", "n=12", "--arg", "ms=20", "--require", "gpu=a100", "--wait");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().trim()).isEqualTo("tasks=12 gpu=12");

        GridProcesses.Result both = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                BalanceJob.class.getName(), "--arg", "n=20", "--arg", "ms=20", "--require", "site=lab-1 || gpu=a100", "--wait");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err().trim()).isEqualTo("grid submit: options.require: 'site=lab-1 || gpu=a100' is not KEY=VALUE "
                + "or a comparison like mem>=4g");
    }

    @Test
    void aJobNoWorkerMatchesStaysQueuedAndSaysWhy() throws Exception {
        GridProcesses.Result submitted = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                BalanceJob.class.getName(), "--arg", "n=4", "--require", "gpu=h100 && mem>=1g");
        assertThat(submitted.code()).as(submitted.err()).isZero();
        String id = submitted.out().trim();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.status(id).getWaitingReason()
                .equals("no worker matches gpu=h100 && mem>=1g"));
        GridProcesses.Result status = grid.run("status", id, "--master", master);
        assertThat(status.out()).contains(id + "  QUEUED").contains("  waiting    no worker matches gpu=h100 && mem>=1g")
                .contains("  placement  require gpu=h100 && mem>=1g, 1 slot per task, priority 0");
        JsonObject json = JsonParser.parseString(grid.run("status", id, "--master", master, "--output", "json").out())
                .getAsJsonObject();
        assertThat(json.get("waiting_reason").getAsString()).isEqualTo("no worker matches gpu=h100 && mem>=1g");
        assertThat(client.cancel(id, "no such worker here").getState()).isEqualTo(JobStatus.State.CANCELLED);
    }

    @Test
    void theSlowWorkerRunsFewerTasksAndSpeculationShortensTheJob() throws Exception {
        JobStatus without = awaitEnd(submit(30, 150, false));
        assertThat(without.getState()).as(without.getError()).isEqualTo(JobStatus.State.SUCCEEDED);
        Map<String, Integer> ran = perWorker(without);
        assertThat(ran.get("tasks")).isEqualTo(30);
        assertThat(ran.getOrDefault("slow", 0)).as(ran.toString()).isLessThan(ran.get("gpu"));
        assertThat(without.getTasks().getSpeculated()).isZero();

        JobStatus with = awaitEnd(submit(30, 150, true));
        assertThat(with.getState()).as(with.getError()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(perWorker(with).get("tasks")).as("each task merged once").isEqualTo(30);
        assertThat(with.getTasks().getSpeculated()).isPositive();
        // without speculation the job waits for the slow worker's 1.5 s tasks, one after the other
        assertThat(makespanMs(with)).as("with %d ms, without %d ms", makespanMs(with), makespanMs(without))
                .isLessThan(makespanMs(without) * 7 / 10);

        assertThat(workerInfo("slow").getSpeed()).isLessThan(0.5);
        assertThat(workerInfo("big").getSpeed()).isGreaterThan(workerInfo("slow").getSpeed() * 3);
    }

    @Test
    void aSmallJobSubmittedAfterABigOneFinishesFirst() throws Exception {
        String big = submit(300, 60, false);
        await().atMost(Duration.ofSeconds(30)).until(() -> client.status(big).getTasks().getSucceeded() > 0);
        GridProcesses.Result small = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                BalanceJob.class.getName(), "--arg", "n=8", "--arg", "ms=60", "--require", "site=lab-1", "--wait");
        assertThat(small.code()).as(small.err()).isZero();
        assertThat(small.out().trim()).isEqualTo("tasks=8 big=8");
        JobStatus bigNow = client.status(big);
        assertThat(bigNow.getState()).isEqualTo(JobStatus.State.RUNNING);
        assertThat(bigNow.getTasks().getQueued()).isPositive();
        client.cancel(big, "done with it");
    }

    @Test
    void aDrainedWorkerFinishesItsRunningTasksAndGetsNoNewOnes() throws Exception {
        String job = submit(40, 400, false);
        long before = workerInfo("big").getCompleted();
        // once it has finished one, its three slots run tasks (and two more wait in its prefetch)
        await().atMost(Duration.ofSeconds(30)).until(() -> workerInfo("big").getCompleted() > before);
        try {
            GridProcesses.Result drained = grid.run("workers", "drain", "big", "--master", master, "--output", "json");
            assertThat(drained.code()).as(drained.err()).isZero();
            JsonObject atDrain = JsonParser.parseString(drained.out()).getAsJsonObject();
            assertThat(atDrain.get("state").getAsString()).isEqualTo("DRAINING");
            assertThat(atDrain.get("drain_requested").getAsBoolean()).isTrue();
            long completedAtDrain = atDrain.get("completed").getAsLong();

            await().atMost(Duration.ofSeconds(30)).until(() -> workerInfo("big").getRunning() == 0);
            long completedAfter = workerInfo("big").getCompleted();
            assertThat(completedAfter).as("its running tasks finished").isGreaterThan(completedAtDrain);
            // the scheduler goes on dispatching the job's tasks, to the other workers only
            long succeededAtIdle = client.status(job).getTasks().getSucceeded();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                JobStatus now = client.status(job);
                return now.getTasks().getSucceeded() >= succeededAtIdle + 2 || now.getState() != JobStatus.State.RUNNING;
            });
            assertThat(workerInfo("big").getCompleted()).as("nothing new was assigned").isEqualTo(completedAfter);
            assertThat(workerInfo("big").getRunning()).as("nothing new is running").isZero();
            assertThat(workerInfo("big").getState()).isEqualTo(WorkerInfo.State.DRAINING);
            assertThat(grid.run("workers", "--master", master).out()).containsPattern("big +w-\\d+ +DRAINING");
        } finally {
            GridProcesses.Result undrained = grid.run("workers", "undrain", "big", "--master", master);
            assertThat(undrained.out()).contains(") is ALIVE: it takes tasks again");
        }
        JobStatus done = awaitEnd(job);
        assertThat(done.getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(done.getTasks().getLost()).isZero();
        assertThat(done.getTasks().getRetried()).isZero();
        assertThat(perWorker(done).get("tasks")).isEqualTo(40);

        GridProcesses.Result unknown = grid.run("workers", "drain", "nobody", "--master", master);
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err().trim()).isEqualTo("grid workers drain: worker: no worker named nobody");
    }
}
