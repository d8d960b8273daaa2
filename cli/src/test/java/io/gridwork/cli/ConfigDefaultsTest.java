package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Options from the environment and a configuration file: flags > environment > file > built-in default. */
class ConfigDefaultsTest {

    @TempDir
    Path dir;

    final Map<String, String> env = new HashMap<>();

    /** Parses like {@code grid ARGS} would, without running the command; returns the root command line. */
    CommandLine parse(String... args) {
        ConfigDefaults defaults = new ConfigDefaults(env, dir.resolve("home"), null);
        CommandLine cmd = Main.commandLine(defaults);
        defaults.afterParse(cmd.parseArgs(args));
        return cmd;
    }

    @SuppressWarnings("unchecked")
    static <T> T command(CommandLine root, String... path) {
        CommandLine c = root;
        for (String name : path) {
            c = c.getSubcommands().get(name);
        }
        return (T) c.getCommand();
    }

    GridRun execute(String... args) {
        return GridRun.execute(new ConfigDefaults(env, dir.resolve("home"), null), args);
    }

    Path config(String... lines) throws IOException {
        return Files.write(dir.resolve("gridwork.properties"), List.of(lines));
    }

    @Test
    void anEnvironmentVariableSetsAnOption() {
        env.put("GRID_WORKER_SLOTS", "3");
        env.put("GRID_MASTER_HEARTBEAT_INTERVAL", "2s");
        WorkerCommand worker = command(parse("worker"), "worker");
        assertThat(worker.slots).isEqualTo(3);
        MasterCommand master = command(parse("master"), "master");
        assertThat(master.heartbeatInterval).isEqualTo(Duration.ofSeconds(2));
        assertThat(master.port).isEqualTo(7070);
    }

    @Test
    void theConfigurationFileSetsAnOption() throws IOException {
        Path file = config("# a comment", "master.heartbeat-interval=2s", "master.port = 7171", "worker.slots=4");
        MasterCommand master = command(parse("--config", file.toString(), "master"), "master");
        assertThat(master.heartbeatInterval).isEqualTo(Duration.ofSeconds(2));
        assertThat(master.port).isEqualTo(7171);
        WorkerCommand worker = command(parse("worker", "--config", file.toString()), "worker");
        assertThat(worker.slots).isEqualTo(4);
    }

    @Test
    void aFlagBeatsTheEnvironmentAndTheFile() throws IOException {
        Path file = config("worker.slots=4");
        env.put("GRID_WORKER_SLOTS", "3");
        WorkerCommand worker = command(parse("--config", file.toString(), "worker", "--slots", "2"), "worker");
        assertThat(worker.slots).isEqualTo(2);
    }

    @Test
    void theEnvironmentBeatsTheFile() throws IOException {
        Path file = config("worker.slots=4", "worker.name=from-file");
        env.put("GRID_WORKER_SLOTS", "3");
        WorkerCommand worker = command(parse("--config", file.toString(), "worker"), "worker");
        assertThat(worker.slots).isEqualTo(3);
        assertThat(worker.name).isEqualTo("from-file");
    }

    @Test
    void theFileCanBeNamedByGridConfigOrFoundInTheHomeDirectory() throws IOException {
        Path file = config("worker.slots=4");
        env.put("GRID_CONFIG", file.toString());
        assertThat(((WorkerCommand) command(parse("worker"), "worker")).slots).isEqualTo(4);
        env.clear();
        Path home = Files.createDirectories(dir.resolve("home/.gridwork"));
        Files.writeString(home.resolve("gridwork.properties"), "worker.slots=5\n");
        assertThat(((WorkerCommand) command(parse("worker"), "worker")).slots).isEqualTo(5);
    }

    @Test
    void theDistributionsFileIsTheLastResort() throws IOException {
        Path gridHome = Files.createDirectories(dir.resolve("opt/conf")).getParent();
        Files.writeString(gridHome.resolve("conf/gridwork.properties"), "worker.slots=6\n");
        ConfigDefaults defaults = new ConfigDefaults(env, dir.resolve("home"), gridHome);
        CommandLine cmd = Main.commandLine(defaults);
        cmd.parseArgs("worker");
        assertThat(((WorkerCommand) command(cmd, "worker")).slots).isEqualTo(6);
    }

    @Test
    void aMultiValuedOptionIsSplitOnCommasUnlessFlagsGiveIt() throws IOException {
        Path file = config("worker.label=gpu=a100,site=lab-2", "master.tls-name=grid.example.org, 10.0.0.5");
        WorkerCommand worker = command(parse("--config", file.toString(), "worker"), "worker");
        assertThat(worker.labels).containsExactly("gpu=a100", "site=lab-2");
        MasterCommand master = command(parse("--config", file.toString(), "master"), "master");
        assertThat(master.tlsNames).containsExactly("grid.example.org", "10.0.0.5");
        WorkerCommand flagged = command(parse("--config", file.toString(), "worker", "--label", "os=x,y"), "worker");
        assertThat(flagged.labels).containsExactly("os=x,y");
    }

    @Test
    void aBooleanOptionCanBeSetAndUnset() throws IOException {
        Path file = config("worker.insecure=true");
        assertThat(((WorkerCommand) command(parse("--config", file.toString(), "worker"), "worker")).insecure).isTrue();
        // the flag given as well: still true (picocli alone would flip a flag whose default is true)
        assertThat(((WorkerCommand) command(parse("--config", file.toString(), "worker", "--insecure"), "worker")).insecure)
                .isTrue();
        env.put("GRID_WORKER_INSECURE", "false");
        assertThat(((WorkerCommand) command(parse("--config", file.toString(), "worker"), "worker")).insecure).isFalse();
        env.clear();
        env.put("GRID_SUBMIT_NO_SPECULATION", "TRUE");
        SubmitCommand submit = command(parse("submit", "--jar", "x.jar", "--job", "a.B"), "submit");
        assertThat(submit.job.noSpeculation).isTrue();
    }

    @Test
    void verboseFromTheFileAndFromAFlagAfterTheCommand() throws IOException {
        Path file = config("verbose=false");
        CommandLine root = parse("--config", file.toString(), "worker", "--verbose");
        assertThat(((GridCommand) root.getCommand()).verbose).isTrue();
        config("verbose=true");
        assertThat(((GridCommand) parse("--config", file.toString(), "worker").getCommand()).verbose).isTrue();
    }

    @Test
    void sharedKeysReachEveryCommandThatTakesTheOption() throws IOException {
        Path file = config("master=grid.example.org:7070", "insecure=true", "jobs.master=other:1");
        env.put("GRID_TOKEN", "gw1.secret");
        CommandLine root = parse("--config", file.toString(), "status", "job-1");
        StatusCommand status = command(root, "status");
        assertThat(status.client.master).isEqualTo("grid.example.org:7070");
        assertThat(status.client.token).isEqualTo("gw1.secret");
        assertThat(status.client.insecure).isTrue();
        JobsCommand jobs = command(parse("--config", file.toString(), "jobs"), "jobs");
        assertThat(jobs.client.master).isEqualTo("other:1"); // the command's own key comes first
        WorkerCommand worker = command(parse("--config", file.toString(), "worker"), "worker");
        assertThat(worker.master).isEqualTo("grid.example.org:7070");
        env.put("GRID_MASTER", "env-host:7070"); // the long-standing variable, shared by every command
        assertThat(((WorkerCommand) command(parse("--config", file.toString(), "worker"), "worker")).master)
                .isEqualTo("env-host:7070");
        env.put("GRID_JOIN_TOKEN", "gwj1.join");
        assertThat(((WorkerCommand) command(parse("worker"), "worker")).joinToken).isEqualTo("gwj1.join");
    }

    @Test
    void aMasterGoesPlaintextOnlyWhenToldSoItself() throws IOException {
        Path shared = config("insecure=true");
        assertThat(((MasterCommand) command(parse("--config", shared.toString(), "master"), "master")).insecure).isFalse();
        env.put("GRID_INSECURE", "true");
        assertThat(((MasterCommand) command(parse("master"), "master")).insecure).isFalse();
        env.remove("GRID_INSECURE");
        Path own = config("master.insecure=true");
        assertThat(((MasterCommand) command(parse("--config", own.toString(), "master"), "master")).insecure).isTrue();
    }

    @Test
    void subcommandsOfSubcommandsUseTheirWholePath() throws IOException {
        Path file = config("schedule.add.timezone=Europe/Paris", "token.create.ttl=30d");
        env.put("GRID_SCHEDULE_ADD_OVERLAP", "queue");
        ScheduleCommand.Add add = command(parse("--config", file.toString(), "schedule", "add", "n", "--cron", "0 0 3 * * ?",
                "--jar", "x.jar", "--job", "a.B"), "schedule", "add");
        assertThat(add.timezone).isEqualTo("Europe/Paris");
        assertThat(add.overlap.toString()).containsIgnoringCase("queue");
        TokenCommand.Create create = command(parse("--config", file.toString(), "token", "create", "--role", "viewer"),
                "token", "create");
        assertThat(create.ttl).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void anUnknownKeyIsAUsageErrorNamingTheFileAndTheKey() throws IOException {
        Path file = config("worker.slot=4");
        GridRun r = execute("--config", file.toString(), "worker");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("grid: " + file + ": unknown key 'worker.slot' ('grid worker' has no option --slot)"
                + System.lineSeparator());

        config("wrker.slots=4");
        assertThat(execute("--config", file.toString(), "jobs").err())
                .contains(file + ": unknown key 'wrker.slots' (there is no command 'grid wrker')");
        config("verbose=true", "worker.verbose=true");
        assertThat(execute("--config", file.toString(), "jobs").err())
                .contains("unknown key 'worker.verbose' ('grid worker' has no option --verbose)");
        config("config=/etc/other.properties");
        assertThat(execute("--config", file.toString(), "jobs").err()).contains("unknown key 'config'");
    }

    @Test
    void aBadValueIsAUsageErrorNamingWhereItCameFrom() throws IOException {
        Path file = config("worker.slots=many");
        GridRun r = execute("--config", file.toString(), "worker");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err().trim()).isEqualTo("grid worker: " + file + ": worker.slots: 'many' is not an int");

        env.put("GRID_MASTER_HEARTBEAT_INTERVAL", "often");
        GridRun fromEnv = execute("master");
        assertThat(fromEnv.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(fromEnv.err()).startsWith("grid master: environment variable GRID_MASTER_HEARTBEAT_INTERVAL: ")
                .contains("often").doesNotContain("\tat ");

        env.clear();
        config("worker.insecure=yes");
        assertThat(execute("--config", file.toString(), "worker").err().trim())
                .isEqualTo("grid worker: " + file + ": worker.insecure: 'yes' is not a boolean (true or false)");
    }

    @Test
    void aMissingConfigurationFileIsAUsageError() {
        GridRun r = execute("--config", dir.resolve("nope.properties").toString(), "jobs");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err().trim()).isEqualTo("grid: config " + dir.resolve("nope.properties") + ": no such file");
    }

    @Test
    void helpShowsTheBuiltInDefaultsWithoutConfiguration() {
        GridRun r = execute("master", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("(default: 7070;").contains("(default: 0.0.0.0)").contains("--log-format")
                .contains("(default: text)").contains("--config");
    }

    @Test
    void theSampleConfigurationDocumentsEveryOption() throws IOException {
        Path sample = Path.of("../dist/src/main/dist/conf/gridwork.properties");
        assertThat(sample).exists();
        List<String> lines = Files.readAllLines(sample);
        assertThat(lines).allMatch(l -> l.isBlank() || l.startsWith("#"), "every line is commented out");
        TreeSet<String> documented = new TreeSet<>();
        for (String line : lines) {
            String body = line.replaceFirst("^#+\\s*", "");
            int eq = body.indexOf('=');
            if (eq > 0 && body.substring(0, eq).matches("[a-z][a-z0-9.-]*")) {
                documented.add(body.substring(0, eq));
            }
        }
        TreeSet<String> undocumented = new TreeSet<>();
        for (String key : ConfigDefaults.keys(Main.commandLine()).keySet()) {
            String option = key.substring(key.lastIndexOf('.') + 1);
            // a client command's connection options are documented once, in the shared section
            if (!documented.contains(key) && !(ConfigDefaults.SHARED.contains(option) && documented.contains(option))) {
                undocumented.add(key);
            }
        }
        assertThat(undocumented).isEmpty();
        assertThat(documented).containsAll(ConfigDefaults.SHARED);
        // and every documented key is one the CLI accepts
        Properties all = new Properties();
        documented.forEach(k -> all.setProperty(k, "x"));
        Path check = dir.resolve("all.properties");
        try (var out = Files.newBufferedWriter(check)) {
            all.store(out, null);
        }
        GridRun r = execute("--config", check.toString(), "jobs", "--help");
        assertThat(r.err()).doesNotContain("unknown key");
    }
}
