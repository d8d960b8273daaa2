package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.internal.data.DataLayout;
import io.gridwork.internal.data.HashRing;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data grid between real JVMs: a master and three workers on loopback with mutual TLS, a text put with
 * {@code grid data put}, read by WordCountJob (ranges) and GrepJob (every task the whole text), with the results
 * checked against counts made here; a holder killed mid-job; a peer serving corrupt bytes; and the bad input of the
 * issue (an unknown id, removing a data set a job reads).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataGridIT {

    private static final String[] VOCABULARY = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
            "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi",
            "psi", "omega", "grid", "work", "data", "chunk", "peer", "ring"};

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static GridClient client;
    static String master;
    static Path text;
    static String id;
    static final Map<String, Long> words = new HashMap<>();
    static final List<String> lines = new ArrayList<>();

    @BeforeAll
    static void startGrid() throws Exception {
        grid = new GridProcesses(dir);
        Path data = dir.resolve("master");
        master = grid.startMaster("master", data);
        client = GridClient.builder().target(master).credentials(Credentials.read(data.resolve(Credentials.FILE_NAME))).build();
        for (String name : List.of("w1", "w2", "w3")) {
            worker(grid, name);
        }
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() ->
                client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() == 3);
        // About 14 MiB: 4 chunks, the last one short, lines and words cut at every chunk edge.
        text = dir.resolve("corpus.txt");
        writeText(text, 14_500_000, 7);
    }

    static final Map<String, Process> workers = new HashMap<>();

    static Process worker(GridProcesses processes, String name) throws IOException {
        Process p = processes.start(name, "worker", "--master", master, "--slots", "2", "--name", name,
                "--work-dir", dir.resolve(name).toString(), "--data-cache", "256m", "--drain-timeout", "2s");
        workers.put(name, p);
        return p;
    }

    /** Lines of random words of the vocabulary, about {@code bytes} long; counts them into words and lines. */
    static void writeText(Path file, long bytes, long seed) throws IOException {
        writeText(file, bytes, seed, words, lines);
    }

    static void writeText(Path file, long bytes, long seed, Map<String, Long> words, List<String> lines) throws IOException {
        Random random = new Random(seed);
        long written = 0;
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            while (written < bytes) {
                StringBuilder line = new StringBuilder();
                int n = 1 + random.nextInt(12);
                for (int i = 0; i < n; i++) {
                    String word = VOCABULARY[random.nextInt(VOCABULARY.length)];
                    if (i > 0) {
                        line.append(random.nextInt(8) == 0 ? ", " : " ");
                    }
                    line.append(random.nextInt(20) == 0 ? word.toUpperCase() : word);
                    words.merge(word, 1L, Long::sum);
                }
                lines.add(line.toString());
                out.write(line.toString());
                out.write('\n');
                written += line.length() + 1;
            }
        }
    }

    static String expectedWordCount() {
        StringBuilder s = new StringBuilder();
        words.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> s.append(e.getKey()).append('\t').append(e.getValue()).append('\n'));
        return s.toString();
    }

    static String expectedGrep(List<String> patterns) {
        return expectedGrep(patterns, lines);
    }

    static String expectedGrep(List<String> patterns, List<String> lines) {
        StringBuilder s = new StringBuilder();
        for (String p : patterns) {
            s.append(p).append('\t').append(lines.stream().filter(l -> l.contains(p)).count()).append('\n');
        }
        return s.toString();
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

    static JsonObject dataSet(String id) throws Exception {
        GridProcesses.Result ls = grid.run("data", "ls", "--master", master, "--output", "json");
        assertThat(ls.code()).as(ls.err()).isZero();
        for (JsonElement e : JsonParser.parseString(ls.out()).getAsJsonObject().getAsJsonArray("data_sets")) {
            if (e.getAsJsonObject().get("id").getAsString().equals(id)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no data set " + id + " in " + ls.out());
    }

    static int held(JsonObject set) {
        return set.has("replicas_held") ? set.get("replicas_held").getAsInt() : 0;
    }

    static Set<String> holders(JsonObject set) {
        Set<String> names = new TreeSet<>();
        JsonArray a = set.getAsJsonArray("holders");
        if (a != null) {
            a.forEach(h -> names.add(h.getAsString()));
        }
        return names;
    }

    static String examples() {
        return GridProcesses.EXAMPLES.toString();
    }

    @Test
    @Order(1)
    void aPutDataSetIsCountedAndSearchedExactlyAndComesBackWhole() throws Exception {
        GridProcesses.Result put = grid.run("data", "put", text.toString(), "--master", master, "--name", "corpus",
                "--replicas", "2");
        assertThat(put.code()).as(put.err()).isZero();
        id = put.out().trim();
        assertThat(id).matches("[0-9a-f]{64}");
        GridProcesses.Result again = grid.run("data", "put", text.toString(), "--master", master);
        assertThat(again.out().trim()).as("the same bytes give the same id").isEqualTo(id);

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonObject set = dataSet(id);
            assertThat(set.get("chunks").getAsInt()).isEqualTo(4);
            assertThat(held(set)).as("every chunk on two workers: " + set).isGreaterThanOrEqualTo(2);
        });

        GridProcesses.Result count = grid.run("submit", "--master", master, "--jar", examples(), "--job",
                "io.gridwork.examples.WordCountJob", "--data", "text=" + id, "--arg", "tasks=4", "--wait");
        assertThat(count.code()).as(count.err()).isZero();
        assertThat(count.out().strip()).isEqualTo(expectedWordCount().strip());

        List<String> patterns = List.of("alpha", "mu nu", "a be", "OMEGA", "not-there");
        GridProcesses.Result grep = grid.run("submit", "--master", master, "--jar", examples(), "--job",
                "io.gridwork.examples.GrepJob", "--data", "text=" + id, "--arg", "patterns=" + String.join(",", patterns),
                "--wait");
        assertThat(grep.code()).as(grep.err()).isZero();
        assertThat(grep.out().strip()).isEqualTo(expectedGrep(patterns).strip());
        String grepJob = lastJob();
        GridProcesses.Result status = grid.run("status", grepJob, "--master", master, "--output", "json");
        assertThat(status.code()).as(status.err()).isZero();
        JsonObject counters = JsonParser.parseString(status.out()).getAsJsonObject().getAsJsonObject("data");
        long read = 0;
        for (String source : List.of("bytes_local", "bytes_from_peers", "bytes_from_master")) {
            read += counters.has(source) ? counters.get(source).getAsLong() : 0;
        }
        assertThat(read).as("every task read the whole data set: " + counters).isGreaterThanOrEqualTo(patterns.size() * Files.size(text));

        Path copy = dir.resolve("copy.txt");
        GridProcesses.Result get = grid.run("data", "get", id, "--master", master, "--out", copy.toString());
        assertThat(get.code()).as(get.err()).isZero();
        assertThat(Files.mismatch(text, copy)).isEqualTo(-1L);
    }

    /** The id of the job submitted last. */
    static String lastJob() {
        return client.jobs(1).get(0).getId();
    }

    @Test
    @Order(2)
    void anUnknownDataSetIsRefusedAndADataSetAJobReadsCannotBeRemoved() throws Exception {
        int jobsBefore = client.jobs(1000).size();
        String unknown = "0".repeat(64);
        GridProcesses.Result bad = grid.run("submit", "--master", master, "--jar", examples(), "--job",
                "io.gridwork.examples.GrepJob", "--data", "text=" + unknown, "--arg", "patterns=a");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("data[text]").contains(unknown).doesNotContain("\tat ");
        assertThat(client.jobs(1000)).as("nothing stored").hasSize(jobsBefore);

        Path small = dir.resolve("small.txt");
        Files.writeString(small, "one line with alpha\nand one without\n");
        GridProcesses.Result put = grid.run("data", "put", small.toString(), "--master", master);
        assertThat(put.code()).as(put.err()).isZero();
        String smallId = put.out().trim();
        // a job that cannot start (no worker matches) still reads the data set: it has not ended
        GridProcesses.Result queued = grid.run("submit", "--master", master, "--jar", examples(), "--job",
                "io.gridwork.examples.GrepJob", "--data", "text=" + smallId, "--arg", "patterns=alpha",
                "--require", "site=nowhere");
        assertThat(queued.code()).as(queued.err()).isZero();
        String job = queued.out().trim();
        GridProcesses.Result rm = grid.run("data", "rm", smallId, "--master", master);
        assertThat(rm.code()).isEqualTo(2);
        assertThat(rm.err()).contains(job).doesNotContain("\tat ");
        assertThat(dataSet(smallId).get("id").getAsString()).isEqualTo(smallId);

        assertThat(grid.run("cancel", job, "--master", master).code()).isZero();
        GridProcesses.Result rmAgain = grid.run("data", "rm", smallId, "--master", master);
        assertThat(rmAgain.code()).as(rmAgain.err()).isZero();
        GridProcesses.Result ls = grid.run("data", "ls", "--master", master, "--output", "json");
        assertThat(ls.out()).doesNotContain(smallId);
    }

    @Test
    @Order(3)
    void aPeerServingCorruptBytesIsDetectedAndTheResultIsUnchanged() throws Exception {
        try (GridProcesses liars = new GridProcesses(dir, "-Xmx256m -Dgridwork.test.corruptChunks=true")) {
            liars.env("GRID_CREDENTIALS", dir.resolve("master").resolve(Credentials.FILE_NAME).toString());
            worker(liars, "liar");
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> alive().containsKey("liar"));
            // a text (replicas 1) with at least one chunk whose only home is the liar, worked out on the same ring
            Map<String, String> alive = alive();
            HashRing ring = new HashRing(alive.values());
            Map<String, Long> liarWords = new HashMap<>();
            List<String> liarLines = new ArrayList<>();
            Path liarText = dir.resolve("liar.txt");
            for (long seed = 100; ; seed++) {
                liarWords.clear();
                liarLines.clear();
                writeText(liarText, 9_000_000, seed, liarWords, liarLines);
                if (homesOf(liarText, ring).contains(alive.get("liar"))) {
                    break;
                }
                assertThat(seed).as("a text with a chunk at home on the liar").isLessThan(140);
            }
            GridProcesses.Result put = grid.run("data", "put", liarText.toString(), "--master", master, "--replicas", "1");
            assertThat(put.code()).as(put.err()).isZero();
            String liarId = put.out().trim();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(holders(dataSet(liarId))).contains("liar"));

            List<String> patterns = List.of("alpha", "beta", "gamma", "delta", "omega", "xi pi", "tau", "rho");
            GridProcesses.Result grep = grid.run("submit", "--master", master, "--jar", examples(), "--job",
                    "io.gridwork.examples.GrepJob", "--data", "text=" + liarId, "--arg",
                    "patterns=" + String.join(",", patterns), "--wait");
            assertThat(grep.code()).as(grep.err()).isZero();
            assertThat(grep.out().strip()).isEqualTo(expectedGrep(patterns, liarLines).strip());
            assertThat(grid.log("master")).contains("got a corrupt chunk").contains("from liar");
            workers.remove("liar").destroyForcibly().waitFor();
        }
    }

    /** The workers alive now: id to name. */
    static Map<String, String> alive() {
        Map<String, String> ids = new HashMap<>();
        client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE)
                .forEach(w -> ids.put(w.getName(), w.getId()));
        return ids;
    }

    /** The worker ids that are a chunk's first home on this ring, for every chunk of the file. */
    static Set<String> homesOf(Path file, HashRing ring) throws IOException {
        Set<String> homes = new TreeSet<>();
        byte[] bytes = Files.readAllBytes(file);
        int chunkSize = DataLayout.CHUNK_SIZE;
        for (int i = 0; i < DataLayout.chunkCount(bytes.length, chunkSize); i++) {
            int from = i * chunkSize;
            byte[] hash = DataLayout.sha256().digest(java.util.Arrays.copyOfRange(bytes, from,
                    from + DataLayout.chunkLength(bytes.length, chunkSize, i)));
            homes.addAll(ring.homes(hash, 1));
        }
        return homes;
    }

    @Test
    @Order(4)
    void aHolderKilledMidJobChangesNoResultAndItsReplicasAreRestored() throws Exception {
        List<String> patterns = new ArrayList<>();
        // 240 tasks, each reading the whole text: long enough to kill a worker in the middle of it
        for (int i = 0; i < 240; i++) {
            patterns.add(i < VOCABULARY.length ? VOCABULARY[i]
                    : VOCABULARY[i % VOCABULARY.length] + " " + VOCABULARY[(i / VOCABULARY.length + i) % VOCABULARY.length]);
        }
        String job = client.submit(io.gridwork.client.JobSubmission.builder().jar(Path.of(examples()))
                .jobClass("io.gridwork.examples.GrepJob").data("text", id).arg("patterns", String.join(",", patterns)).build());
        await().atMost(Duration.ofSeconds(120)).until(() -> client.status(job).getTasks().getSucceeded() >= 3);
        assertThat(client.status(job).getState()).as("the job is still running when w3 is killed")
                .isEqualTo(io.gridwork.api.v1.JobStatus.State.RUNNING);
        workers.get("w3").destroyForcibly().waitFor();
        io.gridwork.api.v1.JobStatus done = client.await(job, Duration.ofMinutes(3), s -> { });
        assertThat(done.getState()).isEqualTo(io.gridwork.api.v1.JobStatus.State.SUCCEEDED);
        assertThat(done.getResult().strip()).isEqualTo(expectedGrep(patterns).strip());
        // w3 is declared dead, and its chunks are held twice again, by the two workers left
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            JsonObject set = dataSet(id);
            assertThat(holders(set)).containsExactlyInAnyOrder("w1", "w2");
            assertThat(held(set)).isEqualTo(2);
        });
    }
}
