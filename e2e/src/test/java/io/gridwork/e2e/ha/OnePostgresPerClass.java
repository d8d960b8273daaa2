package io.gridwork.e2e.ha;

import io.gridwork.bench.support.PostgresServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * One embedded PostgreSQL server for all the tests of a class (it takes seconds to start); each test makes a
 * database of its own on it ({@link HaGrid}). The directory holds the server's data and every test's processes.
 */
abstract class OnePostgresPerClass {

    @TempDir
    static Path dir;

    static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PostgresServer.start(dir.resolve("postgres"));
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }
}
