package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.TrustRepository;
import io.gridwork.master.store.TrustRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;

/**
 * Trust records in {@code worker_trust}. Counts are added, never set, so masters that share the store (each deciding
 * the quorums of the jobs it owns) add to one record.
 */
public final class JdbcTrustRepository implements TrustRepository {

    private final Jdbc jdbc;

    public JdbcTrustRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public List<TrustRow> all() {
        return jdbc.query("SELECT worker_name, agreed, disagreed FROM worker_trust ORDER BY worker_name", s -> {},
                rs -> new TrustRow(rs.getString(1), rs.getLong(2), rs.getLong(3)));
    }

    @Override
    public boolean delete(String workerName) {
        return jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM worker_trust WHERE worker_name = ?")) {
                s.setString(1, workerName);
                return s.executeUpdate() > 0;
            }
        });
    }

    /** Adds counts in the caller's transaction: to the worker's row, or a new one. */
    public void count(Connection c, List<StoreBatch.TrustCounted> counts) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE worker_trust SET agreed = agreed + ?, "
                + "disagreed = disagreed + ?, updated_at = ? WHERE worker_name = ?");
                PreparedStatement insert = c.prepareStatement("INSERT INTO worker_trust (worker_name, agreed, "
                        + "disagreed, updated_at) VALUES (?, ?, ?, ?)")) {
            // one statement per worker: a commit holds the decisions of many tasks, mostly of the same few workers
            java.util.Map<String, StoreBatch.TrustCounted> sums = new java.util.LinkedHashMap<>();
            for (StoreBatch.TrustCounted t : counts) {
                sums.merge(t.workerName(), t, (x, y) -> new StoreBatch.TrustCounted(x.workerName(),
                        x.agreed() + y.agreed(), x.disagreed() + y.disagreed(), y.at()));
            }
            for (StoreBatch.TrustCounted t : sums.values()) {
                update.setLong(1, t.agreed());
                update.setLong(2, t.disagreed());
                update.setTimestamp(3, Timestamp.from(t.at()));
                update.setString(4, t.workerName());
                if (update.executeUpdate() == 0) {
                    insert.setString(1, t.workerName());
                    insert.setLong(2, t.agreed());
                    insert.setLong(3, t.disagreed());
                    insert.setTimestamp(4, Timestamp.from(t.at()));
                    insert.executeUpdate();
                }
            }
        }
    }
}
