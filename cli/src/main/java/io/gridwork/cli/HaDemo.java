package io.gridwork.cli;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListMastersResponse;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.GridException;
import io.gridwork.client.JobSubmission;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import io.grpc.Status;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code grid demo --ha}: an embedded PostgreSQL, an active master and a standby (separate JVMs on that store), two
 * workers connected to both; runs the Pi example, kills the master that owns the job with SIGKILL when a quarter of
 * its tasks are done, and shows who took the job over, how long that took, and that the result is exactly the
 * fault-free one (computed again in this process). Everything it starts is stopped, and its directory deleted, at
 * the end, on a failure and on Ctrl-C.
 */
final class HaDemo {

    /** How long after the kill a takeover may take before the demo fails. */
    static final Duration TAKEOVER_LIMIT = Duration.ofSeconds(30);
    private static final Duration START_LIMIT = Duration.ofSeconds(90);
    private static final String DATABASE = "gridwork";

    private final PrintWriter out;
    private final PrintWriter err;
    private final Path examples;
    private final long samples;
    private final int tasks;
    private final List<Process> processes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean cleaned = new AtomicBoolean();
    private volatile EmbeddedPostgres postgres;
    private Path dir;

    HaDemo(PrintWriter out, PrintWriter err, Path examples, long samples, int tasks) {
        this.out = out;
        this.err = err;
        this.examples = examples;
        this.samples = samples;
        this.tasks = tasks;
    }

    /** A master process of the demo. */
    private record Master(String name, String address, Path data, Process process) {}

    int run() throws Exception {
        dir = Files.createTempDirectory("gridwork-demo-ha-");
        Thread hook = new Thread(this::cleanup, "gridwork-demo-ha-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return demo();
        } finally {
            cleanup();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private int demo() throws Exception {
        say("Gridwork HA demo: PostgreSQL, an active master and a hot standby, two workers; state in " + dir);
        say("starting an embedded PostgreSQL ...");
        Path pgLog = dir.resolve("postgres.log");
        postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dir.resolve("postgres"))
                .setCleanDataDirectory(true)
                .setServerConfig("synchronous_commit", "on")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(pgLog.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(pgLog.toFile()))
                .start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + DATABASE);
        }
        String store = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + DATABASE;
        say("PostgreSQL on 127.0.0.1:" + postgres.getPort() + ", store " + store);

        // the first master creates the grid's CA and tokens in the store; the standby starts once they are there
        Master m1 = startMaster("master-1", store, false);
        awaitStarted(m1, true);
        Master m2 = startMaster("master-2", store, true);
        awaitStarted(m2, false);
        Map<String, Master> byAddress = new LinkedHashMap<>();
        byAddress.put(m1.address(), m1);
        byAddress.put(m2.address(), m2);
        Path credentials = m1.data().resolve(Credentials.FILE_NAME);
        String targets = m1.address() + "," + m2.address();

        try (GridClient client = GridClient.builder().target(targets).credentials(Credentials.read(credentials)).build()) {
            ListMastersResponse masters = awaitMasters(client);
            say("masters (mode: hot standby; master-1 on " + m1.address() + " is ACTIVE, master-2 on " + m2.address()
                    + " is the STANDBY):");
            MastersCommand.print(masters, false, out);

            int slots = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
            for (int i = 1; i <= 2; i++) {
                processes.add(startWorker(targets, "demo-ha-" + i, slots, credentials));
            }
            awaitWorkers(client);
            say("2 workers (" + slots + " slot" + (slots == 1 ? "" : "s") + " each) connected to both masters");

            say("Running io.gridwork.examples.PiJob: " + samples + " samples in " + tasks + " tasks");
            String id = client.submit(JobSubmission.builder().jar(examples).jobClass("io.gridwork.examples.PiJob")
                    .arg("samples", Long.toString(samples)).arg("tasks", Integer.toString(tasks)).build());
            AtomicReference<JobStatus> latest = new AtomicReference<>();
            AtomicLong killedAt = new AtomicLong();
            AtomicLong succeededAtKill = new AtomicLong(-1);
            AtomicLong progressAfterKill = new AtomicLong();
            AtomicReference<String> progressBy = new AtomicReference<>();
            CompletableFuture<JobStatus> done = CompletableFuture.supplyAsync(() -> client.await(id, Duration.ofMinutes(10),
                    s -> {
                        latest.set(s);
                        long at = succeededAtKill.get();
                        if (at >= 0 && s.getTasks().getSucceeded() > at && progressAfterKill.get() == 0) {
                            progressAfterKill.set(System.nanoTime());
                            progressBy.set(s.getMaster());
                        }
                    }));

            // wait for a quarter of the tasks, then kill the master that owns the job
            long quarter = Math.max(1, tasks / 4);
            long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (latest.get() == null || latest.get().getTasks().getSucceeded() < quarter) {
                if (done.isDone()) {
                    JobStatus end = join(done);
                    throw new CliException(ExitCodes.JOB_FAILED, "the job ended (" + end.getState() + ") before the "
                            + "kill: run the demo with more --samples");
                }
                if (System.nanoTime() > until) {
                    throw new CliException(ExitCodes.JOB_FAILED, "the job did not get to " + quarter + " tasks in 5 min");
                }
                Thread.sleep(20);
            }
            JobStatus before = client.status(id);
            String ownerId = before.getMaster();
            Master owner = byAddress.get(before.getMasterAddress());
            if (owner == null) {
                throw new CliException(ExitCodes.JOB_FAILED, "the job's master is '" + ownerId + "' at '"
                        + before.getMasterAddress() + "', not one of the demo's masters (" + targets + ")");
            }
            succeededAtKill.set(before.getTasks().getSucceeded());
            killedAt.set(System.nanoTime());
            owner.process().toHandle().destroyForcibly();
            say(String.format(Locale.ROOT, "killed %s (id %s, pid %d, %s) with SIGKILL at %d of %d tasks done",
                    owner.name(), ownerId, owner.process().pid(), owner.address(), before.getTasks().getSucceeded(),
                    before.getTasks().getTotal()));
            Master survivor = owner == m1 ? m2 : m1;

            MasterEvent takeover = awaitTakeover(client, id, ownerId, killedAt.get(), survivor);
            long seenAfter = System.nanoTime() - killedAt.get();

            JobStatus last = done.get(10, TimeUnit.MINUTES);
            if (last.getState() != JobStatus.State.SUCCEEDED) {
                throw new CliException(ExitCodes.JOB_FAILED, "the demo job " + last.getState()
                        + (last.hasError() ? ": " + last.getError() : ""));
            }
            ListMastersResponse after = client.masters(20);
            if (takeover == null) {
                // the job was seen on its new master before the takeover's event was stored: read it now
                takeover = after.getEventsList().stream().filter(e -> e.getType() == MasterEvent.Type.TAKEOVER
                        && e.getMasterId().equals(ownerId)).reduce((a, b) -> b).orElse(null);
            }
            String taker = takeover != null ? takeover.getByMasterId() : last.getMaster();
            String takerAddress = after.getMastersList().stream().filter(m -> m.getId().equals(taker))
                    .map(MasterInfo::getAddress).findFirst().orElse(last.getMasterAddress());
            if (takeover != null) {
                say(String.format(Locale.ROOT, "takeover: master %s (%s) took over %d job%s of %s in %d ms "
                        + "(the master's own measure, from the first missed ping to the jobs resumed)", taker,
                        takerAddress, takeover.getJobs(), takeover.getJobs() == 1 ? "" : "s", ownerId,
                        takeover.getDurationMs()));
            } else {
                say("takeover: the job moved to master " + taker + " (" + takerAddress + "); no TAKEOVER event listed");
            }
            say(String.format(Locale.ROOT, "from the kill to the new owner seen by this client: %d ms", seenAfter / 1_000_000));
            if (progressAfterKill.get() != 0) {
                say(String.format(Locale.ROOT, "from the kill to the job's next task result (on %s): %d ms",
                        progressBy.get(), (progressAfterKill.get() - killedAt.get()) / 1_000_000));
            }
            say("the job ended on master " + last.getMaster() + ": " + last.getTasks().getSucceeded() + " of "
                    + last.getTasks().getTotal() + " tasks merged, " + last.getTasks().getRetried() + " retried");

            double pi = Double.parseDouble(last.getResult());
            say("computing the fault-free value in this process ...");
            double expected = faultFree();
            say(String.format(Locale.ROOT, "pi ≈ %s (off by %.6f)", Double.toString(pi), Math.abs(pi - Math.PI)));
            boolean same = Double.doubleToLongBits(pi) == Double.doubleToLongBits(expected);
            say("fault-free value: " + expected + (same ? " — equal, bit for bit" : " — DIFFERENT"));
            say("masters now:");
            MastersCommand.print(after, true, out);
            if (!same) {
                throw new CliException(ExitCodes.JOB_FAILED, "the result after the failover (" + pi
                        + ") differs from the fault-free value (" + expected + ")");
            }
            return ExitCodes.OK;
        }
    }

    /**
     * Waits until another master owns the job or lists a TAKEOVER of {@code ownerId}; returns that event (null if the
     * job moved without one being listed). Fails (exit 1) after {@link #TAKEOVER_LIMIT}.
     */
    private MasterEvent awaitTakeover(GridClient client, String jobId, String ownerId, long killedAt, Master survivor)
            throws InterruptedException {
        long limit = killedAt + TAKEOVER_LIMIT.toNanos();
        String lastSeen = "no answer yet";
        while (System.nanoTime() < limit) {
            try {
                ListMastersResponse r = client.masters(50);
                Optional<MasterEvent> event = r.getEventsList().stream()
                        .filter(e -> e.getType() == MasterEvent.Type.TAKEOVER && e.getMasterId().equals(ownerId))
                        .reduce((a, b) -> b);
                if (event.isPresent()) {
                    return event.get();
                }
                lastSeen = r.getMastersList().stream().filter(m -> m.getId().equals(ownerId))
                        .map(m -> "it is " + m.getState() + ", lease " + m.getLeaseAgeMs() + " ms old")
                        .findFirst().orElse("it is not listed");
                JobStatus s = client.status(jobId);
                if (!s.getMaster().isEmpty() && !s.getMaster().equals(ownerId)) {
                    return null;
                }
            } catch (GridException e) {
                if (!e.isUnreachable()) {
                    throw e;
                }
                lastSeen = e.getMessage();
            }
            Thread.sleep(50);
        }
        err.println("last lines of " + survivor.name() + "'s log:");
        tail(dir.resolve(survivor.name() + ".log"), 8).forEach(l -> err.println("  " + l));
        err.flush();
        throw new CliException(ExitCodes.JOB_FAILED, "no master took over the job of the killed master " + ownerId
                + " within " + TAKEOVER_LIMIT.toSeconds() + " s (" + lastSeen + ")");
    }

    /** The masters, once both are listed: one ACTIVE and one STANDBY. */
    private ListMastersResponse awaitMasters(GridClient client) throws InterruptedException {
        long limit = System.nanoTime() + START_LIMIT.toNanos();
        String seen = "no answer";
        while (System.nanoTime() < limit) {
            try {
                ListMastersResponse r = client.masters(0);
                boolean active = r.getMastersList().stream().anyMatch(m -> m.getState() == MasterInfo.State.ACTIVE);
                boolean standby = r.getMastersList().stream().anyMatch(m -> m.getState() == MasterInfo.State.STANDBY);
                if (active && standby) {
                    return r;
                }
                seen = r.getMastersList().stream().map(m -> m.getAddress() + " " + m.getState())
                        .collect(Collectors.joining(", "));
            } catch (GridException e) {
                if (e.code() == Status.Code.UNIMPLEMENTED || e.code() == Status.Code.PERMISSION_DENIED) {
                    // an admin may call everything a master serves: either answer means a master without HA
                    throw new CliException(ExitCodes.JOB_FAILED, "the masters do not list each other (ListMasters: "
                            + e.getMessage() + "): this build has no HA master");
                }
                if (!e.isUnreachable()) {
                    throw e;
                }
                seen = e.getMessage();
            }
            checkAlive();
            Thread.sleep(100);
        }
        throw new CliException(ExitCodes.JOB_FAILED, "the two masters did not list each other as ACTIVE and STANDBY "
                + "within " + START_LIMIT.toSeconds() + " s (" + seen + ")");
    }

    private void awaitWorkers(GridClient client) throws InterruptedException {
        long limit = System.nanoTime() + START_LIMIT.toNanos();
        while (true) {
            long alive = client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count();
            if (alive >= 2) {
                return;
            }
            checkAlive();
            if (System.nanoTime() > limit) {
                throw new CliException(ExitCodes.ERROR, "only " + alive + " of 2 demo workers joined within "
                        + START_LIMIT.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    private Master startMaster(String name, String store, boolean standby) throws IOException {
        int port = freePort();
        String address = "127.0.0.1:" + port;
        Path data = dir.resolve(name);
        List<String> command = new ArrayList<>(java("-Xmx384m"));
        command.addAll(List.of("master", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--advertise", address, "--http-port=-1", "--data", data.toString(), "--store", store,
                "--store-user", "postgres", "--config", noConfig().toString()));
        if (standby) {
            command.add("--standby");
        }
        Process p = start(command, name);
        say("started " + name + (standby ? " (--standby)" : "") + " on " + address + ", pid " + p.pid());
        return new Master(name, address, data, p);
    }

    /** Until the master serves (its port file is written last); the first one also writes the admin's credentials. */
    private void awaitStarted(Master m, boolean credentials) throws InterruptedException {
        long limit = System.nanoTime() + START_LIMIT.toNanos();
        while (!Files.exists(m.data().resolve("master.port"))
                || (credentials && !Files.exists(m.data().resolve(Credentials.FILE_NAME)))) {
            if (!m.process().isAlive()) {
                throw new CliException(ExitCodes.ERROR, m.name() + " exited: "
                        + String.join(" | ", tail(dir.resolve(m.name() + ".log"), 3)));
            }
            if (System.nanoTime() > limit) {
                throw new CliException(ExitCodes.ERROR, m.name() + " did not start within " + START_LIMIT.toSeconds()
                        + " s; its log ends: " + String.join(" | ", tail(dir.resolve(m.name() + ".log"), 3)));
            }
            Thread.sleep(100);
        }
    }

    private Process startWorker(String masters, String name, int slots, Path credentials) throws IOException {
        List<String> command = new ArrayList<>(java("-Xmx256m"));
        command.addAll(List.of("worker", "--master", masters, "--name", name, "--slots", Integer.toString(slots),
                "--work-dir", dir.resolve(name).toString(), "--drain-timeout", "5s", "--credentials",
                credentials.toString(), "--config", noConfig().toString()));
        return start(command, name);
    }

    private static List<String> java(String heap) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, heap, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "-Dgridwork.home=" + Home.dir(), Main.class.getName());
    }

    private Process start(List<String> command, String name) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        // the demo's processes belong to the demo: the user's configuration must not reach them
        pb.environment().keySet().removeIf(key -> key.startsWith("GRID_"));
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private Path noConfig() throws IOException {
        Path file = dir.resolve("empty.properties");
        if (!Files.exists(file)) {
            Files.writeString(file, "# the demo's processes take no configuration\n");
        }
        return file;
    }

    /** Fails at once if a process the demo still needs has exited. */
    private void checkAlive() {
        for (Process p : processes) {
            if (!p.isAlive()) {
                String name = p.info().command().orElse("a demo process");
                throw new CliException(ExitCodes.ERROR, "a demo process (pid " + p.pid() + ") exited with "
                        + p.exitValue() + "; logs in " + dir + " (" + name + ")");
            }
        }
    }

    /** The Pi example's result without a grid: its split, every task and its merge, run here. */
    @SuppressWarnings("unchecked")
    private double faultFree() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {examples.toUri().toURL()},
                HaDemo.class.getClassLoader())) {
            GridJob<Object, Object, Double> job = (GridJob<Object, Object, Double>) loader
                    .loadClass("io.gridwork.examples.PiJob").getDeclaredConstructor().newInstance();
            JobArgs args = JobArgs.of(Map.of("samples", Long.toString(samples), "tasks", Integer.toString(tasks)));
            List<Object> inputs = job.split(args).collect(Collectors.toList());
            List<Object> outputs = IntStream.range(0, inputs.size()).parallel().mapToObj(i -> {
                try {
                    return job.execute(inputs.get(i), new LocalContext(i, args));
                } catch (Exception e) {
                    throw new IllegalStateException("task " + i + " failed locally: " + e, e);
                }
            }).collect(Collectors.toList());
            return job.merge(outputs.stream(), args);
        }
    }

    /** The context of a task run here for the fault-free value. */
    private record LocalContext(long taskIndex, JobArgs args) implements TaskContext {
        @Override
        public String jobId() {
            return "fault-free";
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public void reportProgress(double fraction) {}

        @Override
        public void reportProgress(double fraction, String message) {}

        @Override
        public boolean isCancelled() {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static JobStatus join(CompletableFuture<JobStatus> done) throws Exception {
        try {
            return done.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }

    private static List<String> tail(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of("(no log)");
        }
    }

    /** Stops every process, PostgreSQL last, and deletes the directory; once, from the end, a failure or Ctrl-C. */
    private void cleanup() {
        if (!cleaned.compareAndSet(false, true)) {
            return;
        }
        DemoCommand.stopAll(processes);
        EmbeddedPostgres pg = postgres;
        if (pg != null) {
            try {
                pg.close();
            } catch (IOException | RuntimeException e) {
                err.println("grid demo: could not stop the embedded PostgreSQL: " + e.getMessage());
            }
        }
        if (dir != null) {
            DemoCommand.deleteQuietly(dir);
        }
    }
}
