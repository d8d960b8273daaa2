package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.jobs.TallyJob;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.testing.TestJars;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GridClient#submitAndAwait} (the SubmitAndWatch call, issue 15) between real JVMs: a master (TLS, H2 files)
 * and two one-slot workers started with {@code ./grid}, shared by the class. One call from the stored job to its end
 * with the exact result; a master killed with {@code kill -9} mid-job and started again: the same call ends with the
 * exact result, and the job was stored once.
 */
class SubmitAndAwaitIT {

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static GridClient client;
    static Path jar;
    static int masterPort;
    static volatile Process master;

    @BeforeAll
    static void startGrid() throws Exception {
        grid = new GridProcesses(dir);
        jar = TestJars.of(dir.resolve("jobs"), "chaos.jar", ChaosJob.class, TallyJob.class);
        try (ServerSocket s = new ServerSocket(0)) {
            masterPort = s.getLocalPort();
        }
        startMaster();
        Path credentials = dir.resolve("master").resolve(Credentials.FILE_NAME);
        grid.env("GRID_CREDENTIALS", credentials.toString());
        client = GridClient.builder().target("127.0.0.1:" + masterPort).credentials(Credentials.read(credentials)).build();
        for (String name : List.of("w1", "w2")) {
            grid.start(name, "worker", "--master", "127.0.0.1:" + masterPort, "--slots", "1", "--name", name,
                    "--work-dir", dir.resolve(name).toString());
        }
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> client.workers(false).stream()
                .filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() == 2);
    }

    static void startMaster() throws Exception {
        Path data = dir.resolve("master");
        Files.deleteIfExists(data.resolve("master.port"));
        master = grid.start("master-" + System.nanoTime(), "master", "--port", Integer.toString(masterPort),
                "--bind", "127.0.0.1", "--data", data.toString());
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(data.resolve("master.port"))
                && !Files.readString(data.resolve("master.port")).isBlank()
                && Files.exists(data.resolve(Credentials.FILE_NAME)));
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

    private static JobSubmission tally(long n, long ms) {
        return JobSubmission.builder().jar(jar).jobClass(ChaosJob.class.getName()).arg("n", Long.toString(n))
                .arg("ms", Long.toString(ms)).build();
    }

    @Test
    void oneCallFromTheStoredJobToItsEndWithTheExactResult() throws Exception {
        for (long n : new long[] {1, 20}) {
            List<JobStatus> seen = new CopyOnWriteArrayList<>();
            JobStatus done = client.submitAndAwait(tally(n, 0), Duration.ofMinutes(1), seen::add);

            assertThat(done.getState()).as(done.getError()).isEqualTo(JobStatus.State.SUCCEEDED);
            assertThat(done.getResult()).isEqualTo(TallyJob.expected(n));
            assertThat(done.getTasks().getSucceeded()).isEqualTo(n);
            assertThat(seen.get(0).getId()).as("the first status names the job").isEqualTo(done.getId());
            assertThat(seen).last().isEqualTo(done);
            assertThat(client.status(done.getId()).getState()).as("as stored").isEqualTo(JobStatus.State.SUCCEEDED);
        }
    }

    @Test
    void theCallRidesOutItsMasterKilledMidJobAndTheJobIsStoredOnce() throws Exception {
        long n = 30;
        List<JobStatus> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<JobStatus> done = CompletableFuture.supplyAsync(() -> {
            try {
                return client.submitAndAwait(tally(n, 150), Duration.ofMinutes(3), seen::add);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> !seen.isEmpty()
                && seen.get(seen.size() - 1).getTasks().getSucceeded() >= 5);
        String id = seen.get(0).getId();
        master.destroyForcibly(); // kill -9
        assertThat(master.waitFor(10, TimeUnit.SECONDS)).isTrue();
        startMaster();

        JobStatus last = done.get(3, TimeUnit.MINUTES);
        assertThat(last.getId()).isEqualTo(id);
        assertThat(last.getState()).as(last.getError()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(last.getResult()).isEqualTo(TallyJob.expected(n));
        assertThat(client.jobs(100).stream().filter(j -> j.getArgsMap().getOrDefault("ms", "").equals("150")).count())
                .as("submitted once").isEqualTo(1);
    }
}
