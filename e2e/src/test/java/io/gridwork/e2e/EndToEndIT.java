package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.testing.TestJars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path as a user drives it: a master and three worker JVMs started with {@code ./grid} on loopback
 * (ephemeral port), jobs submitted through the CLI, exact results, exit codes and JSON checked.
 */
class EndToEndIT {

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static String master;
    static Path data;

    @BeforeAll
    static void startGrid() throws Exception {
        grid = new GridProcesses(dir);
        data = dir.resolve("master");
        grid.start("master", "master", "--port", "0", "--bind", "127.0.0.1", "--data", data.toString());
        Path portFile = data.resolve("master.port");
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(portFile) && !Files.readString(portFile).isBlank()
                && Files.exists(data.resolve("credentials")));
        master = "127.0.0.1:" + Files.readString(portFile).trim();
        grid.env("GRID_CREDENTIALS", data.resolve("credentials").toString());
        for (int i = 1; i <= 3; i++) {
            grid.start("w" + i, "worker", "--master", master, "--slots", "1", "--name", "e2e-w" + i,
                    "--work-dir", dir.resolve("w" + i).toString());
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> aliveWorkers() == 3);
    }

    @AfterAll
    static void stopGrid() throws Exception {
        if (grid != null) {
            grid.close();
        }
    }

    static JsonArray workers() throws Exception {
        GridProcesses.Result r = grid.run("workers", "--master", master, "--output", "json");
        return r.code() == 0 ? JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("workers") : new JsonArray();
    }

    static long aliveWorkers() throws Exception {
        long n = 0;
        for (JsonElement w : workers()) {
            if (w.getAsJsonObject().get("state").getAsString().equals("ALIVE")) {
                n++;
            }
        }
        return n;
    }

    static int jobCount() throws Exception {
        GridProcesses.Result r = grid.run("jobs", "--master", master, "--output", "json", "--limit", "1000");
        assertThat(r.code()).isZero();
        return JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("jobs").size();
    }

    static long jarFiles() throws Exception {
        try (Stream<Path> files = Files.list(data.resolve("jars"))) {
            return files.count();
        }
    }

    @Test
    void primesBelowTwentyMillionOverThreeWorkers() throws Exception {
        GridProcesses.Result r = grid.run("submit", "--master", master, "--jar", GridProcesses.EXAMPLES.toString(),
                "--job", "io.gridwork.examples.PrimeCountJob", "--arg", "limit=20000000", "--arg", "tasks=200", "--wait");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("1270607\n");
        for (JsonElement w : workers()) {
            assertThat(w.getAsJsonObject().get("completed").getAsLong()).as(w.toString()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void submitThenWaitStatusAndResult() throws Exception {
        GridProcesses.Result submitted = grid.run("submit", "--master", master, "--jar", GridProcesses.EXAMPLES.toString(),
                "--job", "io.gridwork.examples.PrimeCountJob", "--arg", "limit=100000", "--arg", "tasks=10");
        assertThat(submitted.code()).as(submitted.err()).isZero();
        String id = submitted.out().trim();
        assertThat(id).matches("job-\\d+");
        assertThat(grid.run("wait", id, "--master", master).code()).isZero();
        GridProcesses.Result shown = grid.run("status", id, "--master", master, "--output", "json");
        // nothing on stderr: the CLI's warm-up threads (see ClientWarmUp) log nothing, and SLF4J replays nothing
        assertThat(shown.err()).isEmpty();
        JsonObject status = JsonParser.parseString(shown.out()).getAsJsonObject();
        assertThat(status.get("state").getAsString()).isEqualTo("SUCCEEDED");
        assertThat(status.getAsJsonObject("tasks").get("total").getAsLong()).isEqualTo(10);
        assertThat(status.getAsJsonObject("tasks").get("succeeded").getAsLong()).isEqualTo(10);
        assertThat(status.get("result").getAsString()).isEqualTo("9592");
        assertThat(grid.run("result", id, "--master", master).out()).isEqualTo("9592\n");
    }

    @Test
    void badInputExitsTwoAndLeavesNothingBehind() throws Exception {
        int jobsBefore = jobCount();
        long jarsBefore = jarFiles();
        Path notAJar = Files.writeString(dir.resolve("not-a-jar.jar"), "this is not a zip file");

        GridProcesses.Result badJar = grid.run("submit", "--master", master, "--jar", notAJar.toString(), "--job", "x.Y", "--wait");
        assertThat(badJar.code()).isEqualTo(2);
        assertThat(badJar.err().trim()).isEqualTo("grid submit: jar: file is not a jar (not a valid zip archive: zip END header not found)");

        GridProcesses.Result unknownClass = grid.run("submit", "--master", master, "--jar", GridProcesses.EXAMPLES.toString(),
                "--job", "io.gridwork.examples.NoSuchJob", "--wait");
        assertThat(unknownClass.code()).isEqualTo(2);
        assertThat(unknownClass.err().trim()).isEqualTo("grid submit: job_class: no class io.gridwork.examples.NoSuchJob in the jar"
                + " (the jar's job classes: io.gridwork.examples.GrepJob, io.gridwork.examples.MandelbrotJob,"
                + " io.gridwork.examples.NoopJob, io.gridwork.examples.PiJob, io.gridwork.examples.PrimeCountJob,"
                + " io.gridwork.examples.WordCountJob)");

        GridProcesses.Result malformed = grid.run("submit", "--master", master, "--jar", GridProcesses.EXAMPLES.toString(),
                "--job", "io.gridwork.examples.PrimeCountJob", "--arg", "noequals", "--wait");
        assertThat(malformed.code()).isEqualTo(2);
        assertThat(malformed.err().trim()).isEqualTo("grid submit: --arg must be KEY=VALUE, got 'noequals'");

        GridProcesses.Result badValue = grid.run("submit", "--master", master, "--jar", GridProcesses.EXAMPLES.toString(),
                "--job", "io.gridwork.examples.PrimeCountJob", "--arg", "limit=lots");
        assertThat(badValue.code()).isEqualTo(2);
        assertThat(badValue.err().trim()).isEqualTo("grid submit: args: argument 'limit' must be an integer, got 'lots'");

        GridProcesses.Result misspelled = grid.run("submit", "--master", master, "--jar", GridProcesses.EXAMPLES.toString(),
                "--job", "io.gridwork.examples.PiJob", "--arg", "sample=1e6", "--wait");
        assertThat(misspelled.code()).isEqualTo(2);
        assertThat(misspelled.err().trim()).isEqualTo("grid submit: args: unknown argument 'sample' for"
                + " io.gridwork.examples.PiJob (did you mean 'samples'?); it takes checkpointEvery, samples, tasks");

        assertThat(jobCount()).isEqualTo(jobsBefore);
        assertThat(jarFiles()).isLessThanOrEqualTo(Math.max(jarsBefore, 1));
        assertThat(Files.list(data.resolve("jars")).filter(p -> p.toString().endsWith(".tmp")).count()).isZero();
    }

    @Test
    void aTaskThatAlwaysThrowsFailsTheJobWithItsMessage() throws Exception {
        Path jar = TestJars.of(dir.resolve("jars-in"), "fails.jar", AlwaysFailsJob.class);
        GridProcesses.Result r = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job", AlwaysFailsJob.class.getName(),
                "--max-attempts", "2", "--wait");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("FAILED: task 1 failed 2 times; last error: IllegalStateException: disk full on attempt 2");
    }

    @Test
    void aBinaryResultGoesToAFile() throws Exception {
        Path png = dir.resolve("m.png");
        GridProcesses.Result r = grid.run("submit", "--master", master, "--jar", GridProcesses.EXAMPLES.toString(),
                "--job", "io.gridwork.examples.MandelbrotJob", "--arg", "width=300", "--arg", "height=200", "--wait",
                "--out", png.toString());
        assertThat(r.code()).as(r.err()).isZero();
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void wordCountCarriesItsDataWithTheTasks() throws Exception {
        Path text = Files.writeString(dir.resolve("words.txt"), "b a b\nc b a\n");
        GridProcesses.Result r = grid.run("submit", "--master", master, "--jar", GridProcesses.EXAMPLES.toString(),
                "--job", "io.gridwork.examples.WordCountJob", "--arg", "text=@" + text, "--arg", "tasks=2", "--wait");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("b\t3\na\t2\nc\t1\n");
    }

    @Test
    void aWorkerOnAnotherMachineJoinsWithAJoinTokenOnly() throws Exception {
        GridProcesses.Result token = grid.run("token", "create", "--role", "worker", "--name", "remote-machines",
                "--master", master);
        assertThat(token.code()).as(token.err()).isZero();
        String join = token.out().trim();
        Path workDir = dir.resolve("remote");
        Process remote = grid.start("remote", "worker", "--master", master, "--slots", "1", "--name", "remote",
                "--work-dir", workDir.toString(), "--join-token", join);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (JsonElement w : workers()) {
                    if (w.getAsJsonObject().get("name").getAsString().equals("remote")
                            && w.getAsJsonObject().get("state").getAsString().equals("ALIVE")) {
                        return true;
                    }
                }
                return !remote.isAlive();
            });
            assertThat(remote.isAlive()).as(grid.log("remote")).isTrue();
            assertThat(workDir.resolve("tls/worker.crt")).exists();
            GridProcesses.Result audit = grid.run("audit", "--master", master, "--output", "json");
            assertThat(audit.out()).contains("\"action\": \"worker.join\"").contains("\"target\": \"remote\"");
        } finally {
            remote.destroy();
            remote.waitFor();
        }
        GridProcesses.Result stale = grid.run(Duration.ofSeconds(60), "worker", "--master", master, "--name", "remote2",
                "--work-dir", dir.resolve("remote2").toString(), "--join-token", "gwj1.bad");
        assertThat(stale.code()).isEqualTo(2);
        assertThat(stale.err()).contains("not a Gridwork join token");
    }

    @Test
    void anUnreachableMasterExitsThree() throws Exception {
        GridProcesses.Result r = grid.run("jobs", "--master", "127.0.0.1:1");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void theDemoRunsOnAFreshGrid() throws Exception {
        GridProcesses.Result r = grid.run(Duration.ofMinutes(5), "demo");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("pi ≈ 3.14").contains("wall time").contains("demo-1").contains("demo-2");
    }
}
