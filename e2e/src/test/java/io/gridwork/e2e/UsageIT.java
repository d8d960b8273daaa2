package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.GetTaskLogsRequest;
import io.gridwork.api.v1.GetTaskLogsResponse;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.TaskAttempt;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usage ledger and quotas between real JVMs: a master and two workers (cost factors 1 and 2.5) started with
 * {@code ./grid}, two users (submitter tokens alice and bob). Two users' jobs at once: each user's slot-seconds in
 * {@code grid usage} match its attempts' durations (GetTaskLogs) within 1%, and the cost of each worker's attempts is
 * their slot-seconds times its factor; alice, held to {@code --max-slots 1}, never has two tasks at once; a submitter
 * sees only its own usage. Then a master {@code kill -9} mid-job: every attempt has exactly one record, none lost.
 * (The cost limit's period rollover needs a clock the test can move: see the master's QuotaTest.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UsageIT {

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static int port;
    static Process master;
    static GridClient admin;
    static Path jar;
    static final Map<String, String> tokens = new HashMap<>();

    @BeforeAll
    static void startGrid() throws Exception {
        grid = new GridProcesses(dir);
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        master = startMaster();
        Path credentials = dir.resolve("master").resolve(Credentials.FILE_NAME);
        grid.env("GRID_CREDENTIALS", credentials.toString());
        admin = GridClient.builder().target(address()).credentials(Credentials.read(credentials)).build();
        grid.start("cheap", "worker", "--master", address(), "--slots", "2", "--prefetch", "0", "--name", "cheap",
                "--cost-factor", "1", "--work-dir", dir.resolve("cheap").toString());
        grid.start("dear", "worker", "--master", address(), "--slots", "2", "--prefetch", "0", "--name", "dear",
                "--cost-factor", "2.5", "--work-dir", dir.resolve("dear").toString());
        await().atMost(Duration.ofSeconds(90)).until(() -> admin.workers(false).stream()
                .filter(w -> w.getState() == io.gridwork.api.v1.WorkerInfo.State.ALIVE).count() == 2);
        for (String user : List.of("alice", "bob")) {
            GridProcesses.Result t = grid.run("token", "create", "--role", "submitter", "--name", user, "--master",
                    address());
            assertThat(t.code()).as(t.err()).isZero();
            tokens.put(user, t.out().trim());
        }
        jar = TestJars.of(dir.resolve("jars"), "usage.jar", UsageJob.class);
    }

    @AfterAll
    static void stopGrid() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (grid != null) {
            grid.close();
        }
    }

    static String address() {
        return "127.0.0.1:" + port;
    }

    static Process startMaster() throws Exception {
        Path data = dir.resolve("master");
        Files.deleteIfExists(data.resolve("master.port"));
        Process p = grid.start("master-" + Instant.now().toEpochMilli(), "master", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--http-port", "-1", "--data", data.toString());
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(data.resolve("master.port"))
                && !Files.readString(data.resolve("master.port")).isBlank());
        return p;
    }

    static String submit(String user, int n, int spinMs, int sleepMs) throws Exception {
        GridProcesses.Result r = grid.run("submit", "--master", address(), "--token", tokens.get(user), "--jar",
                jar.toString(), "--job", UsageJob.class.getName(), "--arg", "n=" + n, "--arg", "spin=" + spinMs,
                "--arg", "ms=" + sleepMs, "--no-speculation");
        assertThat(r.code()).as(r.err()).isZero();
        return r.out().trim();
    }

    static JobStatus awaitEnd(String job) {
        return admin.await(job, Duration.ofMinutes(3), s -> { });
    }

    static List<TaskAttempt> attempts(String job) {
        GetTaskLogsResponse r = admin.taskLogs(GetTaskLogsRequest.newBuilder().setJobId(job).setLimit(1000).build());
        assertThat(r.getJobEnded()).isTrue();
        return r.getAttemptsList();
    }

    static JsonObject usage(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("usage", "--master", address(), "--output", "json"));
        all.addAll(List.of(args));
        GridProcesses.Result r = grid.run(all.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    static Map<String, JsonObject> lines(JsonObject usage, String by) {
        Map<String, JsonObject> out = new HashMap<>();
        for (JsonElement e : usage.getAsJsonArray("usage")) {
            JsonObject o = e.getAsJsonObject();
            out.put(o.get(by).getAsString(), o);
        }
        return out;
    }

    @Test
    @Order(1)
    void twoUsersUsageMatchesTheirAttemptsAndASlotLimitHolds() throws Exception {
        GridProcesses.Result set = grid.run("quota", "set", "alice", "--max-slots", "1", "--master", address());
        assertThat(set.code()).as(set.err()).isZero();
        GridProcesses.Result refused = grid.run("quota", "set", "alice", "--max-slots", "2", "--master", address(),
                "--token", tokens.get("alice"));
        assertThat(refused.code()).as("a submitter may not set quotas").isEqualTo(4);

        String a = submit("alice", 3, 150, 3850);
        String b = submit("bob", 4, 150, 3850);
        assertThat(awaitEnd(a).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(awaitEnd(b).getState()).isEqualTo(JobStatus.State.SUCCEEDED);

        // alice's attempts, in the master's times, never overlap: one slot at a time
        List<TaskAttempt> ofAlice = new ArrayList<>(attempts(a));
        ofAlice.sort(Comparator.comparingLong(t -> t.getStartedAt().getSeconds() * 1_000_000_000L + t.getStartedAt().getNanos()));
        for (int i = 1; i < ofAlice.size(); i++) {
            Instant prevEnd = instant(ofAlice.get(i - 1).getEndedAt());
            assertThat(instant(ofAlice.get(i).getStartedAt())).as("attempt %d of alice's starts after the one before ends", i)
                    .isAfterOrEqualTo(prevEnd);
        }

        // each user's slot-seconds match the sum of its attempts' durations within 1%
        Map<String, JsonObject> byUser = lines(usage("--by", "user"), "user");
        for (Map.Entry<String, String> e : Map.of("alice", a, "bob", b).entrySet()) {
            List<TaskAttempt> list = attempts(e.getValue());
            double seconds = list.stream().mapToLong(TaskAttempt::getDurationMs).sum() / 1000.0;
            JsonObject line = byUser.get(e.getKey());
            assertThat(line).as(e.getKey()).isNotNull();
            assertThat(line.get("tasks").getAsLong()).isEqualTo(list.size());
            assertThat(line.get("slot_seconds").getAsDouble()).as(e.getKey() + "'s slot-seconds")
                    .isBetween(seconds * 0.99, seconds * 1.01);
            assertThat(line.get("cpu_seconds").getAsDouble()).as("the spinning was measured").isPositive();
        }

        // cost: slot-seconds x each worker's factor
        Map<String, JsonObject> byWorker = lines(usage("--by", "worker"), "worker");
        assertThat(byWorker).containsKeys("cheap", "dear");
        JsonObject cheap = byWorker.get("cheap");
        JsonObject dear = byWorker.get("dear");
        assertThat(cheap.get("cost").getAsDouble()).isCloseTo(cheap.get("slot_seconds").getAsDouble(),
                org.assertj.core.data.Offset.offset(1e-6));
        assertThat(dear.get("cost").getAsDouble()).isCloseTo(2.5 * dear.get("slot_seconds").getAsDouble(),
                org.assertj.core.data.Offset.offset(1e-6));

        // a submitter sees only its own usage
        JsonObject own = usage("--token", tokens.get("bob"));
        assertThat(lines(own, "user").keySet()).containsExactly("bob");
        GridProcesses.Result other = grid.run("usage", "--master", address(), "--token", tokens.get("bob"), "--user",
                "alice");
        assertThat(other.code()).isEqualTo(4);
        assertThat(other.err()).contains("sees only its own usage");

        GridProcesses.Result status = grid.run("status", a, "--master", address());
        assertThat(status.out()).contains("  usage      ").contains("3 attempts");
        grid.run("quota", "rm", "alice", "--master", address());
    }

    @Test
    @Order(2)
    void aMasterKilledMidJobLosesNoUsageAndCountsNoneTwice() throws Exception {
        Instant submitted = Instant.now();
        String job = submit("bob", 10, 50, 1200);
        await().atMost(Duration.ofMinutes(2)).until(() -> admin.status(job).getTasks().getSucceeded() >= 3);
        GridProcesses.signal(master, "KILL");
        master.waitFor(10, TimeUnit.SECONDS);
        master = startMaster();
        JobStatus done = awaitEnd(job);
        Instant ended = Instant.now();
        assertThat(done.getState()).isEqualTo(JobStatus.State.SUCCEEDED);

        List<TaskAttempt> list = attempts(job);
        Set<String> seen = new HashSet<>();
        for (TaskAttempt t : list) {
            assertThat(seen.add(t.getTask() + "/" + t.getAttempt())).as("attempt %d of task %d once", t.getAttempt(),
                    t.getTask()).isTrue();
        }
        Set<Long> tasks = new HashSet<>();
        list.forEach(t -> tasks.add(t.getTask()));
        assertThat(tasks).as("every task has its attempts").hasSize(10);

        JsonObject line = lines(usage("--by", "job"), "job").get(job);
        assertThat(line.get("tasks").getAsLong()).as("one record per attempt, none twice").isEqualTo(list.size());
        double slotSeconds = line.get("slot_seconds").getAsDouble();
        assertThat(slotSeconds).as("no usage lost: every task's code ran at least 1.25 s").isGreaterThanOrEqualTo(10 * 1.25);
        assertThat(slotSeconds).as("none counted twice: at most 4 slots for as long as the job ran")
                .isLessThanOrEqualTo(4 * Duration.between(submitted, ended).toMillis() / 1000.0);
        double durations = list.stream().mapToLong(TaskAttempt::getDurationMs).sum() / 1000.0;
        assertThat(slotSeconds).as("as the workers measured them, within 1%").isBetween(durations * 0.99, durations * 1.01);
    }

    private static Instant instant(com.google.protobuf.Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
