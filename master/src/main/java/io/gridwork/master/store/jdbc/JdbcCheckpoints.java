package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.StoreBatch;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;

/**
 * Task checkpoints in the {@code task_checkpoint} table (one row per task, its latest state), written in the journal's
 * transactions: a save (an upsert that never replaces a newer save of the same attempt with an older one), an attempt
 * that started from one (the job's {@code resumed} count), and a job's end (its rows deleted).
 */
public final class JdbcCheckpoints {

    private final Jdbc jdbc;

    public JdbcCheckpoints(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** Stores the states, each replacing its task's row (the core sends a task's saves in order, newest last). */
    public void save(Connection c, List<StoreBatch.CheckpointSaved> saves) throws SQLException {
        String sql = jdbc.dialect().upsert("task_checkpoint", List.of("task_key"),
                List.of("task_key", "attempt_id", "seq", "state", "saved_at", "data_id"));
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (StoreBatch.CheckpointSaved save : saves) {
                s.setLong(1, TaskKeys.of(save.jobId(), save.index()));
                s.setLong(2, save.attemptId());
                s.setLong(3, save.seq());
                s.setBytes(4, save.state());
                s.setTimestamp(5, Timestamp.from(save.at()));
                s.setString(6, save.dataId());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Counts attempts that started from a checkpoint, by job. */
    public void resumed(Connection c, List<StoreBatch.CheckpointResumed> resumed) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE job SET resumed = resumed + ? WHERE id = ?")) {
            for (StoreBatch.CheckpointResumed r : resumed) {
                s.setLong(1, r.count());
                s.setString(2, r.jobId());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Deletes the checkpoints of jobs that ended. */
    public void delete(Connection c, List<StoreBatch.CheckpointsDeleted> jobs) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM task_checkpoint WHERE task_key >= ? AND task_key < ?")) {
            for (StoreBatch.CheckpointsDeleted d : jobs) {
                if (!TaskKeys.isJobId(d.jobId())) {
                    continue;
                }
                s.setLong(1, TaskKeys.first(d.jobId()));
                s.setLong(2, TaskKeys.end(d.jobId()));
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** The checkpoint rows of a job (for tests and the read side): how many there are. */
    public long count(String jobId) {
        if (!TaskKeys.isJobId(jobId)) {
            return 0;
        }
        return jdbc.query("SELECT COUNT(*) FROM task_checkpoint WHERE task_key >= ? AND task_key < ?", s -> {
            s.setLong(1, TaskKeys.first(jobId));
            s.setLong(2, TaskKeys.end(jobId));
        }, rs -> rs.getLong(1)).get(0);
    }
}
