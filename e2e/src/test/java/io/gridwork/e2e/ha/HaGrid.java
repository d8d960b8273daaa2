package io.gridwork.e2e.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListMastersRequest;
import io.gridwork.api.v1.ListMastersResponse;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.jobs.TallyJob;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.bench.support.PostgresServer;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.testing.TestJars;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Several master JVMs on one PostgreSQL database, and workers connected to all of them, for the high-availability
 * tests: each master is a real {@code ./grid master --store jdbc:postgresql://...} process on loopback with a port of
 * its own (chosen free before it starts, so a master restarted as a new process comes back on the same address), a
 * data directory of its own, and a {@link GridClient} that talks to that master only (so a test knows which master
 * answered). Everything it started is stopped by {@link #close()}, also when a test fails.
 */
final class HaGrid implements AutoCloseable {

    /** A master process: its name in the test, its port, and its id once it answered. */
    static final class Master {
        final String name;
        final int port;
        final Path data;
        Process process;
        GridClient client;
        String id;

        Master(String name, int port, Path data) {
            this.name = name;
            this.port = port;
            this.data = data;
        }

        String address() {
            return "127.0.0.1:" + port;
        }

        @Override
        public String toString() {
            return name + "(" + address() + ", " + id + ")";
        }
    }

    final Path dir;
    final GridProcesses grid;
    final List<String> store;
    final Path jar;
    private final Map<String, Master> masters = new LinkedHashMap<>();
    private final List<GridClient> clients = new ArrayList<>();
    private Path credentials;
    private int serial;

    /**
     * @param postgres the class's server
     * @param database a database of this test's own on it (a fresh grid: no masters, jobs or schedules yet)
     */
    HaGrid(Path dir, PostgresServer postgres, String database) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.grid = new GridProcesses(dir);
        this.store = postgres.createDatabase(database);
        this.jar = TestJars.of(dir.resolve("jobs"), "tally.jar", TallyJob.class);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A master not started yet, with a free port and a data directory of its own. */
    Master define(String name) throws IOException {
        Master m = new Master(name, freePort(), dir.resolve(name));
        masters.put(name, m);
        return m;
    }

    /** Starts a new active master and waits until it answers. */
    Master startMaster(String name, String... options) throws Exception {
        return start(define(name), options);
    }

    /**
     * Starts {@code m} as a new process (a new id, as every master process gets) with these extra options (for
     * example {@code --standby}, {@code --advertise HOST:PORT}) and waits until it answers with its id.
     */
    Master start(Master m, String... options) throws Exception {
        Files.createDirectories(m.data);
        Files.deleteIfExists(m.data.resolve("master.port"));
        List<String> args = new ArrayList<>(List.of("master", "--port", Integer.toString(m.port), "--http-port", "0",
                "--bind", "127.0.0.1", "--data", m.data.toString()));
        args.addAll(store);
        args.addAll(List.of(options));
        Process p = grid.start(m.name + "-" + (++serial), args.toArray(String[]::new));
        m.process = p;
        // the first master of a store writes the grid's credentials file; the others find the grid's CA and tokens
        // in the store and write none
        boolean first = credentials == null;
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> !p.isAlive() || Files.exists(m.data.resolve("master.port"))
                    && !Files.readString(m.data.resolve("master.port")).isBlank()
                    && (!first || Files.exists(m.data.resolve(Credentials.FILE_NAME))));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("master " + m.name + " did not start:\n" + grid.logs(), e);
        }
        assertThat(p.isAlive()).as("master %s exited %s:\n%s", m.name, p.isAlive() ? "" : p.exitValue(), grid.logs())
                .isTrue();
        if (first) {
            // the grid's credentials (CA, admin token, join token) live in the shared store: the first master's
            // file works on every master
            credentials = m.data.resolve(Credentials.FILE_NAME);
            grid.env("GRID_CREDENTIALS", credentials.toString());
        }
        if (m.client != null) {
            m.client.close();
        }
        m.client = client(m.address());
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> self(m).isPresent());
        m.id = self(m).orElseThrow().getId();
        return m;
    }

    /** A client of exactly this master (or comma-separated list of masters), with the grid's credentials. */
    GridClient client(String target) throws IOException {
        GridClient c = GridClient.builder().target(target).credentials(Credentials.read(credentials))
                .callTimeout(Duration.ofSeconds(20)).build();
        clients.add(c);
        return c;
    }

    /**
     * The set-up most tests share: masters "a" and "b" both active on the store, and workers "w1" and "w2" (2 slots
     * each) started before b so that they reach it once it is up, each seen ALIVE by both masters.
     */
    Master[] twoActiveMasters() throws Exception {
        Master a = startMaster("a");
        Master b = define("b");
        startWorker("w1", 2, a, b);
        startWorker("w2", 2, a, b);
        start(b);
        awaitActive(a, b);
        awaitWorkers(a, 2);
        awaitWorkers(b, 2);
        return new Master[] {a, b};
    }

    /** Waits until each of the two masters sees the other ACTIVE. */
    static void awaitActive(Master a, Master b) {
        await().atMost(Duration.ofSeconds(30)).until(() -> state(a, b.id) == MasterInfo.State.ACTIVE
                && state(b, a.id) == MasterInfo.State.ACTIVE);
    }

    Master master(String name) {
        return masters.get(name);
    }

    /** Starts a worker connected to every master named. */
    Process startWorker(String name, int slots, Master... to) throws IOException {
        String list = java.util.Arrays.stream(to).map(Master::address).collect(Collectors.joining(","));
        return grid.start(name, "worker", "--master", list, "--slots", Integer.toString(slots), "--name", name,
                "--work-dir", dir.resolve(name).toString(), "--drain-timeout", "2s");
    }

    /** Waits until {@code m} has {@code n} workers ALIVE (each master lists the workers connected to it). */
    void awaitWorkers(Master m, int n) {
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> m.client.workers(false).stream()
                .filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() >= n);
    }

    /**
     * Waits until these workers (by the names they were started with) linked to master process {@code m}, as their
     * logs say ("... with the master at ADDRESS as ... master ID ..."): a master's own list is no proof, as a master
     * started on the store lists the workers it finds there until its adoption window ends.
     */
    void awaitLinked(Master m, String... workers) {
        String linked = "master " + m.id + ",";
        await().atMost(Duration.ofSeconds(60)).until(() -> java.util.Arrays.stream(workers)
                .allMatch(w -> grid.log(w).contains(linked)));
    }

    /** {@code ListMasters} on {@code m}, with up to 500 recent events. */
    static ListMastersResponse masters(Master m) {
        return m.client.call(s -> s.listMasters(ListMastersRequest.newBuilder().setEvents(500).build()));
    }

    static Optional<MasterInfo> self(Master m) {
        return masters(m).getMastersList().stream().filter(MasterInfo::getSelf).findFirst();
    }

    /** Master {@code id} as {@code seenBy} sees it. */
    static Optional<MasterInfo> info(Master seenBy, String id) {
        return masters(seenBy).getMastersList().stream().filter(i -> i.getId().equals(id)).findFirst();
    }

    static MasterInfo.State state(Master seenBy, String id) {
        return info(seenBy, id).map(MasterInfo::getState).orElse(MasterInfo.State.STATE_UNSPECIFIED);
    }

    static List<MasterEvent> events(Master seenBy) {
        return masters(seenBy).getEventsList();
    }

    /** The events about master {@code id}, as "TYPE by=BY", in order. */
    static List<String> eventsAbout(Master seenBy, String id) {
        return events(seenBy).stream().filter(e -> e.getMasterId().equals(id))
                .map(e -> e.getType() + " by=" + e.getByMasterId()).collect(Collectors.toList());
    }

    /** Kills {@code m}'s JVM with SIGKILL and waits until it is gone. */
    void kill9(Master m) throws Exception {
        GridProcesses.signal(m.process, "KILL");
        assertThat(m.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    /**
     * The TallyJob jar with an entry naming {@code owner} added, so each master gets a jar of its own (its own
     * SHA-256): a job a master took over can only run there if the jar's bytes came through the shared store,
     * never because the same jar was uploaded to every master.
     */
    Path jarOf(String owner) throws IOException {
        Path own = dir.resolve("jobs").resolve("tally-" + owner + ".jar");
        if (!Files.exists(own)) {
            try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(Files.newInputStream(jar));
                    java.util.jar.JarOutputStream out = in.getManifest() == null
                            ? new java.util.jar.JarOutputStream(Files.newOutputStream(own))
                            : new java.util.jar.JarOutputStream(Files.newOutputStream(own), in.getManifest())) {
                for (java.util.jar.JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                    out.putNextEntry(new java.util.jar.JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
                out.putNextEntry(new java.util.jar.JarEntry("gridwork-test-owner.txt"));
                out.write(owner.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return own;
    }

    /**
     * A TallyJob of {@code n} tasks of {@code ms} each, without speculative attempts, each start and end logged, in
     * the jar of its own of master {@code owner} ({@link #jarOf}).
     */
    JobSubmission tally(String owner, int n, int ms, Path log) throws IOException {
        return JobSubmission.builder().jar(jarOf(owner)).jobClass(TallyJob.class.getName()).arg("n", Integer.toString(n))
                .arg("ms", Integer.toString(ms)).arg("log", log.toString()).noSpeculation().build();
    }

    /** Submits a TallyJob to master {@code to} (its jar uploaded to that master only). */
    String submit(Master to, int n, int ms, Path log) throws IOException {
        return to.client.submit(tally(to.name, n, ms, log));
    }

    /** Waits until the job has at least {@code n} tasks succeeded, as {@code m} sees it. */
    static void awaitSucceeded(Master m, String job, long n) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> m.client.status(job).getTasks().getSucceeded() >= n);
    }

    /** Waits until the job ended, as {@code m} sees it, and returns its final status. */
    JobStatus awaitEnd(Master m, String job) {
        try {
            await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
                    .until(() -> GridClient.isTerminal(m.client.status(job).getState()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String last;
            try {
                last = m.client.status(job).toString();
            } catch (RuntimeException unreachable) {
                last = unreachable.toString();
            }
            throw new AssertionError("job " + job + " did not end on " + m + ": " + last + "\n" + grid.logs(), e);
        }
        return m.client.status(job);
    }

    /**
     * The invariants of a job through a failover: it succeeded with the exact result (every task's output merged
     * exactly once: none lost, none merged twice), its counts say the same, and no task that had finished ran to its
     * end a second time (a finished task is never run again because of a failover).
     */
    void assertExact(JobStatus done, int n, Path log) throws IOException {
        assertThat(done.getState()).as("%s\n%s", done, grid.logs()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(done.getResult()).as("merged outputs of %s", done.getId()).isEqualTo(TallyJob.expected(n));
        assertThat(done.getTasks().getTotal()).as("tasks of %s", done.getId()).isEqualTo(n);
        assertThat(done.getTasks().getSucceeded()).as("tasks succeeded of %s", done.getId()).isEqualTo(n);
        Map<Long, Long> finished = new TreeMap<>();
        for (String line : Files.readAllLines(log)) {
            String[] f = line.split(" ");
            if (f[0].equals("done")) {
                finished.merge(Long.parseLong(f[1]), 1L, Long::sum);
            }
        }
        assertThat(finished).as("tasks of %s that ran to the end", done.getId()).hasSize(n);
        assertThat(finished.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .collect(Collectors.toList())).as("tasks of %s that ran to the end more than once", done.getId()).isEmpty();
    }

    @Override
    public void close() throws Exception {
        for (GridClient c : clients) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        grid.close();
        keepLogs();
    }

    /**
     * Copies the processes' logs and the task logs to {@code e2e/target/ha-it-logs/<test dir>/}, which outlives the
     * test's temporary directory, for a look after a failure.
     */
    private void keepLogs() {
        Path to = GridProcesses.HOME.resolve("e2e/target/ha-it-logs").resolve(dir.getFileName().toString());
        try (var files = Files.list(dir)) {
            Files.createDirectories(to);
            for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".log"))::iterator) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("could not keep the logs of " + dir + ": " + e);
        }
    }
}
