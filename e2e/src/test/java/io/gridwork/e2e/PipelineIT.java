package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.testing.TestJars;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs that run after jobs ({@code grid submit --after}) on a real grid (a master and two workers as separate JVMs,
 * TLS, an H2 store on disk): a four-job pipeline submitted at once survives a master {@code kill -9} and restart
 * mid-way, every job runs once and in order, and the last result is right; a failing stage cancels what runs after it,
 * naming it. One grid for the class.
 */
class PipelineIT {

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static GridClient client;
    static Path jar;
    static int masterPort;
    static Process master;
    static String address;

    @BeforeAll
    static void startGrid() throws Exception {
        grid = new GridProcesses(dir);
        jar = TestJars.of(dir.resolve("jobs"), "pipeline.jar", PipelineJob.class);
        try (ServerSocket s = new ServerSocket(0)) {
            masterPort = s.getLocalPort();
        }
        address = "127.0.0.1:" + masterPort;
        master = startMaster();
        Path credentials = dir.resolve("master").resolve(Credentials.FILE_NAME);
        grid.env("GRID_CREDENTIALS", credentials.toString());
        client = GridClient.builder().target(address).credentials(Credentials.read(credentials)).build();
        for (String w : List.of("w1", "w2")) {
            grid.start(w, "worker", "--master", address, "--slots", "1", "--name", w, "--work-dir",
                    dir.resolve(w).toString(), "--drain-timeout", "2s");
        }
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> client.workers(false).stream()
                .filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() >= 2);
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

    private static Process startMaster() throws Exception {
        Process p = grid.start("master-" + Instant.now().toEpochMilli(), "master", "--port", Integer.toString(masterPort),
                "--bind", "127.0.0.1", "--data", dir.resolve("master").toString());
        Path credentials = dir.resolve("master").resolve(Credentials.FILE_NAME);
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(credentials));
        if (client != null) {
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> client.workers(true) != null);
        }
        return p;
    }

    /** {@code grid submit} of a stage with these options; returns the job's id. */
    private static String submit(String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("submit", "--master", address, "--jar", jar.toString(), "--job",
                PipelineJob.class.getName()));
        args.addAll(List.of(options));
        GridProcesses.Result r = grid.run(Duration.ofMinutes(2), args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return r.out().trim();
    }

    private static JobStatus awaitEnd(String job) {
        try {
            await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
                    .until(() -> GridClient.isTerminal(client.status(job).getState()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("job " + job + " did not end: " + client.status(job) + "\n" + grid.logs(), e);
        }
        return client.status(job);
    }

    @Test
    void aPipelineSubmittedAtOnceRunsInOrderAcrossAMasterKillAndDsResultIsRight() throws Exception {
        Path log = dir.resolve("pipeline.log");
        // the workers take nothing while the four are submitted (each grid submit is a JVM start): they all wait
        client.drainWorker("w1");
        client.drainWorker("w2");
        String a = submit("--arg", "stage=A", "--arg", "tasks=4", "--arg", "ms=300", "--arg", "log=" + log);
        String b = submit("--after", a, "--arg", "stage=B", "--arg", "in=@result:" + a, "--arg", "tasks=3",
                "--arg", "ms=300", "--arg", "log=" + log);
        String c = submit("--after", a, "--arg", "stage=C", "--arg", "in=@result:" + a, "--arg", "tasks=2",
                "--arg", "ms=300", "--arg", "log=" + log);
        String d = submit("--after", b + "," + c, "--arg", "stage=D", "--arg", "in=@result:" + b,
                "--arg", "plus=@result:" + c, "--arg", "tasks=2", "--arg", "log=" + log);
        assertThat(client.status(d).getState()).isEqualTo(JobStatus.State.WAITING);
        assertThat(client.status(d).getAfterList()).containsExactly(b, c);
        assertThat(client.status(a).getDownstreamList()).containsExactly(b, c);
        assertThat(client.status(b).getState()).isEqualTo(JobStatus.State.WAITING);
        client.undrainWorker("w1");
        client.undrainWorker("w2");

        // mid-way: A has succeeded, B runs, D still waits; the master dies and comes back on the same store
        await().atMost(Duration.ofMinutes(2)).until(() -> client.status(b).getTasks().getSucceeded() >= 1
                || GridClient.isTerminal(client.status(b).getState()));
        assertThat(client.status(d).getState()).isEqualTo(JobStatus.State.WAITING);
        master.destroyForcibly();
        assertThat(master.waitFor(10, TimeUnit.SECONDS)).isTrue();
        master = startMaster();

        JobStatus dEnd = awaitEnd(d);
        long resultA = PipelineJob.expected(0, 0, 4);
        long resultB = PipelineJob.expected(resultA, 0, 3);
        long resultC = PipelineJob.expected(resultA, 0, 2);
        assertThat(dEnd.getState()).as(dEnd.getError()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(dEnd.getResult()).isEqualTo(Long.toString(PipelineJob.expected(resultB, resultC, 2)));
        for (String job : List.of(a, b, c)) {
            assertThat(client.status(job).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        }
        assertThat(client.status(b).getResult()).isEqualTo(Long.toString(resultB));
        assertThat(client.status(d).getArgsMap()).containsEntry("in", Long.toString(resultB))
                .containsEntry("plus", Long.toString(resultC));

        List<String> lines = Files.readAllLines(log);
        // in order: no task of a stage starts before every task of the stages it runs after has ended
        assertThat(lastIndex(lines, "A end")).isLessThan(firstIndex(lines, "B start"));
        assertThat(lastIndex(lines, "A end")).isLessThan(firstIndex(lines, "C start"));
        assertThat(lastIndex(lines, "B end")).isLessThan(firstIndex(lines, "D start"));
        assertThat(lastIndex(lines, "C end")).isLessThan(firstIndex(lines, "D start"));
        // once: every task of every stage ended; a task runs again only if its worker held it at the kill (as in
        // ChaosIT: each of the 2 workers holds its running task and its prefetch, 3 in all)
        for (String[] stage : new String[][] {{"A", "4"}, {"B", "3"}, {"C", "2"}, {"D", "2"}}) {
            assertThat(lines.stream().filter(l -> l.startsWith(stage[0] + " end ")).distinct().count())
                    .as("stage %s's tasks", stage[0]).isEqualTo(Long.parseLong(stage[1]));
        }
        long starts = lines.stream().filter(l -> l.contains(" start ")).count();
        assertThat(starts).as("task starts; a kill re-runs at most what the 2 workers held: %s", lines)
                .isLessThanOrEqualTo(11 + 2 * 3);
    }

    @Test
    void aFailingStageCancelsWhatRunsAfterItNamingIt() throws Exception {
        String e = submit("--arg", "stage=E", "--arg", "tasks=1", "--arg", "fail=true", "--max-attempts", "1");
        String f = submit("--after", e, "--arg", "stage=F", "--arg", "in=@result:" + e, "--arg", "tasks=1");
        String g = submit("--after", f, "--arg", "stage=G", "--arg", "tasks=1");
        assertThat(awaitEnd(e).getState()).isEqualTo(JobStatus.State.FAILED);
        JobStatus fEnd = awaitEnd(f);
        assertThat(fEnd.getState()).isEqualTo(JobStatus.State.CANCELLED);
        assertThat(fEnd.getError()).startsWith("cancelled: " + e + ", which it runs after, failed (")
                .contains("fails on purpose");
        assertThat(fEnd.getTasks().getTotal()).as("it never ran").isZero();
        JobStatus gEnd = awaitEnd(g);
        assertThat(gEnd.getState()).isEqualTo(JobStatus.State.CANCELLED);
        assertThat(gEnd.getError()).isEqualTo("cancelled: " + f + ", which it runs after, was cancelled");

        GridProcesses.Result unknown = grid.run("submit", "--master", address, "--jar", jar.toString(), "--job",
                PipelineJob.class.getName(), "--after", "job-424242", "--arg", "tasks=1");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err().trim()).isEqualTo("grid submit: after: no job job-424242");
    }

    private static int firstIndex(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line " + prefix + " in " + lines);
    }

    private static int lastIndex(List<String> lines, String prefix) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line " + prefix + " in " + lines);
    }
}
