package io.gridwork.master.store.jdbc;

import io.gridwork.master.model.WorkerEventType;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.KeyValues;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.WorkerEventRow;
import io.gridwork.master.store.WorkerRegistration;
import io.gridwork.master.store.WorkerRepository;
import io.gridwork.master.store.WorkerRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Workers in the {@code worker} table (one row per name) and their events in {@code worker_event}. */
public final class JdbcWorkerRepository implements WorkerRepository {

    private static final String SQL_STATE_UNIQUE_VIOLATION = "23505";

    private final Jdbc jdbc;

    public JdbcWorkerRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public WorkerRow register(WorkerRegistration registration) {
        return jdbc.inTransaction(c -> register(c, registration));
    }

    /**
     * {@link #register(WorkerRegistration)} in the caller's transaction. The row of a known name is locked, so
     * registrations of one name take incarnations one after the other. Concurrent first registrations of one name
     * both try to insert it: the loser's insert fails on the unique name, is rolled back to a savepoint, and it
     * registers as the next incarnation.
     */
    public WorkerRow register(Connection c, WorkerRegistration r) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            Savepoint savepoint = c.setSavepoint();
            try {
                WorkerRow row = registerOnce(c, r);
                c.releaseSavepoint(savepoint);
                return row;
            } catch (SQLException e) {
                if (!SQL_STATE_UNIQUE_VIOLATION.equals(e.getSQLState()) || attempt > 0) {
                    throw e;
                }
                c.rollback(savepoint);
            }
        }
    }

    private WorkerRow registerOnce(Connection c, WorkerRegistration r) throws SQLException {
        String id = null;
        long incarnation = 0;
        long completed = 0;
        long failed = 0;
        boolean drainRequested = false;
        Instant registeredAt = r.at();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT id, incarnation, completed, failed, drain_requested FROM worker WHERE name = ? FOR UPDATE")) {
            s.setString(1, r.name());
            ResultSet rs = s.executeQuery();
            if (rs.next()) {
                id = rs.getString(1);
                incarnation = rs.getLong(2);
                completed = rs.getLong(3);
                failed = rs.getLong(4);
                drainRequested = rs.getBoolean(5);
            }
        }
        incarnation++;
        if (id == null) {
            try (PreparedStatement s = c.prepareStatement(jdbc.dialect().nextValue("worker_seq"))) {
                ResultSet rs = s.executeQuery();
                rs.next();
                id = "w-" + rs.getLong(1);
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO worker (id, name, incarnation, state, slots, "
                    + "prefetch, labels, address, health_port, platform, registered_at, last_seen) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, id);
                s.setString(2, r.name());
                s.setLong(3, incarnation);
                s.setString(4, WorkerState.ALIVE.name());
                s.setInt(5, r.slots());
                s.setInt(6, r.prefetch());
                s.setString(7, KeyValues.encode(r.labels()));
                s.setString(8, r.address());
                s.setInt(9, r.healthPort());
                s.setString(10, KeyValues.encode(r.platform()));
                s.setTimestamp(11, Timestamp.from(r.at()));
                s.setTimestamp(12, Timestamp.from(r.at()));
                s.executeUpdate();
            }
        } else {
            try (PreparedStatement s = c.prepareStatement("UPDATE worker SET incarnation = ?, state = ?, slots = ?, "
                    + "prefetch = ?, labels = ?, address = ?, health_port = ?, platform = ?, registered_at = ?, "
                    + "last_seen = ? WHERE id = ?")) {
                s.setLong(1, incarnation);
                s.setString(2, WorkerState.ALIVE.name());
                s.setInt(3, r.slots());
                s.setInt(4, r.prefetch());
                s.setString(5, KeyValues.encode(r.labels()));
                s.setString(6, r.address());
                s.setInt(7, r.healthPort());
                s.setString(8, KeyValues.encode(r.platform()));
                s.setTimestamp(9, Timestamp.from(r.at()));
                s.setTimestamp(10, Timestamp.from(r.at()));
                s.setString(11, id);
                s.executeUpdate();
            }
        }
        return new WorkerRow(id, r.name(), incarnation, WorkerState.ALIVE, r.slots(), r.prefetch(), r.labels(),
                r.address(), r.healthPort(), r.platform(), completed, failed, registeredAt, r.at(), drainRequested);
    }

    /** Applies state changes in order, in the caller's transaction. */
    public void update(Connection c, List<StoreBatch.WorkerUpdate> updates) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE worker SET state = ?, last_seen = ?, drain_requested = ? WHERE id = ?")) {
            for (StoreBatch.WorkerUpdate u : updates) {
                s.setString(1, u.state().name());
                s.setTimestamp(2, Timestamp.from(u.lastSeen()));
                s.setBoolean(3, u.drainRequested());
                s.setString(4, u.id());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Adds to workers' counts of completed and failed tasks: {@code [completed, failed]} by worker id. */
    public void count(Connection c, Map<String, long[]> counters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE worker SET completed = completed + ?, failed = failed + ? WHERE id = ?")) {
            for (Map.Entry<String, long[]> e : counters.entrySet()) {
                s.setLong(1, e.getValue()[0]);
                s.setLong(2, e.getValue()[1]);
                s.setString(3, e.getKey());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Records worker events (their {@code seq} is ignored: the database numbers them), in the caller's transaction. */
    public void record(Connection c, List<WorkerEventRow> events) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO worker_event (worker_id, worker_name, type, "
                + "reason, incarnation, at) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (WorkerEventRow e : events) {
                s.setString(1, e.workerId());
                s.setString(2, e.workerName());
                s.setString(3, e.type().name());
                s.setString(4, Jdbc.truncate(e.reason(), 1000));
                s.setLong(5, e.incarnation());
                s.setTimestamp(6, Timestamp.from(e.at()));
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    @Override
    public List<WorkerRow> all() {
        return jdbc.query("SELECT id, name, incarnation, state, slots, prefetch, labels, address, health_port, platform, "
                + "completed, failed, registered_at, last_seen, drain_requested FROM worker ORDER BY name", s -> {},
                rs -> new WorkerRow(rs.getString(1), rs.getString(2), rs.getLong(3), WorkerState.valueOf(rs.getString(4)),
                        rs.getInt(5), rs.getInt(6), KeyValues.decode(rs.getString(7)), rs.getString(8), rs.getInt(9),
                        KeyValues.decode(rs.getString(10)), rs.getLong(11), rs.getLong(12), Jdbc.instant(rs, 13),
                        Jdbc.instant(rs, 14), rs.getBoolean(15)));
    }

    @Override
    public List<WorkerEventRow> events(String workerId, int limit) {
        String where = workerId == null ? "" : " WHERE worker_id = ?";
        List<WorkerEventRow> rows = jdbc.query("SELECT seq, worker_id, worker_name, type, reason, incarnation, at "
                + "FROM worker_event" + where + " ORDER BY seq DESC LIMIT ?", s -> {
                    int i = 1;
                    if (workerId != null) {
                        s.setString(i++, workerId);
                    }
                    s.setInt(i, limit);
                }, rs -> new WorkerEventRow(rs.getLong(1), rs.getString(2), rs.getString(3),
                        WorkerEventType.valueOf(rs.getString(4)), rs.getString(5), rs.getLong(6), Jdbc.instant(rs, 7)));
        Collections.reverse(rows);
        return rows;
    }
}
