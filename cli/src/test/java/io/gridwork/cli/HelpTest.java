package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@code grid --help} lists, the completion script, and the help of the commands that need no master. */
class HelpTest {

    @Test
    void helpListsEveryCommandAndTheExitCodesOneAPerLine() {
        GridRun help = LocalGrid.run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).containsPattern("(?m)^  bench\\s+Runs the benchmarks")
                .containsPattern("(?m)^  completion\\s+Prints a shell completion script");
        assertThat(help.out()).contains("Exit codes:\n"
                + "  0  success\n"
                + "  1  the job failed or was cancelled\n"
                + "  2  bad usage or bad input\n"
                + "  3  master unreachable\n"
                + "  4  missing or refused credential\n"
                + "  5  other error\n"
                + "  6  --wait-timeout ran out (the job goes on)\n");
    }

    @Test
    void benchOutsideASourceCheckoutSaysWhereItIs() {
        GridRun bench = LocalGrid.run("bench", "performance", "--quick");
        assertThat(bench.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(bench.err()).isEqualTo("grid bench: the benchmarks are not in this installation: run ./grid bench "
                + "from a source checkout of Gridwork\n");
    }

    @Test
    void completionPrintsABashScriptOfTheCommandsAndOptions() {
        GridRun bash = LocalGrid.run("completion", "bash");
        assertThat(bash.code()).as(bash.err()).isZero();
        assertThat(bash.out()).contains("complete -F").contains("_picocli_grid")
                .contains("submit").contains("--wait-timeout").contains("schedule");
        GridRun fish = LocalGrid.run("completion", "fish");
        assertThat(fish.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(fish.err()).isEqualTo("grid completion: SHELL must be bash or zsh, got 'fish'\n");
    }

    @Test
    void aMisspelledOptionOrCommandGetsASuggestion() {
        GridRun option = LocalGrid.run("jobs", "--limt", "5");
        assertThat(option.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(option.err()).startsWith("grid jobs: unknown option '--limt'; did you mean --limit?")
                .endsWith("(see 'grid jobs --help')\n");
        GridRun command = LocalGrid.run("sumbit");
        assertThat(command.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(command.err()).contains("'sumbit'").contains("did you mean submit");
    }

    @Test
    void withOutputJsonErrorsAreOneJsonObjectOnStderr() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        GridRun unreachable = LocalGrid.run("jobs", "--output", "json", "--master", "127.0.0.1:" + port,
                "--insecure");
        assertThat(unreachable.code()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(unreachable.out()).isEmpty();
        com.google.gson.JsonObject error = lastJsonLine(unreachable.err());
        assertThat(error.get("code").getAsString()).isEqualTo("unreachable");
        assertThat(error.get("exit_code").getAsInt()).isEqualTo(3);
        assertThat(error.get("command").getAsString()).isEqualTo("grid jobs");
        assertThat(error.get("message").getAsString()).isEqualTo("cannot reach the master at 127.0.0.1:" + port
                + ": connection refused: is the master running?");

        GridRun badValue = LocalGrid.run("jobs", "--output=json", "--limit", "0");
        assertThat(badValue.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(lastJsonLine(badValue.err()).get("message").getAsString()).isEqualTo("--limit must be from 1 to 1000");

        GridRun badOption = LocalGrid.run("jobs", "--output", "json", "--limt", "5");
        assertThat(badOption.code()).isEqualTo(ExitCodes.USAGE);
        com.google.gson.JsonObject parse = lastJsonLine(badOption.err());
        assertThat(parse.get("code").getAsString()).isEqualTo("usage");
        assertThat(parse.get("message").getAsString()).startsWith("unknown option '--limt'; did you mean --limit?");

        GridRun text = LocalGrid.run("jobs", "--limit", "0");
        assertThat(text.err()).isEqualTo("grid jobs: --limit must be from 1 to 1000\n");
    }

    /** The error object of the last line of stderr (a warning, such as --insecure's, may come first). */
    private static com.google.gson.JsonObject lastJsonLine(String err) {
        String[] lines = err.strip().split("\n");
        return com.google.gson.JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject().getAsJsonObject("error");
    }
}
