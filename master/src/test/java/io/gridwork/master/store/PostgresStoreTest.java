package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on PostgreSQL: one embedded server for the class, a fresh database per test. */
class PostgresStoreTest extends StoreContract {

    private static PostgresFixture postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresFixture.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    protected StoreConfig freshDatabase() {
        return postgres.newDatabase();
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
