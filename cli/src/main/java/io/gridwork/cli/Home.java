package io.gridwork.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where Gridwork is installed: the launcher passes {@code -Dgridwork.home}. */
final class Home {

    private Home() {}

    static Path dir() {
        String home = System.getProperty("gridwork.home");
        return home == null ? Path.of("").toAbsolutePath() : Path.of(home);
    }

    /** The examples jar: built in a source tree, or shipped in a distribution. */
    static Path examplesJar() {
        Path home = dir();
        for (Path candidate : List.of(home.resolve("examples/target/gridwork-examples.jar"),
                home.resolve("lib/gridwork-examples.jar"), home.resolve("examples/gridwork-examples.jar"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return home.resolve("examples/target/gridwork-examples.jar");
    }
}
