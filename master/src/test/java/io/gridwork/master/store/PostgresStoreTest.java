package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on PostgreSQL: one embedded server for the class, a fresh database per test. */
class PostgresStoreTest extends StoreContract {

    private static PostgresFixture postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresFixture.shared();
    }

    @Override
    protected StoreConfig freshDatabase() {
        return postgres.newDatabase();
    }

    @Test
    void tasksStoredUnderTheFormerKeyMoveToTheKeyOfOneBigint() throws Exception {
        StoreConfig config = postgres.newDatabase();
        // a store at version 11: tasks keyed by (job_id, idx)
        org.flywaydb.core.Flyway.configure().dataSource(config.jdbcUrl(), config.user(), config.password())
                .locations(Migrations.locations(Dialect.POSTGRES)).javaMigrations(new db.migration.V5__Quartz_job_store())
                .target("11").load().migrate();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
                java.sql.Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO jar (sha256, size, file_name, uploaded_at) VALUES ('" + "a".repeat(64)
                    + "', 1, 'x.jar', CURRENT_TIMESTAMP)");
            s.executeUpdate("INSERT INTO job (id, seq, jar_sha256, job_class, args, state, max_attempts, task_timeout_ms, "
                    + "submitted_at) VALUES ('job-7', 7, '" + "a".repeat(64) + "', 'x.Job', '', 'QUEUED', 3, 0, "
                    + "CURRENT_TIMESTAMP)");
            s.executeUpdate("INSERT INTO task (job_id, idx, state, input, output) VALUES ('job-7', 0, "
                    + StoredTaskState.PENDING.code() + ", '\\x01', NULL), ('job-7', 1, " + StoredTaskState.SUCCEEDED.code()
                    + ", '\\x02', '\\x2a')");
        }
        try (Store upgraded = Store.open(config)) {
            assertThat(upgraded.tasks().pending("job-7", -1, 10)).singleElement()
                    .satisfies(t -> assertThat(t.input()).containsExactly(1));
            assertThat(upgraded.tasks().outputs("job-7").toList()).singleElement()
                    .satisfies(o -> assertThat(o).containsExactly(42));
            // and new tasks of the job go on from there
            upgraded.tasks().insert("job-7", 2, java.util.List.of(new byte[] {3}), true);
            assertThat(upgraded.tasks().count("job-7").pending()).isEqualTo(2);
        }
    }

    @Test
    void itSaysItRunsOnPostgres() {
        assertThat(store.dialect()).isEqualTo(Dialect.POSTGRES);
        assertThat(store.dialect().isPostgres()).isTrue();
    }

    @Test
    void aSchemaNewerThanThisMasterIsRefused() throws Exception {
        StoreConfig config = postgres.newDatabase();
        String known;
        try (Store migrated = Store.open(config); Connection c = migrated.dataSource().getConnection();
                Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT MAX(CAST(version AS INT)) FROM flyway_schema_history");
            rs.next();
            known = rs.getString(1);
            s.executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
                    + "checksum, installed_by, execution_time, success) "
                    + "VALUES (1000, '99', 'from the future', 'SQL', 'V99__from_the_future.sql', 0, 'postgres', 1, TRUE)");
        }
        assertThatThrownBy(() -> Store.open(config)).isInstanceOf(StoreSchemaException.class)
                .hasMessage("the store's schema is at version 99, newer than this master's " + known + ": upgrade the master");
    }

    @Test
    void aDatabaseThatDoesNotExistIsReportedAsSuch() {
        assertThatThrownBy(() -> Store.open(new StoreConfig(postgres.jdbcUrl("no_such_database"), PostgresFixture.USER,
                PostgresFixture.USER)))
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("does not exist");
    }
}
