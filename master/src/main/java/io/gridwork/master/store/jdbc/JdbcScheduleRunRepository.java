package io.gridwork.master.store.jdbc;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.ScheduleRunRepository;
import io.gridwork.master.store.ScheduleRunRow;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Firings of schedules in {@code schedule_run}, read with the state of the job each started. */
public final class JdbcScheduleRunRepository implements ScheduleRunRepository {

    private static final String SELECT = "SELECT r.seq, r.schedule, r.scheduled_for, r.fired_at, r.outcome, r.job_id, "
            + "r.reason, j.state FROM schedule_run r LEFT JOIN job j ON j.id = r.job_id ";

    private final Jdbc jdbc;

    public JdbcScheduleRunRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public long insert(ScheduleRunRow run) {
        return jdbc.inTransaction(c -> {
            try (PreparedStatement s = jdbc.dialect().prepareInsertReturning(c, "INSERT INTO schedule_run (schedule, "
                    + "scheduled_for, fired_at, outcome, job_id, reason) VALUES (?, ?, ?, ?, ?, ?)", "seq")) {
                s.setString(1, run.schedule());
                s.setTimestamp(2, Jdbc.timestamp(run.scheduledFor()));
                s.setTimestamp(3, Jdbc.timestamp(run.firedAt()));
                s.setString(4, run.outcome().name());
                s.setString(5, run.jobId());
                s.setString(6, run.reason());
                s.executeUpdate();
                try (ResultSet keys = s.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    @Override
    public void update(long seq, ScheduleRunRow.Outcome outcome, String jobId, String reason) {
        jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE schedule_run SET outcome = ?, job_id = ?, reason = ? WHERE seq = ?")) {
                s.setString(1, outcome.name());
                s.setString(2, jobId);
                s.setString(3, reason);
                s.setLong(4, seq);
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<ScheduleRunRow> recent(String schedule, int limit) {
        return jdbc.query(SELECT + "WHERE r.schedule = ? ORDER BY r.seq DESC LIMIT ?", s -> {
            s.setString(1, schedule);
            s.setInt(2, limit);
        }, JdbcScheduleRunRepository::row);
    }

    @Override
    public List<ScheduleRunRow> waiting() {
        return jdbc.query(SELECT + "WHERE r.outcome = ? ORDER BY r.seq",
                s -> s.setString(1, ScheduleRunRow.Outcome.WAITING.name()), JdbcScheduleRunRepository::row);
    }

    @Override
    public Optional<ScheduleRunRow> lastSubmitted(String schedule) {
        return jdbc.query(SELECT + "WHERE r.schedule = ? AND r.job_id IS NOT NULL ORDER BY r.seq DESC LIMIT 1",
                s -> s.setString(1, schedule), JdbcScheduleRunRepository::row).stream().findFirst();
    }

    @Override
    public void deleteFor(String schedule) {
        jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM schedule_run WHERE schedule = ?")) {
                s.setString(1, schedule);
                s.executeUpdate();
            }
            return null;
        });
    }

    private static ScheduleRunRow row(ResultSet rs) throws SQLException {
        String state = rs.getString(8);
        return new ScheduleRunRow(rs.getLong(1), rs.getString(2), Jdbc.instant(rs, 3), Jdbc.instant(rs, 4),
                ScheduleRunRow.Outcome.valueOf(rs.getString(5)), rs.getString(6), rs.getString(7),
                state == null ? null : JobState.valueOf(state));
    }
}
