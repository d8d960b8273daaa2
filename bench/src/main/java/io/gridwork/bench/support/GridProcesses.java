package io.gridwork.bench.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code ./grid} launcher as a user would: short commands to completion, and servers (masters,
 * workers) in the background, each a JVM with a small heap, all stopped (SIGTERM, then SIGKILL) by {@link #close()}.
 */
public final class GridProcesses implements AutoCloseable {

    /** The Gridwork checkout (or installation) the launcher is in: {@code -Dgridwork.home}, else the current directory. */
    public static final Path HOME = Path.of(System.getProperty("gridwork.home", ".")).toAbsolutePath().normalize();
    public static final Path EXAMPLES = HOME.resolve("examples/target/gridwork-examples.jar");

    /**
     * JVM options added to every process this starts, from {@code -Dgridwork.test.javaOptions}; none by default. The
     * end-to-end tests set {@code -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} (see {@code e2e/pom.xml}): a master started
     * without the optimizing compiler uses half the CPU time to start (3.3 s against 6.9 s here), and on a 2-core
     * machine the tests' many short-lived JVMs compete for it. The benchmarks, run as {@code grid bench}, keep the
     * defaults a user's master and workers have.
     */
    static final String EXTRA_OPTIONS = System.getProperty("gridwork.test.javaOptions", "").trim();

    /** The outcome of a command. */
    public record Result(int code, String out, String err) {}

    private final Path dir;
    private final String heap;
    private final List<Process> servers = new ArrayList<>();
    private final java.util.Map<String, String> env = new java.util.concurrent.ConcurrentHashMap<>();
    private int serial;

    /** @param dir where logs and outputs go */
    public GridProcesses(Path dir) {
        this(dir, "-Xmx256m");
    }

    public GridProcesses(Path dir, String javaOptions) {
        this.dir = dir;
        this.heap = javaOptions;
    }

    private ProcessBuilder builder(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(HOME.resolve("grid").toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile());
        pb.environment().put("GRID_JAVA_OPTS", (heap + " " + EXTRA_OPTIONS).trim());
        // client commands wait for the launcher's class archive when it is missing (the first after a build), rather
        // than make it in the background beside the processes being measured or tested
        pb.environment().put("GRID_CDS", "make");
        pb.environment().remove("GRID_MASTER");
        pb.environment().remove("GRID_TOKEN");
        pb.environment().remove("GRID_CREDENTIALS");
        pb.environment().putAll(env);
        return pb;
    }

    /** An environment variable for every process started from now on (for example GRID_CREDENTIALS). */
    public GridProcesses env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /**
     * Starts a master on a free port of 127.0.0.1 with its state in {@code data} (and {@code options} after), waits
     * until it serves (its {@code master.port} file is written last) and points {@code GRID_CREDENTIALS} of every
     * command started from now on at its admin credentials. Returns its address, {@code 127.0.0.1:PORT}.
     */
    public String startMaster(String name, Path data, String... options) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("master", "--port", "0", "--bind", "127.0.0.1", "--data", data.toString()));
        args.addAll(List.of(options));
        Process master = start(name, args.toArray(String[]::new));
        Path portFile = data.resolve("master.port");
        Path credentials = data.resolve("credentials");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!(Files.exists(credentials) && Files.exists(portFile) && !Files.readString(portFile).isBlank())) {
            if (!master.isAlive()) {
                throw new IllegalStateException("the master " + name + " exited with " + master.exitValue() + ": " + log(name));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the master " + name + " did not serve within 90 s: " + log(name));
            }
            Thread.sleep(100);
        }
        env("GRID_CREDENTIALS", credentials.toString());
        return "127.0.0.1:" + Files.readString(portFile).trim();
    }

    /** Runs a command to its end; fails if it takes longer than {@code timeout}. */
    public Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        int n = ++serial;
        Path out = dir.resolve("cmd-" + n + ".out");
        Path err = dir.resolve("cmd-" + n + ".err");
        Process p = builder(List.of(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new IllegalStateException("grid " + String.join(" ", args) + " did not end within " + timeout
                    + "; stderr: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    public Result run(String... args) throws IOException, InterruptedException {
        return run(Duration.ofMinutes(3), args);
    }

    /** Starts a long-running command (a master or a worker); its output goes to {@code name.log}. */
    public Process start(String name, String... args) throws IOException {
        prepareArchive();
        Process p = builder(List.of(args)).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        synchronized (servers) {
            servers.add(p);
        }
        return p;
    }

    /** Whether a client command of this JVM has made sure the launcher's class archive is current. */
    private static boolean archivePrepared;

    /**
     * Masters and workers map the launcher's class-data sharing archive only when it is current, and never make it:
     * before the first server this JVM starts, one client command ({@code grid --version}, with GRID_CDS=make) makes
     * it when it is missing or older than the jars, within a time limit of its own, so that no server's start waits
     * for the training (a minute and more on a busy machine) and every server maps it. A command that fails leaves
     * the servers to start without it, as a user's would.
     */
    private void prepareArchive() throws IOException {
        synchronized (GridProcesses.class) {
            if (archivePrepared) {
                return;
            }
            try {
                run(Duration.ofMinutes(10), "--version");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while the class archive was made");
            } catch (IllegalStateException tooLong) {
                // (run's time limit) the servers start without the archive
            }
            archivePrepared = true;
        }
    }

    /** The output of a server started as {@code name}. */
    public String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** The last lines of every server's log, for a failure message. */
    public String logs() {
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".log")).sorted()::iterator) {
                List<String> lines = Files.readAllLines(f);
                all.append("==== ").append(f.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> all.append(l).append('\n'));
            }
        } catch (IOException e) {
            all.append("(logs unreadable: ").append(e).append(")");
        }
        return all.toString();
    }

    /** Sends a signal (STOP, CONT, KILL, TERM) to a process. */
    public static void signal(Process p, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed");
        }
    }

    @Override
    public void close() throws InterruptedException {
        List<Process> all;
        synchronized (servers) {
            all = new ArrayList<>(servers);
            servers.clear();
        }
        for (Process p : all) {
            if (p.isAlive()) {
                try {
                    signal(p, "CONT"); // a stopped process cannot act on SIGTERM
                } catch (Exception ignored) {
                    // already gone
                }
                p.destroy();
            }
        }
        for (Process p : all) {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
