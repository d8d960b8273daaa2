package io.gridwork.cli;

import ch.qos.logback.classic.Level;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "demo", sortOptions = false, description = {"Runs the Pi example on a throwaway local grid.",
        "Starts a master in this process (state in a temporary directory) and N local worker processes; "
        + "prints the estimate, the wall time and how many tasks each worker ran, then stops everything.",
        "With --ha: an embedded PostgreSQL, an active master and a hot standby (separate processes sharing it) and "
        + "two workers connected to both; kills the active master with SIGKILL when a quarter of the tasks are done, "
        + "and prints which master took over, how long it took, and the result checked against the fault-free value.",
        "Exit codes: 0 done (with --ha: taken over, result exact); 1 the job failed, no takeover within 30 s, or a "
        + "result that differs; 2 bad option or no examples jar; 5 a demo process could not start."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Worker processes to start (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "200000000", description = "Points to throw (default: ${DEFAULT-VALUE}).")
    long samples;

    @Option(names = "--tasks", paramLabel = "N", defaultValue = "100", description = "Tasks to split them into (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(names = "--jar", paramLabel = "FILE", description = "The examples jar (default: examples/target/gridwork-examples.jar).")
    Path jar;

    @Option(names = "--ha", description = "Two masters on an embedded PostgreSQL (active and standby) and two workers; "
            + "kill the active master mid-job and show the takeover (--workers does not apply).")
    boolean ha;

    private final List<Process> processes = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || workers > 16) {
            throw CliException.usage("--workers must be from 1 to 16");
        }
        Path examples = jar != null ? jar : Home.examplesJar();
        if (!Files.isRegularFile(examples)) {
            throw CliException.usage("no examples jar at " + examples + " (build it with: mvn -DskipTests package)");
        }
        Logging.configure(Level.WARN);
        if (ha) {
            return new HaDemo(spec.commandLine().getOut(), spec.commandLine().getErr(), examples, samples, tasks).run();
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir = Files.createTempDirectory("gridwork-demo-");
        Thread cleanup = new Thread(this::stopWorkers, "gridwork-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        long start = System.nanoTime();
        try (GridMaster master = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0)
                .dataDir(dir.resolve("master")).build())) {
            String address = "127.0.0.1:" + master.port();
            int slots = Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
            out.println("Gridwork demo: a master on " + address + " and " + workers + " worker processes ("
                    + slots + " slot" + (slots == 1 ? "" : "s") + " each); state in " + dir);
            out.flush();
            Path credentials = master.credentialsFile();
            for (int i = 1; i <= workers; i++) {
                processes.add(startWorker(address, "demo-" + i, slots, dir, credentials));
            }
            try (GridClient client = GridClient.builder().target(address).credentials(Credentials.read(credentials)).build()) {
                awaitWorkers(client, dir);
                out.println("Running io.gridwork.examples.PiJob: " + samples + " samples in " + tasks + " tasks");
                out.flush();
                long jobStart = System.nanoTime();
                String id = client.submit(JobSubmission.builder().jar(examples).jobClass("io.gridwork.examples.PiJob")
                        .arg("samples", Long.toString(samples)).arg("tasks", Integer.toString(tasks)).build());
                Progress progress = new Progress(err, Terminal.stderr());
                JobStatus last;
                try {
                    last = client.await(id, Duration.ofMinutes(10), progress::update);
                } finally {
                    progress.finish();
                }
                if (last.getState() != JobStatus.State.SUCCEEDED) {
                    throw new CliException(ExitCodes.JOB_FAILED, "the demo job " + last.getState()
                            + (last.hasError() ? ": " + last.getError() : ""));
                }
                double jobSeconds = (System.nanoTime() - jobStart) / 1e9;
                double pi = Double.parseDouble(last.getResult());
                out.printf(Locale.ROOT, "pi ≈ %.6f (off by %.6f)%n", pi, Math.abs(pi - Math.PI));
                out.printf(Locale.ROOT, "wall time: %.1f s (the job itself: %.1f s)%n", (System.nanoTime() - start) / 1e9, jobSeconds);
                List<WorkerInfo> infos = new ArrayList<>(client.workers(true));
                infos.sort(Comparator.comparing(WorkerInfo::getName));
                out.println("tasks per worker: " + infos.stream().map(w -> w.getName() + " " + w.getCompleted())
                        .collect(Collectors.joining(", ")));
                out.flush();
            }
        } finally {
            stopWorkers();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            deleteQuietly(dir);
        }
        return ExitCodes.OK;
    }

    private Process startWorker(String master, String name, int slots, Path dir, Path credentials) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "-Dgridwork.home=" + Home.dir(),
                Main.class.getName(), "worker", "--master", master, "--name", name, "--slots", Integer.toString(slots),
                "--work-dir", dir.resolve(name).toString(), "--drain-timeout", "5s", "--credentials", credentials.toString(),
                "--config", noConfig(dir).toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        // the demo's workers belong to the demo's master: the user's configuration must not reach them
        pb.environment().keySet().removeIf(key -> key.startsWith("GRID_"));
        return pb.start();
    }

    /** An empty configuration file for the demo's workers. */
    private static Path noConfig(Path dir) throws IOException {
        Path file = dir.resolve("empty.properties");
        if (!Files.exists(file)) {
            Files.writeString(file, "# the demo's workers take no configuration\n");
        }
        return file;
    }

    private void awaitWorkers(GridClient client, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            long alive = client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count();
            if (alive >= workers) {
                return;
            }
            for (int i = 0; i < processes.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    throw new CliException(ExitCodes.ERROR, "demo worker demo-" + (i + 1) + " exited: "
                            + lastLine(dir.resolve("demo-" + (i + 1) + ".log")));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new CliException(ExitCodes.ERROR, "only " + alive + " of " + workers + " demo workers joined within 60 s");
            }
            Thread.sleep(100);
        }
    }

    private synchronized void stopWorkers() {
        stopAll(processes);
        processes.clear();
    }

    /** Asks every process to stop (SIGTERM), waits up to 10 s for each, then kills those still running. */
    static void stopAll(List<Process> processes) {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
