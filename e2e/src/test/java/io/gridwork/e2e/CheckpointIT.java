package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.examples.PiJob;
import io.gridwork.testing.TestJars;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints across real faults: a long PiJob task (through {@link TracedPiJob}, which records every stretch of
 * samples it computes) whose worker is killed with kill -9 at random points, three times, and whose master is killed
 * with kill -9 and started again once, in one run. The other worker takes the task over each time from its last
 * checkpoint. The result equals the fault-free one, and the samples computed in total exceed those needed by at
 * most one checkpoint interval per worker kill (the master's crash costs none: the worker keeps its task and sends
 * its unanswered checkpoint to the master that comes back).
 */
class CheckpointIT {

    private static final long SAMPLES = 120_000_000L;
    private static final long EVERY = 3_000_000L;
    private static final int WORKER_KILLS = 3;

    @TempDir
    Path dir;

    private GridProcesses grid;
    private GridClient client;
    private Path jar;
    private Path trace;
    private int masterPort;
    private Process master;
    private final Map<String, Process> workers = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        grid = new GridProcesses(dir);
        jar = TestJars.of(dir.resolve("jobs"), "pi.jar", TracedPiJob.class, PiJob.class, LargeStateJob.class);
        trace = dir.resolve("computed.log");
        masterPort = freePort();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close();
        }
        grid.close();
    }

    /** One stretch of samples computed: by which attempt on which worker. */
    private record Stretch(long from, long to, String worker, int attempt) {
        String attemptKey() {
            return worker + "#" + attempt;
        }
    }

    @Test
    void aTaskKilledAtRandomPointsAndAcrossAMasterCrashResumesFromItsCheckpointsWithTheFaultFreeResult()
            throws Exception {
        startMaster();
        startWorker("w1");
        startWorker("w2");
        awaitWorkers(2);
        String job = client.submit(JobSubmission.builder().jar(jar).jobClass(TracedPiJob.class.getName())
                .arg("samples", Long.toString(SAMPLES)).arg("tasks", "1").arg("checkpointEvery", Long.toString(EVERY))
                .arg("trace", trace.toString()).noSpeculation().build());

        Random random = new Random();
        long seed = random.nextLong();
        random.setSeed(seed);
        List<String> faults = new ArrayList<>();
        // the faults, at random points spread over the task: three worker kills, the master's crash between them
        long at = 0;
        for (int fault = 0; fault < WORKER_KILLS + 1; fault++) {
            at += SAMPLES / 10 + (long) (random.nextDouble() * SAMPLES / 10);
            long point = at;
            await().atMost(Duration.ofMinutes(2)).until(() -> progress() >= point);
            if (fault == 2) {
                master.destroyForcibly();
                master.waitFor(10, TimeUnit.SECONDS);
                faults.add("master at " + progress());
                startMaster();
                continue;
            }
            String victim = last().worker();
            workers.get(victim).destroyForcibly();
            workers.get(victim).waitFor(10, TimeUnit.SECONDS);
            faults.add(victim + " at " + progress());
            startWorker(victim); // comes back, so that two workers are there for the next kill
        }

        JobStatus done = awaitEnd(job);
        assertThat(done.getState()).as(done.getError() + "\n" + grid.logs()).isEqualTo(JobStatus.State.SUCCEEDED);
        double expected = 4.0 * PiJob.countInside(0, SAMPLES, null) / SAMPLES;
        assertThat(Double.parseDouble(done.getResult())).as("the fault-free result").isEqualTo(expected);
        assertThat(done.getTasks().getResumed()).as("every kill's next attempt resumed from a checkpoint")
                .isGreaterThanOrEqualTo(WORKER_KILLS);

        // the work redone: samples computed in total against samples needed, and per attempt that was cut short
        List<Stretch> stretches = stretches();
        long computed = stretches.stream().mapToLong(s -> s.to() - s.from()).sum();
        Map<String, long[]> attempts = new LinkedHashMap<>(); // first from, furthest to
        for (Stretch s : stretches) {
            long[] span = attempts.computeIfAbsent(s.attemptKey(), k -> new long[] {s.from(), s.to()});
            span[1] = Math.max(span[1], s.to());
        }
        List<long[]> spans = new ArrayList<>(attempts.values());
        List<Long> redonePerKill = new ArrayList<>();
        for (int i = 1; i < spans.size(); i++) {
            redonePerKill.add(Math.max(0, spans.get(i - 1)[1] - spans.get(i)[0]));
        }
        String figures = "seed " + seed + "; faults " + faults + "; attempts " + attempts.keySet() + "; computed "
                + computed + " of " + SAMPLES + " samples (redone " + (computed - SAMPLES) + ", per kill "
                + redonePerKill + ", checkpoint interval " + EVERY + ")";
        System.out.println("CheckpointIT: " + figures);
        assertThat(spans).as(figures).hasSize(WORKER_KILLS + 1);
        assertThat(spans.get(0)[0]).as("the first attempt starts at 0").isZero();
        assertThat(redonePerKill).as(figures).allSatisfy(r -> assertThat(r).isLessThanOrEqualTo(EVERY));
        assertThat(computed - SAMPLES).as(figures).isBetween(0L, WORKER_KILLS * EVERY);

        GridProcesses.Result status = grid.run("status", job, "--output", "json", "--master", "127.0.0.1:" + masterPort);
        assertThat(status.code()).as(status.err()).isZero();
        assertThat(status.out()).contains("\"resumed\": " + done.getTasks().getResumed());
    }

    @Test
    void aLargeCheckpointGoesThroughTheDataGridAndIsDroppedWithTheJob() throws Exception {
        startMaster();
        startWorker("w1");
        awaitWorkers(1);
        int size = 2 << 20; // above the 256 KiB kept inline: uploaded to the master, read back through the data plane
        String job = client.submit(JobSubmission.builder().jar(jar).jobClass(LargeStateJob.class.getName())
                .arg("size", Integer.toString(size)).maxAttempts(2).noSpeculation().build());
        JobStatus done = awaitEnd(job);
        assertThat(done.getState()).as(done.getError() + "\n" + grid.logs()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(done.getResult()).isEqualTo("resumed from " + size + " bytes");
        assertThat(done.getTasks().getResumed()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.listData())
                .as("its checkpoint's data set is dropped with the job")
                .noneSatisfy(d -> assertThat(d.getName()).startsWith("checkpoint ")));
    }

    // ------------------------------------------------------------------------------------------ helpers

    private List<Stretch> stretches() throws IOException {
        List<Stretch> out = new ArrayList<>();
        if (!Files.exists(trace)) {
            return out;
        }
        for (String line : Files.readAllLines(trace)) {
            String[] f = line.split(" ");
            if (f.length == 5) { // a line cut by a kill is left out (it was not computed in full)
                out.add(new Stretch(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], Integer.parseInt(f[4])));
            }
        }
        return out;
    }

    private long progress() throws IOException {
        List<Stretch> s = stretches();
        return s.isEmpty() ? 0 : s.get(s.size() - 1).to();
    }

    private Stretch last() throws IOException {
        List<Stretch> s = stretches();
        return s.get(s.size() - 1);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void startMaster() throws Exception {
        master = grid.start("master-" + Instant.now().toEpochMilli(), "master", "--port", Integer.toString(masterPort),
                "--bind", "127.0.0.1", "--data", dir.resolve("master").toString(), "--min-checkpoint-interval", "0s",
                // three deaths of its worker under one task would quarantine it as a task that kills its workers
                "--quarantine-after", "10");
        Path credentials = dir.resolve("master").resolve(Credentials.FILE_NAME);
        if (client == null) {
            await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(credentials));
            grid.env("GRID_CREDENTIALS", credentials.toString());
            client = GridClient.builder().target("127.0.0.1:" + masterPort).credentials(Credentials.read(credentials))
                    .build();
        }
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> client.workers(true) != null);
    }

    private void startWorker(String name) throws IOException {
        workers.put(name, grid.start(name + "-" + Instant.now().toEpochMilli(), "worker", "--master",
                "127.0.0.1:" + masterPort, "--slots", "1", "--name", name, "--work-dir", dir.resolve(name).toString(),
                "--drain-timeout", "2s"));
    }

    private void awaitWorkers(int n) {
        await().atMost(Duration.ofSeconds(90)).until(() ->
                client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() >= n);
    }

    private JobStatus awaitEnd(String job) {
        try {
            await().atMost(Duration.ofMinutes(3)).ignoreExceptions()
                    .until(() -> GridClient.isTerminal(client.status(job).getState()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("job " + job + " did not end: " + client.status(job) + "\n" + grid.logs(), e);
        }
        return client.status(job);
    }
}
