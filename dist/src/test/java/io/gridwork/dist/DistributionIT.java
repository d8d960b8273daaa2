package io.gridwork.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive as an operator gets it: unpacked into an empty directory, its layout checked, and {@code bin/grid}
 * run from it (no Maven, no source tree): version, help, then a master, a worker configured through the
 * distribution's {@code conf/gridwork.properties}, and a job from {@code examples/gridwork-examples.jar}.
 */
class DistributionIT {

    static final Path ARCHIVE = Path.of(System.getProperty("gridwork.dist.archive", "target/gridwork.tar.gz"));
    static final String VERSION = System.getProperty("gridwork.version", "");

    @TempDir
    static Path dir;

    static Path home;
    /** conf/gridwork.properties as shipped (a test below writes its own settings there). */
    static List<String> shippedConf;

    final List<Process> servers = new ArrayList<>();
    int serial;

    record Result(int code, String out, String err) {}

    @BeforeAll
    static void unpack() throws Exception {
        assertThat(ARCHIVE).as("built by mvn package").exists();
        Path into = Files.createDirectories(dir.resolve("opt"));
        Process tar = new ProcessBuilder("tar", "xzf", ARCHIVE.toString(), "-C", into.toString())
                .redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor()).as(out).isZero();
        try (Stream<Path> top = Files.list(into)) {
            List<Path> dirs = top.toList();
            assertThat(dirs).hasSize(1);
            home = dirs.get(0);
        }
        assertThat(home.getFileName().toString()).isEqualTo("gridwork-" + VERSION);
        shippedConf = Files.readAllLines(home.resolve("conf/gridwork.properties"));
    }

    @AfterEach
    void stopServers() throws InterruptedException {
        for (Process p : servers) {
            p.destroy(); // SIGTERM: the worker drains, the master stops
        }
        for (Process p : servers) {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        servers.clear();
    }

    /** {@code bin/grid ARGS} with a clean environment: no GRID_ variables, an empty home, a small heap. */
    ProcessBuilder grid(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/grid").toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("GRID_"));
        env.put("HOME", dir.resolve("home").toString()); // no ~/.gridwork of the user running the tests
        env.put("GRID_JAVA_OPTS", "-Xmx256m");
        env.put("GRID_CDS", "make"); // the class archive made in the foreground, not beside the test's processes
        return pb;
    }

    Result run(String... args) throws IOException, InterruptedException {
        int n = ++serial;
        Path out = dir.resolve("cmd-" + n + ".out");
        Path err = dir.resolve("cmd-" + n + ".err");
        Process p = grid(List.of(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("grid " + String.join(" ", args) + " did not end in 60 s: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    Process start(String name, String... args) throws IOException {
        Process p = grid(List.of(args)).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        servers.add(p);
        return p;
    }

    static String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Every {@code bin/grid} command in the archive's README's code blocks, its continuation lines joined. */
    static List<String> readmeCommands() throws IOException {
        List<String> commands = new ArrayList<>();
        boolean code = false;
        StringBuilder pending = null;
        for (String line : Files.readAllLines(home.resolve("README.md"))) {
            if (line.startsWith("```")) {
                code = !code;
                continue;
            }
            if (!code) {
                continue;
            }
            String text = line.replaceFirst("\\s+#.*$", "").strip();
            if (pending != null) {
                pending.append(' ').append(text);
            } else if (text.startsWith("bin/grid ")) {
                pending = new StringBuilder(text);
            } else {
                continue;
            }
            if (pending.toString().endsWith("\\")) {
                pending.setLength(pending.length() - 1);
            } else {
                commands.add(pending.toString().replaceAll("\\s+", " ").strip());
                pending = null;
            }
        }
        return commands;
    }

    @Test
    void everyCommandTheArchivesReadmeShowsExistsWithItsOptions() throws Exception {
        List<String> commands = readmeCommands();
        assertThat(commands).hasSizeGreaterThanOrEqualTo(5);
        for (String command : commands) {
            List<String> words = List.of(command.substring("bin/grid ".length()).split(" "));
            List<String> path = words.stream().takeWhile(w -> w.matches("[a-z]+")).toList();
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Result help = run(args.toArray(String[]::new));
            assertThat(help.code()).as("%s: %s", command, help.err()).isZero();
            for (String w : words) {
                if (w.startsWith("--")) {
                    assertThat(help.out()).as("%s: bin/grid %s --help", command, String.join(" ", path))
                            .contains(w.replaceFirst("=.*$", ""));
                }
            }
        }
    }

    @Test
    void theArchiveHasTheLayoutAnOperatorExpects() throws IOException {
        Path grid = home.resolve("bin/grid");
        assertThat(grid).isRegularFile();
        assertThat(Files.getPosixFilePermissions(grid)).contains(PosixFilePermission.OWNER_EXECUTE,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
        assertThat(home.resolve("examples/gridwork-examples.jar")).isRegularFile();
        assertThat(home.resolve("README.md")).isRegularFile();
        // the archive's own README, not the source tree's: nothing there to build or run with ./grid
        String readme = Files.readString(home.resolve("README.md"));
        assertThat(readme).contains("bin/grid master").contains("bin/grid worker")
                .contains("examples/gridwork-examples.jar").doesNotContain("./grid").doesNotContain("mvn ")
                .doesNotContain("target/");

        List<String> jars;
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            jars = lib.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(jars).allMatch(j -> j.endsWith(".jar"));
        assertThat(jars).contains("gridwork-cli-" + VERSION + ".jar", "gridwork-master-" + VERSION + ".jar",
                "gridwork-worker-" + VERSION + ".jar", "gridwork-api-" + VERSION + ".jar",
                "gridwork-sdk-" + VERSION + ".jar"); // what job authors compile against
        assertThat(jars).anyMatch(j -> j.startsWith("picocli-")).anyMatch(j -> j.startsWith("h2-"))
                .anyMatch(j -> j.startsWith("logback-classic-")).anyMatch(j -> j.startsWith("grpc-netty-shaded-"))
                .noneMatch(j -> j.startsWith("gridwork-examples")).noneMatch(j -> j.startsWith("junit"));
        // each library once: no two versions of one artifact
        Map<String, List<String>> byArtifact = jars.stream()
                .collect(Collectors.groupingBy(j -> j.replaceFirst("-\\d[^-]*(-SNAPSHOT)?(-[a-z]+)?\\.jar$", "")));
        assertThat(byArtifact.values()).allMatch(versions -> versions.size() == 1, "one version each: " + byArtifact);

        assertThat(shippedConf).allMatch(l -> l.isBlank() || l.startsWith("#"), "every line commented out")
                .contains("#worker.slots=4", "#master.heartbeat-interval=1s", "#master=master-host:7070");

        String unit = Files.readString(home.resolve("systemd/gridwork-worker.service"));
        assertThat(unit).contains("ExecStart=/opt/gridwork/bin/grid worker\n", "User=gridwork\n",
                "EnvironmentFile=/etc/gridwork/worker.env\n", "Restart=on-failure\n", "KillSignal=SIGTERM\n");
        String stop = unit.lines().filter(l -> l.startsWith("TimeoutStopSec=")).findFirst().orElseThrow();
        assertThat(Integer.parseInt(stop.replaceAll("\\D", ""))).as("longer than the 30 s drain").isGreaterThan(30);
        assertThat(Files.readString(home.resolve("systemd/worker.env"))).contains("GRID_MASTER=", "GRID_JOIN_TOKEN=");
    }

    @Test
    void versionAndHelpRunFromTheArchive() throws Exception {
        Result version = run("--version");
        assertThat(version.code()).as(version.err()).isZero();
        assertThat(version.out()).startsWith("Gridwork " + VERSION + " (Java ");
        assertThat(version.err()).isEmpty();
        // (GRID_CDS=make) the class archive of client commands, and Netty's native libraries beside it, made where the
        // archive was unpacked
        assertThat(home.resolve("cds/gridwork-cli.jsa")).isNotEmptyFile();
        if (System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertThat(home.resolve("cds/gridwork-cli.native/libio_grpc_netty_shaded_netty_tcnative_linux_x86_64.so"))
                    .isNotEmptyFile();
        }

        Result help = run("--help");
        assertThat(help.code()).as(help.err()).isZero();
        assertThat(help.out()).contains("master", "worker", "submit", "--config");
        assertThat(help.err()).isEmpty();

        Result workerHelp = run("worker", "--help");
        assertThat(workerHelp.code()).isZero();
        assertThat(workerHelp.out()).contains("--join-token", "--log-format");
    }

    @Test
    void aMasterAWorkerAndAJobFromTheArchive() throws Exception {
        // a client command makes the class archive (GRID_CDS=make) when it is not there yet; masters and workers only
        // map it
        Result version = run("--version");
        assertThat(version.code()).as(version.err()).isZero();
        Path data = dir.resolve("master");
        Process master = start("master", "master", "--insecure", "--port", "0", "--bind", "127.0.0.1",
                "--data", data.toString(), "--log-format", "json");
        Path portFile = data.resolve("master.port");
        await().atMost(Duration.ofSeconds(60)).until(() -> !master.isAlive()
                || Files.exists(portFile) && !Files.readString(portFile).isBlank());
        assertThat(master.isAlive()).as(log("master")).isTrue();
        String address = "127.0.0.1:" + Files.readString(portFile).trim();

        // the worker and the client commands take their settings from the distribution's configuration file
        Files.writeString(home.resolve("conf/gridwork.properties"), String.join("\n",
                "master=" + address,
                "insecure=true",
                "worker.slots=1",
                "worker.name=dist-w1",
                "worker.work-dir=" + dir.resolve("w1"),
                "worker.drain-timeout=2s",
                "worker.log-format=json",
                "output=json",
                ""), StandardCharsets.UTF_8);
        Process worker = start("worker", "worker");
        await().atMost(Duration.ofSeconds(60)).until(() -> !worker.isAlive() || aliveWorkers() == 1);
        assertThat(worker.isAlive()).as(log("worker")).isTrue();
        // (GRID_CDS=make) the master and the worker map the class archive made where the archive was unpacked
        if (Files.isReadable(Path.of("/proc/self/maps"))) {
            String archive = home.toRealPath().resolve("cds/gridwork-cli.jsa").toString();
            assertThat(Files.readString(Path.of("/proc", Long.toString(master.pid()), "maps"))).as("the master's mappings")
                    .contains(archive);
            assertThat(Files.readString(Path.of("/proc", Long.toString(worker.pid()), "maps"))).as("the worker's mappings")
                    .contains(archive);
        }

        Result job = run("submit", "--insecure", "--master", address, "--output", "text",
                "--jar", home.resolve("examples/gridwork-examples.jar").toString(),
                "--job", "io.gridwork.examples.PrimeCountJob", "--arg", "limit=100000", "--arg", "tasks=4", "--wait");
        assertThat(job.code()).as(job.err() + log("master") + log("worker")).isZero();
        assertThat(job.out()).isEqualTo("9592\n");

        // a job compiled against the archive's SDK jar alone (the README's example), submitted from the archive
        Path jobJar = compileAgainstTheSdkJar();
        Result own = run("submit", "--insecure", "--master", address, "--output", "text", "--jar", jobJar.toString(),
                "--job", "com.example.SquareSumJob", "--arg", "n=1000000", "--wait");
        assertThat(own.code()).as(own.err() + log("worker")).isZero();
        assertThat(own.out()).isEqualTo("333332833333500000\n");
        Result misspelled = run("submit", "--insecure", "--master", address, "--output", "text", "--jar", jobJar.toString(),
                "--job", "com.example.SquareSumJob", "--arg", "n=10", "--arg", "chunks=5");
        assertThat(misspelled.code()).isEqualTo(2);
        List<String> errLines = misspelled.err().lines().toList(); // after the --insecure warning
        assertThat(errLines.get(errLines.size() - 1)).isEqualTo("grid submit: args: unknown argument 'chunks' for"
                + " com.example.SquareSumJob (did you mean 'chunk'?); it takes chunk, n");

        Result jobs = run("jobs");
        assertThat(jobs.code()).as(jobs.err()).isZero();
        JsonObject first = JsonParser.parseString(jobs.out()).getAsJsonObject().getAsJsonArray("jobs").get(0).getAsJsonObject();
        String id = first.get("id").getAsString();

        // JSON logs: one object per line; lines about the job carry its id as a field
        await().atMost(Duration.ofSeconds(10)).until(() -> jsonLinesWith(log("master"), "job", id).size() >= 2);
        assertThat(jsonLinesWith(log("master"), "job", id))
                .anyMatch(l -> l.get("formattedMessage").getAsString().startsWith("job succeeded"));
        assertThat(jsonLinesWith(log("worker"), "worker", "dist-w1")).isNotEmpty();
    }

    /** The README's example job, as a job author builds it: javac with only lib/gridwork-sdk-VERSION.jar, then a jar. */
    static Path compileAgainstTheSdkJar() throws IOException {
        Path src = Files.createDirectories(dir.resolve("job-src/com/example"));
        Files.writeString(src.resolve("SquareSumJob.java"), String.join("\n",
                "package com.example;",
                "import io.gridwork.sdk.*;",
                "import java.util.Set;",
                "import java.util.stream.*;",
                "public final class SquareSumJob extends GridJob<Long, Long, Long> {",
                "    public SquareSumJob() { super(Codecs.LONG, Codecs.LONG, Codecs.LONG); }",
                "    @Override public Set<String> arguments() { return Set.of(\"n\", \"chunk\"); }",
                "    @Override public Stream<Long> split(JobArgs args) {",
                "        long n = args.getLong(\"n\");",
                "        long chunk = args.getLong(\"chunk\", 100_000);",
                "        return LongStream.iterate(0, from -> from < n, from -> from + chunk).boxed();",
                "    }",
                "    @Override public Long execute(Long from, TaskContext context) {",
                "        JobArgs args = context.args();",
                "        long to = Math.min(args.getLong(\"n\"), from + args.getLong(\"chunk\", 100_000));",
                "        long sum = 0;",
                "        for (long x = from; x < to; x++) { sum += x * x; }",
                "        return sum;",
                "    }",
                "    @Override public Long merge(Stream<Long> outputs, JobArgs args) {",
                "        return outputs.mapToLong(Long::longValue).sum();",
                "    }",
                "}", ""), StandardCharsets.UTF_8);
        Path classes = Files.createDirectories(dir.resolve("job-classes"));
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        java.io.StringWriter errors = new java.io.StringWriter();
        try (var files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            boolean ok = javac.getTask(errors, files, null,
                    List.of("--release", "17", "-classpath", home.resolve("lib/gridwork-sdk-" + VERSION + ".jar").toString(),
                            "-d", classes.toString()),
                    null, files.getJavaFileObjects(src.resolve("SquareSumJob.java").toFile())).call();
            assertThat(ok).as(errors.toString()).isTrue();
        }
        Path jar = dir.resolve("my-jobs.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : List.of("com/example/SquareSumJob.class")) {
                out.putNextEntry(new java.util.jar.JarEntry(name));
                Files.copy(classes.resolve(name), out);
                out.closeEntry();
            }
        }
        return jar;
    }

    long aliveWorkers() throws Exception {
        Result r = run("workers");
        if (r.code() != 0) {
            return 0;
        }
        long n = 0;
        for (JsonElement w : JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("workers")) {
            if (w.getAsJsonObject().get("state").getAsString().equals("ALIVE")) {
                n++;
            }
        }
        return n;
    }

    /** The JSON log lines (other lines are ignored) with {@code key=value} in their kvpList. */
    static List<JsonObject> jsonLinesWith(String log, String key, String value) {
        List<JsonObject> found = new ArrayList<>();
        for (String line : log.lines().toList()) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            Map<String, String> fields = new HashMap<>();
            if (o.has("kvpList")) {
                for (JsonElement pair : o.getAsJsonArray("kvpList")) {
                    pair.getAsJsonObject().entrySet().forEach(e -> fields.put(e.getKey(), e.getValue().getAsString()));
                }
            }
            if (value.equals(fields.get(key))) {
                found.add(o);
            }
        }
        return found;
    }
}
