package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.testing.TestJars;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results by quorum between real JVMs: a master and three workers on this one machine, told apart as hosts by their
 * label {@code host=NAME}; one of them ({@code liar=true}) computes wrong outputs of {@link LyingJob}. With
 * {@code --quorum 2} every merged output is right and the liar's trust record shows its disagreements. Driven through
 * the CLI where a user would.
 */
class QuorumIT {

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
        // the liar is excluded only after many samples: every job here still gives it replicas to disagree on
        master = grid.startMaster("master", data, "--trust-min-samples", "1000");
        client = GridClient.builder().target(master).credentials(Credentials.read(data.resolve(Credentials.FILE_NAME)))
                .build();
        worker("honest-a", "host=a");
        worker("honest-b", "host=b");
        worker("liar", "host=c", "liar=true");
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() ->
                client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() == 3);
        jar = TestJars.of(dir.resolve("jobs"), "lying.jar", LyingJob.class);
    }

    private static void worker(String name, String... labels) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("worker", "--master", master,
                "--slots", "2", "--name", name, "--work-dir", dir.resolve(name).toString(), "--drain-timeout", "2s"));
        for (String label : labels) {
            args.add("--label");
            args.add(label);
        }
        grid.start(name, args.toArray(String[]::new));
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

    private static Map<String, JsonObject> workersJson() throws Exception {
        GridProcesses.Result r = grid.run("workers", "--master", master, "--output", "json");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, JsonObject> out = new HashMap<>();
        for (JsonElement e : JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("workers")) {
            JsonObject w = e.getAsJsonObject();
            out.put(w.get("name").getAsString(), w);
        }
        return out;
    }

    @Test
    void withQuorumTwoEveryMergedOutputIsRightAndTheLiarsRecordShowsItsDisagreements() throws Exception {
        GridProcesses.Result r = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                LyingJob.class.getName(), "--arg", "n=30", "--arg", "ms=5", "--quorum", "2", "--wait");
        assertThat(r.code()).as(r.err() + grid.logs()).isZero();
        assertThat(r.out().trim()).isEqualTo("tasks=30 wrong=0");

        String id = client.jobs(1).get(0).getId();
        JsonObject status = JsonParser.parseString(grid.run("status", id, "--master", master, "--output", "json").out())
                .getAsJsonObject();
        assertThat(status.get("quorum").getAsInt()).isEqualTo(2);
        assertThat(status.get("quorum_max").getAsInt()).isEqualTo(4);
        JsonObject tasks = status.getAsJsonObject("tasks");
        assertThat(tasks.get("validated").getAsLong()).isEqualTo(30);
        long mismatched = tasks.get("mismatched").getAsLong();

        Map<String, JsonObject> workers = workersJson();
        JsonObject liar = workers.get("liar");
        assertThat(liar.get("agreed").getAsLong()).isZero();
        assertThat(liar.get("disagreed").getAsLong()).as("each task it ran a replica of").isEqualTo(mismatched)
                .isPositive();
        long honestAgreed = workers.get("honest-a").get("agreed").getAsLong()
                + workers.get("honest-b").get("agreed").getAsLong();
        assertThat(honestAgreed).as("two agreeing replicas of each task").isEqualTo(60);
        assertThat(workers.get("honest-a").get("disagreed").getAsLong()).isZero();
        assertThat(workers.get("honest-b").get("disagreed").getAsLong()).isZero();
        assertThat(grid.run("workers", "--master", master).out()).contains("0/" + mismatched);

        // the same job without a quorum merges what the liar computed
        GridProcesses.Result once = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                LyingJob.class.getName(), "--arg", "n=30", "--arg", "ms=5", "--wait");
        assertThat(once.code()).as(once.err()).isZero();
        assertThat(once.out().trim()).startsWith("tasks=30 wrong=").isNotEqualTo("tasks=30 wrong=0");

        // an admin resets the liar's record
        GridProcesses.Result reset = grid.run("workers", "reset-trust", "liar", "--master", master);
        assertThat(reset.code()).as(reset.err()).isZero();
        assertThat(reset.out().trim()).isEqualTo("trust record of worker liar reset: it takes tasks of quorum jobs "
                + "again");
        assertThat(workersJson().get("liar").get("disagreed").getAsLong()).isZero();
    }

    @Test
    void aQuorumBelowOneIsRefusedAndOneAboveTheHostsWaitsAndSaysWhy() throws Exception {
        GridProcesses.Result zero = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                LyingJob.class.getName(), "--arg", "n=2", "--quorum", "0");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err().trim()).isEqualTo("grid submit: --quorum must be from 1 to 16");

        GridProcesses.Result four = grid.run("submit", "--master", master, "--jar", jar.toString(), "--job",
                LyingJob.class.getName(), "--arg", "n=2", "--quorum", "4");
        assertThat(four.code()).as(four.err()).isZero();
        String id = four.out().trim();
        String reason = "quorum 4 needs workers on 4 different hosts; 3 hosts (a, b, c) have a connected, trusted worker";
        await().atMost(Duration.ofSeconds(10)).until(() -> client.status(id).getWaitingReason().equals(reason));
        assertThat(grid.run("status", id, "--master", master).out()).contains("  waiting    " + reason);
        client.cancel(id, "not enough hosts");
    }
}
