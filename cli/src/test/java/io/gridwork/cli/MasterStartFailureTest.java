package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A master that cannot start says the real cause in one line and exits 2. */
class MasterStartFailureTest {

    @TempDir
    Path dir;

    @Test
    void aSecondMasterOnADataDirectoryInUseIsToldAtOnce() throws Exception {
        Path data = dir.resolve("m");
        try (GridMaster first = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0)
                .httpPort(MasterOptions.HTTP_OFF).dataDir(data).build())) {
            GridRun second = LocalGrid.run("master", "--bind", "127.0.0.1", "--port", "0", "--http-port=-1",
                    "--data", data.toString());
            assertThat(second.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(second.err()).contains("grid master: the data directory " + data.toAbsolutePath()
                    + " is in use by another master (pid " + ProcessHandle.current().pid() + ")")
                    .contains("another --data")
                    .doesNotContain("locked").doesNotContain("Exception");
            assertThat(second.err().strip().lines()).hasSize(1);
        }
        // the first one let go of it: the directory is free again
        try (GridMaster again = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0)
                .httpPort(MasterOptions.HTTP_OFF).dataDir(data).build())) {
            assertThat(again.port()).isPositive();
        }
    }

    @Test
    void aTakenPortIsNamedAsSuchNotAsADataDirectoryInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            GridRun run = LocalGrid.run("master", "--bind", "127.0.0.1", "--port", Integer.toString(port),
                    "--http-port=-1", "--data", dir.resolve("a").toString());
            assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).contains("port " + port + " on 127.0.0.1 is in use by another program")
                    .contains("--port").doesNotContain("data directory");

            GridRun http = LocalGrid.run("master", "--bind", "127.0.0.1", "--port", "0",
                    "--http-port", Integer.toString(port), "--data", dir.resolve("b").toString());
            assertThat(http.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(http.err()).contains("the dashboard's port " + port + " on 127.0.0.1 is in use")
                    .contains("--http-port").doesNotContain("data directory");
        }
    }
}
