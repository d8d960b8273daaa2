package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Idle owners (issue 19): the owner's options of {@code grid worker}; bad ones are usage errors (exit 2) with one line
 * naming the option, and the worker does not start.
 */
class WorkerOwnerOptionsTest {

    @TempDir
    Path dir;

    private GridRun worker(String... owner) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("worker", "--insecure", "--master",
                "127.0.0.1:1", "--name", "w1", "--work-dir", dir.resolve("w1").toString()));
        args.addAll(java.util.List.of(owner));
        return LocalGrid.run(args.toArray(String[]::new));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--hours|18:00-25:00|hours: '18:00-25:00' has a time out of 00:00-23:59",
            "--hours|6pm-8am|hours: '6pm-8am' is not HH:MM-HH:MM (for example 18:00-08:00)",
            "--hours|08:00-08:00|hours: the start and the end are the same (08:00); leave --hours out to take tasks all day",
            "--idle-command|/no/such/owner-test|idle-command: /no/such/owner-test does not exist or is not executable",
            "--idle-command|no-such-owner-test-command|idle-command: no program no-such-owner-test-command on the PATH",
            "--idle-load|0.5|idle-load needs when-idle",
            "--max-cpu-percent|0|max-cpu-percent must be from 1 to 100, got 0",
            "--max-cpu-percent|150|max-cpu-percent must be from 1 to 100, got 150",
            "--vacate-after|10s|vacate-after needs when-idle or hours"})
    void badOwnerSettingsAreUsageErrors(String option, String value, String message) {
        GridRun run = worker(option, value);
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains(message).doesNotContain("Exception");
    }

    @Test
    void anIdleCommandReplacesTheWholeTest() {
        GridRun run = worker("--idle-command", "true", "--idle-after", "1m");
        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("idle-command replaces the whole idleness test: leave out idle-load and idle-after");
        GridRun load = worker("--when-idle", "--idle-load", "-1");
        assertThat(load.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(load.err()).contains("idle-load must be above 0 and at most 64 (per core), got -1.0");
    }
}
