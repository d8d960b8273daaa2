package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.bench.BenchMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code grid bench performance --quick}: every figure of the performance suite still runs end to end (its own master,
 * worker and echo JVMs, a PostgreSQL server for figure 6, a Hazelcast member for figure 7, the {@code ./grid} CLI for
 * figure 8) and prints a sane number. Not timed: the figures themselves are measured by the full run (see the
 * README's Performance section), never asserted here.
 */
class PerformanceBenchIT {

    @TempDir
    Path dir;

    @Test
    void everyFigureOfTheQuickSuiteRunsAndPrintsItsNumbers() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int code;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = new CommandLine(new BenchMain()).execute("performance", "--quick", "--dir", dir.toString());
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        assertThat(code).as(out).isZero();
        List<String> lines = out.lines().toList();
        assertThat(lines.stream().filter(l -> l.matches("^[1-8] \\w+:.*")).map(l -> l.charAt(0)).distinct())
                .as(out).containsExactly('1', '2', '3', '4', '5', '6', '7', '8');
        assertThat(positive(out, "([\\d,]+) messages/s one per message")).isTrue();
        // throughput and one-task latency are medians of several runs, with their spread
        assertThat(positive(out, "2 throughput: one job of [\\d,]+ empty tasks on 2 workers .*?: ([\\d,]+) tasks/s "
                + "\\(median of [2-9] runs; min [\\d,]+, max [\\d,]+\\)")).as(out).isTrue();
        assertThat(positive(out, "2 throughput: \\d+ concurrent jobs of [\\d,]+ empty tasks: ([\\d,]+) tasks/s \\(median"))
                .as(out).isTrue();
        assertThat(positive(out, "3 latency: submit to result of a one-task job, \\d+ in a row: p50 ([\\d.]+) ms")).as(out).isTrue();
        assertThat(positive(out, "3 latency: submit to result of a one-task job, .*, p99 ([\\d.]+) ms \\(medians of [2-9] runs; "
                + "p50 [\\d.]+-[\\d.]+ ms, p99 [\\d.]+-[\\d.]+ ms\\)")).as(out).isTrue();
        // the peer, measured in the same run: throughput and one-task latency
        assertThat(positive(out, "7 peers: Hazelcast [\\d.]+ executor.*: [\\d,]+ tasks, at most 128 in flight \\(windows\\): "
                + "([\\d,]+) tasks/s \\(median of [2-9] runs")).as(out).isTrue();
        assertThat(positive(out, "7 peers: latency: Hazelcast .*: submit to result of one task, \\d+ in a row: p50 ([\\d.]+) ms"))
                .as(out).isTrue();
        assertThat(positive(out, "7 peers: latency: Hazelcast .*, p99 ([\\d.]+) ms \\(medians of")).as(out).isTrue();
        // the command-line path, its ratio to the peer, and the CLI's wall times
        assertThat(positive(out, "8 cli: one job of [\\d,]+ empty tasks submitted with ./grid submit .*?: ([\\d,]+) tasks/s "
                + "\\(median of [2-9] runs")).as(out).isTrue();
        assertThat(positive(out, "8 cli: one job .*; ([\\d.]+)x the Hazelcast executor of figure 7")).as(out).isTrue();
        assertThat(positive(out, "8 cli: wall time .*: ./grid status JOB ([\\d.]+) s \\(median of [2-9] runs")).as(out).isTrue();
        assertThat(positive(out, "8 cli: wall time .*; ./grid --version ([\\d.]+) s \\(median of [2-9] runs")).as(out).isTrue();
        assertThat(positive(out, "8 cli: wall time .*without the class archive \\(GRID_CDS=off\\) ([\\d.]+) s \\(median"))
                .as(out).isTrue();
        // the same figures with the master's store on PostgreSQL
        assertThat(positive(out, "6 postgres: throughput: one job of [\\d,]+ empty tasks on 2 workers .*?: ([\\d,]+) tasks/s"))
                .as(out).isTrue();
        assertThat(positive(out, "6 postgres: latency: submit to result of a one-task job, \\d+ in a row: p50 ([\\d.]+) ms"))
                .as(out).isTrue();
        assertThat(out).contains("same estimate 3.1");
        assertThat(out).containsPattern("heap (at most )?\\d+ MB");
        assertThat(out).containsPattern("all DEAD after [\\d.]+ s; \\d+ others declared DEAD");
    }

    private static boolean positive(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        return m.find() && Double.parseDouble(m.group(1).replace(",", "")) > 0;
    }
}
