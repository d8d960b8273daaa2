package io.gridwork.master.core;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh {@link Harness} with the default options for each test, in a directory of its own, closed after it. */
abstract class HarnessTestBase {

    @TempDir
    Path dir;

    Harness h;

    @BeforeEach
    void setUpHarness() throws Exception {
        h = new Harness(dir);
    }

    @AfterEach
    void closeHarness() {
        h.close();
    }
}
