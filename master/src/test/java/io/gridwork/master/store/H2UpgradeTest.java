package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;

import db.migration.V5__Quartz_job_store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * H2 data directories created before the migrations were split by database keep working: their Flyway history
 * (script names, checksums, the Java migration's class name) still validates against the new layout.
 */
class H2UpgradeTest {

    /** The migrations of the version before PostgreSQL support, which Flyway found in {@code classpath:db/migration}. */
    private static final List<String> OLD_SCRIPTS = List.of("V1__initial_schema.sql", "V2__failure_detection.sql",
            "V3__security.sql", "V4__placement.sql", "V6__schedules.sql", "V7__job_durations.sql");

    @Test
    void aStoreMigratedByTheOldLayoutOpensAndKeepsItsData(@TempDir Path dir) throws Exception {
        StoreConfig config = StoreConfig.h2(dir.resolve("data"));
        Path oldLocation = Files.createDirectories(dir.resolve("old-migrations"));
        for (String script : OLD_SCRIPTS) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream("db/migration/h2/" + script)) {
                assertThat(in).as(script).isNotNull();
                Files.copy(in, oldLocation.resolve(script));
            }
        }
        // The old master: its scripts at the root of a location, and V5 found as db.migration.V5__Quartz_job_store.
        Flyway.configure().dataSource(config.jdbcUrl(), config.user(), config.password())
                .locations("filesystem:" + oldLocation).javaMigrations(new V5__Quartz_job_store()).load().migrate();
        List<String> before = history(config);
        assertThat(before).hasSize(8).anySatisfy(row -> assertThat(row).startsWith("5|db.migration.V5__Quartz_job_store|"));
        try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
                Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO master_info (name, val) VALUES ('epoch', '41')");
            s.executeUpdate("INSERT INTO jar (sha256, size, file_name, uploaded_at) VALUES ('" + "a".repeat(64)
                    + "', 1, 'x.jar', CURRENT_TIMESTAMP)");
            s.executeUpdate("INSERT INTO job (id, seq, jar_sha256, job_class, args, state, max_attempts, task_timeout_ms, "
                    + "submitted_at) VALUES ('job-7', 7, '" + "a".repeat(64) + "', 'x.Job', '', 'QUEUED', 3, 0, "
                    + "CURRENT_TIMESTAMP)");
            // tasks stored under the former key (job_id, idx): one pending, one with its output
            s.executeUpdate("INSERT INTO task (job_id, idx, state, input, output) VALUES ('job-7', 0, "
                    + StoredTaskState.PENDING.code() + ", X'01', NULL), ('job-7', 1, " + StoredTaskState.SUCCEEDED.code()
                    + ", X'02', X'2A')");
        }

        try (Store store = Store.open(config)) {
            assertThat(store.epoch()).as("the old data is there").isEqualTo(42);
            JobRow old = store.jobs().find("job-7").orElseThrow();
            assertThat(old.ownerMaster()).as("stored before masters had ids").isNull();
            assertThat(old.version()).isZero();
            assertThat(old.leaseEpoch()).isZero();
            assertThat(old.dataSets()).as("stored before the data grid (V13): reads no data set").isEmpty();
            assertThat(old.placement().quorum()).as("stored before results by quorum (V17): no replicas").isEqualTo(1);
            assertThat(old.validated()).isZero();
            assertThat(store.trust().all()).isEmpty();
            assertThat(store.dataSets().all()).isEmpty();
            assertThat(store.dependencies().upstream("job-7")).as("stored before job dependencies (V16)").isEmpty();
            assertThat(store.dependencies().downstream("job-7")).isEmpty();
            assertThat(store.masterId()).isNotBlank();
            // the tasks moved to the key of one BIGINT (V12) and read as before
            assertThat(store.tasks().pending("job-7", -1, 10)).singleElement()
                    .satisfies(t -> assertThat(t.input()).containsExactly(1))
                    .satisfies(t -> assertThat(t.checkpoint()).as("no checkpoint before V15").isNull());
            assertThat(old.resumed()).as("stored before checkpoints (V15)").isZero();
            assertThat(store.tasks().outputs("job-7").toList()).singleElement()
                    .satisfies(o -> assertThat(o).containsExactly(42));
            assertThat(store.tasks().count("job-7").succeeded()).isEqualTo(1);
        }
        List<String> after = history(config);
        assertThat(after.subList(0, before.size())).as("the old history is untouched").isEqualTo(before);
        assertThat(after).allSatisfy(row -> assertThat(row).endsWith("|true"));
    }

    private static List<String> history(StoreConfig config) throws IOException, java.sql.SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT \"version\", \"script\", \"checksum\", \"success\" "
                        + "FROM \"flyway_schema_history\" ORDER BY \"installed_rank\"")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getBoolean(4));
            }
        }
        return rows;
    }
}
