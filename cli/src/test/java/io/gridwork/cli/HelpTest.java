package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@code grid --help} lists, the completion script, and the help of the commands that need no master. */
class HelpTest {

    @Test
    void helpListsEveryCommandAndTheExitCodesOneAPerLine() {
        LocalGrid.Run help = LocalGrid.run("--help");
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
        LocalGrid.Run bench = LocalGrid.run("bench", "performance", "--quick");
        assertThat(bench.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(bench.err()).isEqualTo("grid bench: the benchmarks are not in this installation: run ./grid bench "
                + "from a source checkout of Gridwork\n");
    }

    @Test
    void completionPrintsABashScriptOfTheCommandsAndOptions() {
        LocalGrid.Run bash = LocalGrid.run("completion", "bash");
        assertThat(bash.code()).as(bash.err()).isZero();
        assertThat(bash.out()).contains("complete -F").contains("_picocli_grid")
                .contains("submit").contains("--wait-timeout").contains("schedule");
        LocalGrid.Run fish = LocalGrid.run("completion", "fish");
        assertThat(fish.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(fish.err()).isEqualTo("grid completion: SHELL must be bash or zsh, got 'fish'\n");
    }
}
