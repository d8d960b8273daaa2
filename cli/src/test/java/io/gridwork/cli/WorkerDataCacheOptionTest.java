package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code grid worker --data-cache SIZE}: sizes as people write them, and a clear usage error for bad ones. */
class WorkerDataCacheOptionTest {

    @Test
    void sizesTakeTheUnitsOfDisks() {
        WorkerCommand.DataCacheSize c = new WorkerCommand.DataCacheSize();
        assertThat(c.convert("10g")).isEqualTo(10L << 30);
        assertThat(c.convert("512m")).isEqualTo(512L << 20);
        assertThat(c.convert("1TiB")).isEqualTo(1L << 40);
        assertThat(c.convert("4194304")).isEqualTo(4L << 20);
        assertThatThrownBy(() -> c.convert("ten gigs")).isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessage("'ten gigs' is not a size (for example 10g, 512m)");
        assertThatThrownBy(() -> c.convert("99999999999t")).isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessage("'99999999999t' is too large");
    }

    @Test
    void aCacheSmallerThanOneChunkIsAUsageError() {
        GridRun run = LocalGrid.run("worker", "--insecure", "--master", "127.0.0.1:1", "--data-cache", "1m");
        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("data-cache must be at least 4 MiB (one chunk), or 0 for the default, got 1048576 bytes")
                .doesNotContain("Exception");
    }

    @Test
    void aSizeThatIsNotOneIsAUsageError() {
        GridRun run = LocalGrid.run("worker", "--insecure", "--master", "127.0.0.1:1", "--data-cache", "lots");
        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("'lots' is not a size").doesNotContain("Exception");
    }
}
