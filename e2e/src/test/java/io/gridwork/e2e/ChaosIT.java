package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerEvent;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.bench.support.DelayProxy;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.testing.TestJars;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected into a real grid (master and workers as separate JVMs on loopback): each scenario checks
 * invariants, not timings: the job's result equals the fault-free result, and exactly one output per task was
 * merged.
 *
 * <p>The scenarios that leave the master alone share one master JVM (a master's start is most of a scenario's time),
 * each with workers of its own, named with a prefix of its own: a scenario sees only its own workers (their states,
 * their events, how many are alive) and its own jobs. The scenario that kills the master has a master of its own.
 */
class ChaosIT {

    @TempDir
    static Path sharedDir;

    /** The master the scenarios share; null until the first asks for it. */
    private static Master shared;
    private static int scenarios;

    @TempDir
    Path dir;

    /** This scenario's workers and commands. */
    private GridProcesses grid;
    /** The master this scenario runs on: the shared one, or one of its own. */
    private Master master;
    private GridClient client;
    private Path jar;
    private Path log;
    private int masterPort;
    /** Put before this scenario's worker names on the shared master. */
    private String prefix;
    private final Map<String, Process> workers = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        grid = new GridProcesses(dir);
        jar = TestJars.of(dir.resolve("jobs"), "chaos.jar", ChaosJob.class, io.gridwork.bench.jobs.TallyJob.class);
        log = dir.resolve("executions.log");
        prefix = "s" + (++scenarios) + "-";
    }

    @AfterEach
    void tearDown() throws Exception {
        grid.close();
        if (master != null && master != shared) {
            master.close();
        }
    }

    @AfterAll
    static void stopShared() throws Exception {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    // ------------------------------------------------------------------------------------------ scenarios

    @Test
    void aWorkerKilledMidTaskLosesNothing() throws Exception {
        useSharedMaster();
        startWorkers(3);
        String job = submit(Map.of("n", "30", "ms", "300"));
        awaitSucceeded(job, 3);
        kill9(workers.get("w1"));
        JobStatus done = awaitEnd(job);
        assertFaultFree(done, 30);
        assertThat(events()).as(details().toString()).contains("w1 DEAD");
    }

    @Test
    void aFrozenWorkerIsDeclaredDeadItsLateResultsAreRefusedAndItRejoins() throws Exception {
        useSharedMaster();
        startWorkers(3);
        String job = submit(Map.of("n", "90", "ms", "200"));
        awaitSucceeded(job, 3);
        Process frozen = workers.get("w1");
        signal(frozen, "STOP");
        await().atMost(Duration.ofSeconds(30)).until(() -> state("w1") == WorkerInfo.State.DEAD);
        signal(frozen, "CONT");
        await().atMost(Duration.ofSeconds(30)).until(() -> state("w1") == WorkerInfo.State.ALIVE);
        JobStatus done = awaitEnd(job);
        assertFaultFree(done, 90);
        assertThat(done.getTasks().getRejected()).as("results of w1's superseded attempts").isPositive();
        assertThat(events()).as(details().toString()).containsSubsequence(List.of("w1 SUSPECT", "w1 DEAD", "w1 RECOVERED"));
    }

    @Test
    void aCutLinkIsALinkFailureAndTheWorkerKeepsItsTasks() throws Exception {
        useSharedMaster();
        startWorkers(2);
        try (DelayProxy proxy = new DelayProxy(0, new InetSocketAddress("127.0.0.1", masterPort), 0)) {
            startWorker("behind-proxy", "127.0.0.1:" + proxy.port());
            awaitWorkers(3);
            String job = submit(Map.of("n", "40", "ms", "300"));
            await().atMost(Duration.ofSeconds(30)).until(() -> running("behind-proxy") > 0);
            proxy.cut();
            await().atMost(Duration.ofSeconds(30)).until(() -> state("behind-proxy") == WorkerInfo.State.LINK_FAILED);
            assertThat(events()).as(details().toString()).doesNotContain("behind-proxy DEAD");
            proxy.restore();
            await().atMost(Duration.ofSeconds(30)).until(() -> state("behind-proxy") == WorkerInfo.State.ALIVE);
            JobStatus done = awaitEnd(job);
            assertFaultFree(done, 40);
            assertThat(done.getTasks().getLost()).as("tasks kept through the link failure").isZero();
        }
        assertThat(events()).as(details().toString()).containsSubsequence(List.of("behind-proxy SUSPECT",
                "behind-proxy LINK_FAILED", "behind-proxy RECOVERED"));
    }

    @Test
    void theMasterKilledMidJobComesBackAndTheJobEndsAsIfNothingHappened() throws Exception {
        Process masterProcess = startOwnMaster();
        startWorkers(2);
        String job = submit(Map.of("n", "40", "ms", "200", "log", log.toString()));
        Path waitOut = dir.resolve("wait.out");
        Process waiting = grid.start("wait", "wait", job, "--master", "127.0.0.1:" + masterPort, "--out", waitOut.toString());
        awaitSucceeded(job, 8);
        kill9(masterProcess);
        masterProcess.waitFor(10, TimeUnit.SECONDS);
        master.start();
        assertThat(waiting.waitFor(3, TimeUnit.MINUTES)).as("grid wait ended").isTrue();
        assertThat(waiting.exitValue()).as(grid.log("wait")).isZero();
        assertThat(Files.readString(waitOut).trim()).isEqualTo(ChaosJob.expected(40));
        JobStatus done = awaitEnd(job);
        assertFaultFree(done, 40);
        List<String> executions = Files.readAllLines(log);
        executions.removeIf(l -> !l.startsWith("start "));
        assertThat(executions.stream().map(l -> l.split(" ")[1]).distinct().count()).isEqualTo(40);
        // tasks completed before the crash ran once; at most the two workers' in-flight tasks ran again
        assertThat(executions.size()).isLessThanOrEqualTo(40 + 2 * 3);
    }

    @Test
    void aTaskThatAlwaysThrowsFailsItsJobWithItsMessage() throws Exception {
        useSharedMaster();
        startWorkers(2);
        String bad = submit(Map.of("n", "5", "ms", "50", "throwOn", "2"));
        String good = submit(Map.of("n", "10", "ms", "50"));
        JobStatus failed = awaitEnd(bad);
        assertThat(failed.getState()).isEqualTo(JobStatus.State.FAILED);
        assertThat(failed.getError()).isEqualTo("task 2 failed 3 times; last error: IllegalStateException: task 2 always fails");
        assertFaultFree(awaitEnd(good), 10);
    }

    @Test
    void aHungTaskTimesOutAndRunsAgainElsewhere() throws Exception {
        useSharedMaster();
        startWorkers(2);
        String job = client.submit(JobSubmission.builder().jar(jar).jobClass(ChaosJob.class.getName())
                .arg("n", "6").arg("ms", "100").arg("hangOn", "3").taskTimeout(Duration.ofSeconds(2))
                // the timeout must rescue it: a second attempt near the end would beat it
                .noSpeculation().build());
        JobStatus done = awaitEnd(job);
        assertFaultFree(done, 6);
        assertThat(done.getTasks().getRetried()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aTaskThatKillsItsWorkerIsQuarantinedAndOtherJobsGoOn() throws Exception {
        useSharedMaster();
        startWorkers(3);
        String other = submit(Map.of("n", "20", "ms", "100"));
        String poison = submit(Map.of("n", "1", "exitOn", "0"));
        JobStatus failed = awaitEnd(poison);
        assertThat(failed.getState()).isEqualTo(JobStatus.State.FAILED);
        assertThat(failed.getError()).startsWith("task 0 was running when its worker died 3 times").endsWith("it is quarantined");
        startWorker("fresh", "127.0.0.1:" + masterPort);
        assertFaultFree(awaitEnd(other), 20);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs this scenario on the shared master (started by the first scenario that asks). */
    private void useSharedMaster() throws Exception {
        if (shared == null) {
            Master m = new Master(sharedDir);
            try {
                m.start();
            } catch (Throwable failed) {
                m.close(); // the next scenario starts one afresh
                throw failed;
            }
            shared = m;
        }
        on(shared);
    }

    /** Runs this scenario on a master of its own (one it may kill and restart on the same data). */
    private Process startOwnMaster() throws Exception {
        Master own = new Master(dir);
        master = own; // closed after the scenario, also when it does not start
        Process p = own.start();
        on(own);
        return p;
    }

    private void on(Master m) {
        master = m;
        client = m.client;
        masterPort = m.port;
        grid.env("GRID_CREDENTIALS", m.credentials.toString());
    }

    /** This scenario's worker events, as "name TYPE" in order (its own workers, the prefix taken off). */
    private List<String> events() {
        return master.events(prefix, false);
    }

    /** The same with their reasons. */
    private List<String> details() {
        return master.events(prefix, true);
    }

    private void startWorkers(int n) throws Exception {
        for (int i = 1; i <= n; i++) {
            startWorker("w" + i, "127.0.0.1:" + masterPort);
        }
        awaitWorkers(n);
    }

    private void startWorker(String name, String master) throws IOException {
        workers.put(name, grid.start(name, "worker", "--master", master, "--slots", "1", "--name", prefix + name,
                "--work-dir", dir.resolve(name).toString(), "--drain-timeout", "2s"));
    }

    /** At least n of this scenario's workers are ALIVE. */
    private void awaitWorkers(int n) {
        await().atMost(Duration.ofSeconds(90)).until(() -> client.workers(false).stream()
                .filter(w -> w.getName().startsWith(prefix) && w.getState() == WorkerInfo.State.ALIVE).count() >= n);
    }

    private String submit(Map<String, String> args) throws IOException {
        return client.submit(JobSubmission.builder().jar(jar).jobClass(ChaosJob.class.getName()).args(args).build());
    }

    private void awaitSucceeded(String job, long n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> client.status(job).getTasks().getSucceeded() >= n);
    }

    private JobStatus awaitEnd(String job) {
        try {
            await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
                    .until(() -> GridClient.isTerminal(client.status(job).getState()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("job " + job + " did not end: " + client.status(job) + "\n" + master.processes.logs()
                    + grid.logs(), e);
        }
        return client.status(job);
    }

    private WorkerInfo.State state(String name) {
        return client.workers(true).stream().filter(w -> w.getName().equals(prefix + name)).map(WorkerInfo::getState)
                .findFirst().orElse(WorkerInfo.State.STATE_UNSPECIFIED);
    }

    private int running(String name) {
        return client.workers(true).stream().filter(w -> w.getName().equals(prefix + name)).mapToInt(WorkerInfo::getRunning)
                .findFirst().orElse(0);
    }

    private void assertFaultFree(JobStatus done, long n) {
        assertThat(done.getState()).as(done.getError()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(done.getResult()).isEqualTo(ChaosJob.expected(n));
        assertThat(done.getTasks().getSucceeded()).isEqualTo(n);
    }

    private static void kill9(Process p) {
        p.destroyForcibly();
    }

    private static void signal(Process p, String signal) throws Exception {
        GridProcesses.signal(p, signal);
    }

    /** A master JVM with its data in a directory, the client the tests use, and the worker events it has sent. */
    private static final class Master {
        final GridProcesses processes;
        final Path data;
        final Path credentials;
        final int port;
        GridClient client;
        /** Every worker event, as "name TYPE: reason", in order. */
        private final List<String> events = new CopyOnWriteArrayList<>();
        private Thread watcher;

        Master(Path dir) throws IOException {
            processes = new GridProcesses(dir);
            data = dir.resolve("master");
            credentials = data.resolve(Credentials.FILE_NAME);
            port = freePort();
        }

        /** Starts it (again, on the same port and data, after a kill) and waits until it answers. */
        Process start() throws Exception {
            Process p = processes.start("master-" + Instant.now().toEpochMilli(), "master", "--port",
                    Integer.toString(port), "--bind", "127.0.0.1", "--data", data.toString());
            try {
                if (client == null) {
                    await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(credentials));
                    client = GridClient.builder().target("127.0.0.1:" + port).credentials(Credentials.read(credentials))
                            .build();
                }
                await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> client.workers(true) != null);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the master did not answer:\n" + processes.logs(), e);
            }
            if (watcher == null) {
                watcher = new Thread(() -> {
                    try {
                        client.watchWorkers(0, Instant.now().plus(Duration.ofHours(1)),
                                (WorkerEvent e) -> events.add(e.getName() + " " + e.getType() + ": " + e.getReason()));
                    } catch (RuntimeException stopped) {
                        // the master or the test is over
                    }
                }, "test-events");
                watcher.setDaemon(true);
                watcher.start();
            }
            return p;
        }

        /** The events of the workers whose names start with prefix, the prefix taken off; with or without reasons. */
        List<String> events(String prefix, boolean reasons) {
            List<String> out = new ArrayList<>();
            for (String e : events) {
                if (e.startsWith(prefix)) {
                    String named = e.substring(prefix.length());
                    out.add(reasons ? named : named.substring(0, named.indexOf(':')));
                }
            }
            return out;
        }

        void close() throws Exception {
            if (watcher != null) {
                watcher.interrupt();
            }
            if (client != null) {
                client.close();
            }
            processes.close();
        }
    }
}
