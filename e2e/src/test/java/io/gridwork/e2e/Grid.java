package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code ./grid} launcher as a user would: short commands to completion, and servers (master,
 * workers) in the background, each a JVM with a small heap, all stopped (SIGTERM, then SIGKILL) by {@link #close()}.
 */
final class Grid implements AutoCloseable {

    static final Path HOME = Path.of(System.getProperty("gridwork.home", "..")).toAbsolutePath().normalize();
    static final Path EXAMPLES = HOME.resolve("examples/target/gridwork-examples.jar");

    record Result(int code, String out, String err) {}

    private final Path dir;
    private final List<Process> servers = new ArrayList<>();
    private int serial;

    Grid(Path dir) {
        this.dir = dir;
    }

    private ProcessBuilder builder(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(HOME.resolve("grid").toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile());
        pb.environment().put("GRID_JAVA_OPTS", "-Xmx256m");
        pb.environment().remove("GRID_MASTER");
        return pb;
    }

    /** Runs a command to its end (at most {@code timeout}). */
    Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        int n = ++serial;
        Path out = dir.resolve("cmd-" + n + ".out");
        Path err = dir.resolve("cmd-" + n + ".err");
        Process p = builder(List.of(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            fail("grid " + String.join(" ", args) + " did not end within " + timeout + "; stderr: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(Duration.ofMinutes(3), args);
    }

    /** Starts a long-running command (a master or a worker); its output goes to {@code name.log}. */
    Process start(String name, String... args) throws IOException {
        Process p = builder(List.of(args)).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        servers.add(p);
        return p;
    }

    String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** The last lines of every server's log, for a failure message. */
    String logs() {
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

    @Override
    public void close() throws InterruptedException {
        for (Process p : servers) {
            p.destroy();
        }
        for (Process p : servers) {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        servers.clear();
    }
}
