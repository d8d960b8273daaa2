package io.gridwork.master.store;

import org.junit.jupiter.api.BeforeAll;

/** The usage ledger on PostgreSQL: one embedded server for the class, a fresh database per test. */
class PostgresUsageLedgerTest extends UsageLedgerContract {

    private static PostgresFixture postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresFixture.shared();
    }

    @Override
    protected StoreConfig freshDatabase() {
        return postgres.newDatabase();
    }
}
