package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.bench.BenchMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code grid bench data --quick}: the data grid's benchmark still runs end to end (a master and 4 workers started with
 * {@code ./grid}, twice: with peer sharing and with {@code --no-peer-fetch}; {@code ./grid data put}, GrepJobs whose
 * results the bench checks against the counts it made while writing the data) and prints every figure. Not timed, and
 * no goal asserted: the figures are measured by the full run (see the README's Performance section).
 */
class DataBenchIT {

    @TempDir
    Path dir;

    @Test
    void everyFigureOfTheQuickDataBenchRunsAndPrintsItsNumbers() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int code;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = new CommandLine(new BenchMain()).execute("data", "--quick", "--dir", dir.toString());
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        assertThat(code).as(out).isZero();
        assertThat(out).containsPattern("data: a 32 MiB data set .*placement: \\d+ of 2 first jobs ran their 4 tasks on 4 "
                + "different workers");
        assertThat(number(out, "data 1 master bytes / data set size: during the job ([\\d.]+) x")).as(out).isNotNegative();
        assertThat(number(out, "data 1 .*; during the put's replication ([\\d.]+) x")).as(out).isNotNegative();
        // without peer fetch the workers that are not a chunk's homes must take it from the master
        assertThat(number(out, "data 1 .*without peer fetch \\(--no-peer-fetch\\): job ([\\d.]+) x")).as(out).isPositive();
        assertThat(number(out, "data 2 job time .*: with peer sharing ([\\d.]+) s")).as(out).isPositive();
        assertThat(number(out, "data 2 job time .*; master only \\(--no-peer-fetch\\) ([\\d.]+) s")).as(out).isPositive();
        assertThat(number(out, "data 3 second job over the same data: bytes read local ([\\d.]+) %")).as(out)
                .isBetween(0.0, 100.0);
        assertThat(number(out, "data put: ./grid data put of 32 MiB: ([\\d.]+) s")).as(out).isPositive();
    }

    private static double number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertThat(m.find()).as("%s in:%n%s", regex, out).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
