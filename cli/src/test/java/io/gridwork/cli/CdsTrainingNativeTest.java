package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdsTrainingNativeTest {

    @Test
    void copiesNettysNativeLibrariesUnderTheNamesNettyLoads(@TempDir Path dir) throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("linux")
                && System.getProperty("os.arch").equals("amd64"), "the libraries are copied on Linux");
        Path target = dir.resolve("native");

        assertThat(CdsTraining.copyNativeLibraries(target)).isEqualTo(2);

        try (Stream<Path> files = Files.list(target)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "libio_grpc_netty_shaded_netty_tcnative_linux_x86_64.so",
                    "libio_grpc_netty_shaded_netty_transport_native_epoll_x86_64.so");
        }
        assertThat(Files.size(target.resolve("libio_grpc_netty_shaded_netty_tcnative_linux_x86_64.so"))).isPositive();
    }
}
