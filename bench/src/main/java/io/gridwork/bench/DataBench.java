package io.gridwork.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.DataSet;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.JobSubmission;
import io.gridwork.examples.GrepJob;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The data grid's broadcast case ({@code grid bench data}): a data set put with {@code ./grid data put}, then read
 * whole by every task of a GrepJob (one task per pattern, 4 patterns) on 4 one-slot workers, once with peer sharing
 * and once with workers started with {@code --no-peer-fetch} (chunks from the master only). Each variant has a cluster
 * of its own (fresh JVMs and work directories), and each round a data set of its own (other bytes, another id), so no
 * cache helps a round but its own put. Per round:
 * <ol>
 *   <li>bytes the master sent from its copy ({@code gridwork_data_served_bytes_total} on its {@code /metrics}) during the
 *       put's replication (until every chunk has its wanted replicas) and during the job, over the data set's size;</li>
 *   <li>the job's time on the master (submitted to finished), with and without peer sharing;</li>
 *   <li>a second GrepJob over the same data set: the share of the bytes its tasks read from their own cache (the job's
 *       {@code data} counters, read with {@code ./grid status JOB --output json}).</li>
 * </ol>
 * Every job's result is checked against the counts made while the file was written, and where its tasks ran (the
 * dashboard API): the figures mean something only if the 4 tasks ran on 4 workers.
 */
final class DataBench {

    /** Patterns and the chance a line holds each: uppercase words, which the lowercase filler never contains. */
    private static final String[] PATTERNS = {"ERROR", "WARN", "TIMEOUT", "RETRY"};
    private static final double[] CHANCES = {0.01, 0.05, 0.002, 0.2};
    private static final int WORKERS = 4;

    /** What a round's file holds: its path and, per pattern, the lines containing it. */
    private record DataFile(Path path, long size, Map<String, Long> counts) {
        String expected() {
            StringBuilder b = new StringBuilder();
            counts.forEach((p, n) -> b.append(p).append('\t').append(n).append('\n'));
            return b.toString();
        }
    }

    /** One round of one variant. */
    private record Round(double replicationRatio, double jobRatio, double jobSeconds, double putSeconds,
            double secondLocal, double secondPeers, double secondMaster, int workersUsed) {}

    private final Path dir;
    private final PrintWriter out;
    private final long size;
    private final int rounds;
    /** The workers' {@code --prefetch}; negative: the worker's own choice. */
    private final int prefetch;
    private final Map<Integer, DataFile> files = new HashMap<>();

    DataBench(Path dir, PrintWriter out, long size, int rounds, int prefetch) throws IOException {
        this.prefetch = prefetch;
        this.dir = Files.createDirectories(dir);
        this.out = out;
        this.size = size;
        this.rounds = rounds;
    }

    int run() throws Exception {
        out.println(String.format(Locale.ROOT, "machine: %d cores, %s, Java %s; every process on loopback, heaps -Xmx256m",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                System.getProperty("java.version")));
        List<Round> shared = variant("peers", true);
        List<Round> masterOnly = variant("master-only", false);
        int rightPlaced = 0;
        for (Round r : shared) {
            rightPlaced += r.workersUsed() == WORKERS ? 1 : 0;
        }
        for (Round r : masterOnly) {
            rightPlaced += r.workersUsed() == WORKERS ? 1 : 0;
        }
        String what = String.format(Locale.ROOT, "a %s data set put with ./grid data put (2 replicas wanted), read whole "
                + "by each of the 4 tasks of a GrepJob (4 patterns, no speculation) on 4 one-slot workers (%s); %d "
                + "round%s per variant, each on a data set of its own", mib(size), prefetch < 0
                ? "prefetch chosen by the workers" : "--prefetch " + prefetch, rounds, rounds == 1 ? "" : "s");
        out.println("data: " + what + "; placement: " + rightPlaced + " of " + (shared.size() + masterOnly.size())
                + " first jobs ran their 4 tasks on 4 different workers (workers used by each: " + used(shared)
                + " with peer sharing, " + used(masterOnly) + " master only)");
        Runs job = runs(shared, Round::jobRatio);
        Runs replication = runs(shared, Round::replicationRatio);
        Runs total = runs(shared, r -> r.jobRatio() + r.replicationRatio());
        Runs jobOff = runs(masterOnly, Round::jobRatio);
        Runs replicationOff = runs(masterOnly, Round::replicationRatio);
        Runs totalOff = runs(masterOnly, r -> r.jobRatio() + r.replicationRatio());
        out.println(String.format(Locale.ROOT, "data 1 master bytes / data set size: during the job %s; during the "
                + "put's replication %s; both %s (goal at most 1.2); without peer fetch (--no-peer-fetch): job %s, "
                + "replication %s, both %s", job.describe("%.2f", "x"), replication.describe("%.2f", "x"),
                total.describe("%.2f", "x"), jobOff.describe("%.2f", "x"), replicationOff.describe("%.2f", "x"),
                totalOff.describe("%.2f", "x")));
        Runs seconds = runs(shared, Round::jobSeconds);
        Runs secondsOff = runs(masterOnly, Round::jobSeconds);
        out.println(String.format(Locale.ROOT, "data 2 job time (on the master, submitted to finished): with peer "
                + "sharing %s; master only (--no-peer-fetch) %s; %.2fx", seconds.describe("%.2f", "s"),
                secondsOff.describe("%.2f", "s"), secondsOff.median() / seconds.median()));
        Runs local = runs(shared, Round::secondLocal);
        out.println(String.format(Locale.ROOT, "data 3 second job over the same data: bytes read local %s (goal at least "
                + "90%%); from peers %.1f%%, from the master %.1f%% (medians); without peer fetch: local %.1f%% (median)",
                local.describe("%.1f", "%"), runs(shared, Round::secondPeers).median(),
                runs(shared, Round::secondMaster).median(), runs(masterOnly, Round::secondLocal).median()));
        out.println(String.format(Locale.ROOT, "data put: ./grid data put of %s: %s with peer sharing, %s master only",
                mib(size), runs(shared, Round::putSeconds).describe("%.2f", "s"),
                runs(masterOnly, Round::putSeconds).describe("%.2f", "s")));
        return 0;
    }

    private static String used(List<Round> rounds) {
        return String.join(",", rounds.stream().map(r -> Integer.toString(r.workersUsed())).toList());
    }

    private static Runs runs(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f) {
        Runs r = new Runs();
        rounds.forEach(x -> r.add(f.applyAsDouble(x)));
        return r;
    }

    /** One variant: a master and 4 workers of its own, a warm-up job, then the rounds. */
    private List<Round> variant(String name, boolean peerFetch) throws Exception {
        List<Round> results = new ArrayList<>();
        try (Cluster c = new Cluster(dir.resolve(name))) {
            // room for two data sets: a round's, and the one before it until its removal is carried out
            String cache = Long.toString((2 * size + (64L << 20)) >> 20) + "m";
            String[] names = new String[WORKERS];
            for (int i = 0; i < WORKERS; i++) {
                names[i] = "w" + (i + 1);
                List<String> more = new ArrayList<>(List.of("--data-cache", cache));
                if (prefetch >= 0) {
                    more.addAll(List.of("--prefetch", Integer.toString(prefetch)));
                }
                if (!peerFetch) {
                    more.add("--no-peer-fetch");
                }
                c.startWorker(names[i], 1, c.address(), more.toArray(String[]::new));
            }
            c.awaitAlive(names);
            String jar = c.client.uploadJar(GridProcesses.EXAMPLES);
            // warm-up: every worker fetches the job jar and loads GrepJob, so that the rounds measure the data alone
            // (jobs again until each worker has run a task of one: tasks prefer the workers that hold their data)
            DataFile small = write(dir.resolve(name + "-warm-up.txt"), 16L << 20, 1000);
            String warm = put(c, small.path(), "warm-up").id;
            java.util.Set<String> warmed = new TreeSet<>();
            for (int i = 0; i < 5 && warmed.size() < WORKERS; i++) {
                warmed.addAll(grep(c, jar, warm, small).workers);
            }
            if (warmed.size() < WORKERS) {
                out.println("data: warning: after 5 warm-up jobs only " + warmed + " had run a task");
            }
            c.client.deleteData(warm);
            for (int round = 1; round <= rounds; round++) {
                results.add(round(c, jar, file(round), name + "-" + round));
            }
        }
        return results;
    }

    private Round round(Cluster c, String jar, DataFile file, String label) throws Exception {
        double served0 = served(c);
        Put put = put(c, file.path(), label);
        Cluster.waitFor(Duration.ofMinutes(10), () -> {
            DataSet s = c.client.dataSet(put.id);
            return s.getReplicasHeld() >= s.getReplicasWanted();
        }, "every chunk of " + label + " to have its wanted replicas");
        double served1 = served(c);
        Grep first = grep(c, jar, put.id, file);
        double served2 = served(c);
        Grep second = grep(c, jar, put.id, file);
        JsonObject data = statusJson(c, second.id).getAsJsonObject("data");
        double local = number(data, "bytes_local");
        double peers = number(data, "bytes_from_peers");
        double master = number(data, "bytes_from_master");
        double read = local + peers + master;
        if (read < WORKERS * (double) file.size()) {
            throw new IllegalStateException("job " + second.id + " counted " + (long) read + " bytes read, not the "
                    + WORKERS + " x " + file.size() + " its tasks read: " + data);
        }
        c.client.deleteData(put.id);
        return new Round((served1 - served0) / file.size(), (served2 - served1) / file.size(), first.seconds,
                put.seconds, 100 * local / read, 100 * peers / read, 100 * master / read, first.workers.size());
    }

    private record Put(String id, double seconds) {}

    /** {@code ./grid data put FILE --name NAME}: the id it prints, and its wall time. */
    private static Put put(Cluster c, Path file, String name) throws Exception {
        long start = System.nanoTime();
        GridProcesses.Result r = c.processes.run(Duration.ofMinutes(10), "data", "put", file.toString(), "--name", name,
                "--master", c.address());
        double seconds = (System.nanoTime() - start) / 1e9;
        String id = r.out().trim();
        if (r.code() != 0 || !id.matches("[0-9a-f]{64}")) {
            throw new IllegalStateException("grid data put " + file + " exited with " + r.code() + ": " + r.out() + r.err());
        }
        return new Put(id, seconds);
    }

    private record Grep(String id, double seconds, java.util.Set<String> workers) {}

    /** A GrepJob over the data set, checked against the file's counts; its time on the master and workers used. */
    private static Grep grep(Cluster c, String jar, String dataId, DataFile file) throws Exception {
        String id = c.client.submit(JobSubmission.builder().jarSha256(jar).jobClass(GrepJob.class.getName())
                .arg("patterns", String.join(",", file.counts().keySet())).data(GrepJob.TEXT, dataId)
                // one attempt per task: a second attempt near the end would read the data set once more
                .noSpeculation().build());
        JobStatus done = c.client.await(id, Duration.ofMinutes(20), s -> { });
        if (done.getState() != JobStatus.State.SUCCEEDED || !file.expected().strip().equals(done.getResult().strip())) {
            throw new IllegalStateException("GrepJob " + id + " ended " + done.getState() + " with " + done.getResult()
                    + done.getError() + ", expected " + file.expected());
        }
        double seconds = Duration.between(instant(done.getSubmittedAt()), instant(done.getFinishedAt())).toNanos() / 1e9;
        JsonArray tasks = JsonParser.parseString(c.getApi("/api/jobs/" + id + "/tasks")).getAsJsonObject()
                .getAsJsonArray("tasks");
        TreeSet<String> workers = new TreeSet<>();
        for (JsonElement t : tasks) {
            JsonElement w = t.getAsJsonObject().get("worker");
            if (w != null && !w.isJsonNull()) {
                workers.add(w.getAsString());
            }
        }
        return new Grep(id, seconds, workers);
    }

    /** {@code ./grid status JOB --output json}, as a user reads the data counters. */
    private static JsonObject statusJson(Cluster c, String job) throws Exception {
        GridProcesses.Result r = c.processes.run("status", job, "--master", c.address(), "--output", "json");
        if (r.code() != 0) {
            throw new IllegalStateException("grid status " + job + " exited with " + r.code() + ": " + r.err());
        }
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        if (!json.has("data")) {
            throw new IllegalStateException("grid status " + job + " --output json has no data counters: " + r.out());
        }
        return json;
    }

    private static double number(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? 0 : e.getAsDouble(); // (JSON of int64 may be a string; Gson reads both)
    }

    /** {@code gridwork_data_served_bytes_total} from the master's {@code /metrics}. */
    private static double served(Cluster c) throws Exception {
        return c.metric("gridwork_data_served_bytes_total");
    }

    private static Instant instant(com.google.protobuf.Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private DataFile file(int round) throws IOException {
        DataFile f = files.get(round);
        if (f == null) {
            f = write(dir.resolve("data-" + round + ".txt"), size, round);
            files.put(round, f);
        }
        return f;
    }

    /**
     * Writes {@code size} bytes of lines of lowercase words (from a vocabulary drawn with {@code seed}), some holding
     * one or more of the patterns, and counts the lines that hold each pattern as it goes.
     */
    static DataFile write(Path path, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[][] words = new byte[2000][];
        for (int i = 0; i < words.length; i++) {
            byte[] w = new byte[2 + random.nextInt(9)];
            for (int j = 0; j < w.length; j++) {
                w[j] = (byte) ('a' + random.nextInt(26));
            }
            words[i] = w;
        }
        byte[][] patterns = new byte[PATTERNS.length][];
        for (int i = 0; i < PATTERNS.length; i++) {
            patterns[i] = PATTERNS[i].getBytes(StandardCharsets.US_ASCII);
        }
        long[] counts = new long[PATTERNS.length];
        byte[] line = new byte[512];
        long written = 0;
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16)) {
            while (written < size) {
                int n = 0;
                int wordsInLine = 6 + random.nextInt(10);
                boolean[] has = new boolean[PATTERNS.length];
                for (int k = 0; k < wordsInLine; k++) {
                    byte[] w = words[random.nextInt(words.length)];
                    for (int p = 0; p < PATTERNS.length; p++) {
                        if (random.nextDouble() < CHANCES[p] / wordsInLine) {
                            w = patterns[p];
                            has[p] = true;
                            break;
                        }
                    }
                    if (k > 0) {
                        line[n++] = ' ';
                    }
                    System.arraycopy(w, 0, line, n, w.length);
                    n += w.length;
                }
                line[n++] = '\n';
                if (written + n > size) {
                    // the last line: cut to the size, without its end of line when that is what the cut leaves
                    n = (int) (size - written);
                    has = new boolean[PATTERNS.length];
                    String rest = new String(line, 0, n, StandardCharsets.US_ASCII);
                    for (int p = 0; p < PATTERNS.length; p++) {
                        has[p] = rest.contains(PATTERNS[p]);
                    }
                }
                os.write(line, 0, n);
                written += n;
                for (int p = 0; p < PATTERNS.length; p++) {
                    counts[p] += has[p] ? 1 : 0;
                }
            }
        }
        Map<String, Long> byPattern = new LinkedHashMap<>();
        for (int p = 0; p < PATTERNS.length; p++) {
            byPattern.put(PATTERNS[p], counts[p]);
        }
        return new DataFile(path, size, byPattern);
    }

    static String mib(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : String.format(Locale.ROOT, "%,d bytes", bytes);
    }
}
