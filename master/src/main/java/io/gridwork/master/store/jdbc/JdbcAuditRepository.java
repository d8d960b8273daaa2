package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.AuditRepository;
import io.gridwork.master.store.AuditRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;

/** The audit log in the {@code audit} table. */
public final class JdbcAuditRepository implements AuditRepository {

    private final Jdbc jdbc;

    public JdbcAuditRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void insert(AuditRow a) {
        jdbc.inTransaction(c -> {
            insert(c, a);
            return null;
        });
    }

    /** Appends an entry within the caller's transaction (a job's submission is audited in the job's commit). */
    public void insert(Connection c, AuditRow a) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")) {
            s.setTimestamp(1, Timestamp.from(a.at()));
            s.setString(2, Jdbc.truncate(a.actor(), 300));
            s.setString(3, Jdbc.truncate(a.action(), 64));
            s.setString(4, Jdbc.truncate(a.target(), 300));
            s.setString(5, Jdbc.truncate(a.detail(), 2000));
            s.executeUpdate();
        }
    }

    @Override
    public List<AuditRow> recent(int limit) {
        return jdbc.query("SELECT seq, at, actor, action, target, detail FROM audit ORDER BY seq DESC LIMIT ?",
                s -> s.setInt(1, limit), rs -> new AuditRow(rs.getLong(1), Jdbc.instant(rs, 2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6)));
    }
}
