package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The masters on PostgreSQL: one embedded server for the class, a fresh database per test; and what only PostgreSQL
 * has, each master's session (an advisory lock on a connection of its own) that ends when its process dies.
 */
class PostgresMasterRepositoryTest extends MasterRepositoryContract {

    private static PostgresFixture postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresFixture.shared();
    }

    @Override
    protected StoreConfig freshDatabase() {
        return postgres.newDatabase();
    }

    /** Ends, from outside, the database session holding master {@code id}'s lock: as a PostgreSQL restart would. */
    private static int terminateSessionOf(Store s) throws Exception {
        try (Connection c = s.dataSource().getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
                        + "'gridwork-master-lease' AND datname = current_database()")) {
            int ended = 0;
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    ended += rs.getBoolean(1) ? 1 : 0;
                }
            }
            return ended;
        }
    }

    @Test
    void aMastersSessionEndsWithItsConnectionAndComesBackWithItsNextRenewal() throws Exception {
        Store a = master("a:7070");
        Store b = master("b:7070");
        assertThat(b.masters().sessionAlive(a.masterId())).isTrue();
        assertThat(b.masters().sessionAlive("never-joined")).isFalse();

        b.masters().leave(b.masterId());
        // a master that left ends its session (PostgreSQL drops the lock as the backend exits, just after the close)
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.masters().sessionAlive(b.masterId()));

        assertThat(terminateSessionOf(a)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !b.masters().sessionAlive(a.masterId()));
        assertThat(a.masters().renew(a.masterId(), "ACTIVE")).isTrue();
        assertThat(b.masters().sessionAlive(a.masterId())).as("taken again").isTrue();
    }

    @Test
    void aKilledMastersSessionEndsAtOnceAndItsJobsCanBeTakenBeforeItsLeaseExpires() {
        Store a = master("a:7070");
        Store b = master("b:7070");
        JobRow j = job(a);
        assertThat(b.masters().takeOver(a.masterId(), b.masterId(), b.epoch(), LONG, true))
                .as("its session is alive: the claim that it is gone is checked").isEmpty();

        a.close(); // the process dies: no leave, its session ends
        await().atMost(Duration.ofSeconds(10)).until(() -> !b.masters().sessionAlive(a.masterId()));
        assertThat(b.masters().find(a.masterId()).orElseThrow().leaseAgeMs()).isLessThan(LONG.toMillis());
        assertThat(b.masters().takeOver(a.masterId(), b.masterId(), b.epoch(), LONG, true).orElseThrow())
                .extracting(JobRow::id).containsExactly(j.id());
    }
}
