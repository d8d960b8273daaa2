package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code grid status JOB} runs on a command tree with its one subcommand (see {@link Main#commandLine(ConfigDefaults,
 * String[])}): it must parse, print and fail exactly as on the whole tree.
 */
class OneCommandTreeTest {

    @TempDir
    Path dir;

    final Map<String, String> env = new HashMap<>();

    GridRun execute(boolean oneCommand, String... args) {
        ConfigDefaults defaults = new ConfigDefaults(env, dir.resolve("home"), null);
        return GridRun.execute(oneCommand ? Main.commandLine(defaults, args) : Main.commandLine(defaults), args);
    }

    /** Runs {@code args} on both trees and checks that they answer alike; returns the answer. */
    GridRun sameOnBothTrees(String... args) {
        GridRun whole = execute(false, args);
        GridRun one = execute(true, args);
        assertThat(one).as("grid %s", String.join(" ", args)).isEqualTo(whole);
        return one;
    }

    @Test
    void theCommandIsTheFirstArgumentThatIsNoOptionOfTheTopCommand() {
        assertThat(Main.command(new String[] {"status", "job-3"})).isEqualTo(StatusCommand.class);
        assertThat(Main.command(new String[] {"--verbose", "status", "job-3"})).isEqualTo(StatusCommand.class);
        assertThat(Main.command(new String[] {"--config", "status", "jobs"})).isEqualTo(JobsCommand.class);
        assertThat(Main.command(new String[] {"--config=f.properties", "workers"})).isEqualTo(WorkersCommand.class);
        assertThat(Main.command(new String[] {"schedule", "list"})).isEqualTo(ScheduleCommand.class);
    }

    @Test
    void anythingElseGetsTheWholeTree() {
        for (String[] args : List.of(new String[] {}, new String[] {"--help"}, new String[] {"--version"},
                new String[] {"statuss", "job-3"}, new String[] {"@args.txt"}, new String[] {"--", "status"},
                new String[] {"--verbose"}, new String[] {"--limt", "status"}, new String[] {"help", "status"})) {
            assertThat(Main.command(args)).as(String.join(" ", args)).isNull();
        }
        ConfigDefaults defaults = new ConfigDefaults(env, dir.resolve("home"), null);
        assertThat(Main.commandLine(defaults, new String[] {"--help"}).getSubcommands().keySet())
                .containsExactlyElementsOf(Main.commandLine(defaults).getSubcommands().keySet());
    }

    @Test
    void aCommandParsesAsOnTheWholeTree() {
        ConfigDefaults defaults = new ConfigDefaults(env, dir.resolve("home"), null);
        String[] args = {"--verbose", "status", "job-3", "--output", "JSON", "--timeout", "5s", "--master", "m1,m2:7080"};
        CommandLine one = Main.commandLine(defaults, args);
        assertThat(one.getSubcommands().keySet()).containsExactly("status");
        one.parseArgs(args);
        StatusCommand status = (StatusCommand) one.getSubcommands().get("status").getCommand();
        assertThat(status.jobId).isEqualTo("job-3");
        assertThat(status.client.json()).isTrue();
        assertThat(status.client.timeout).isEqualTo(Duration.ofSeconds(5));
        assertThat(status.client.target()).isEqualTo("m1:7070,m2:7080");
        assertThat(StatusCommand.verbose(status.spec)).isTrue();
    }

    @Test
    void helpAndUsageErrorsReadAsOnTheWholeTree() {
        assertThat(sameOnBothTrees("status", "--help").out()).startsWith("Usage: grid status");
        assertThat(sameOnBothTrees("schedule", "add", "--help").out()).startsWith("Usage: grid schedule add");
        assertThat(sameOnBothTrees("help", "status").out()).startsWith("Usage: grid status");
        GridRun misspelled = sameOnBothTrees("status", "job-3", "--outptu", "json");
        assertThat(misspelled.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(misspelled.err()).contains("did you mean --output?");
        assertThat(sameOnBothTrees("status").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(sameOnBothTrees("jobs", "--output", "yaml", "--output", "json").code()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aConfigurationFileIsCheckedAgainstEveryCommand() throws IOException {
        Path file = dir.resolve("gridwork.properties");
        env.put("GRID_CONFIG", file.toString());
        // keys of other commands are fine for grid status too
        Files.writeString(file, "worker.slots=4\nmaster.port=7071\ntimeout=5s\n");
        assertThat(sameOnBothTrees("status", "--help").code()).isZero();
        // a misspelled command or option is an error whichever command runs
        Files.writeString(file, "workr.slots=4\n");
        GridRun noCommand = sameOnBothTrees("status", "job-3");
        assertThat(noCommand.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noCommand.err()).contains("unknown key 'workr.slots' (there is no command 'grid workr')");
        Files.writeString(file, "worker.slotz=4\n");
        GridRun noOption = sameOnBothTrees("status", "job-3");
        assertThat(noOption.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noOption.err()).contains("unknown key 'worker.slotz' ('grid worker' has no option --slotz)");
    }
}
