package io.gridwork.master.store.jdbc;

import io.gridwork.master.model.AttemptOutcome;
import io.gridwork.master.store.AttemptUsage;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.TaskAttemptRow;
import io.gridwork.master.store.StoredTask;
import io.gridwork.master.store.StoredTaskState;
import io.gridwork.master.store.TaskCounts;
import io.gridwork.master.store.TaskDurations;
import io.gridwork.master.store.TaskRepository;
import io.gridwork.master.store.TaskView;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Tasks in the {@code task} table, keyed by {@link TaskKeys} (the job's number and the task's index in one BIGINT).
 * Queries over a job's tasks read its range of keys in key order, which is index order; ordering by idx instead makes
 * the database sort every matching row for each page (a merge of N tasks would cost N^2 / page).
 */
public final class JdbcTaskRepository implements TaskRepository {

    private static final int OUTPUT_PAGE = 512;
    private static final int PENDING = StoredTaskState.PENDING.code();
    private static final int SUCCEEDED = StoredTaskState.SUCCEEDED.code();
    private static final int FAILED = StoredTaskState.FAILED.code();

    private final Jdbc jdbc;

    public JdbcTaskRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void insert(String jobId, long firstIndex, List<byte[]> inputs, boolean splitComplete) {
        jdbc.inTransaction(c -> {
            insert(c, jobId, firstIndex, inputs, splitComplete);
            return null;
        });
    }

    /** {@link #insert(String, long, List, boolean)} in the caller's transaction. */
    public void insert(Connection c, String jobId, long firstIndex, List<byte[]> inputs, boolean splitComplete)
            throws SQLException {
        insertRows(c, jobId, firstIndex, inputs);
        try (PreparedStatement s = c.prepareStatement("UPDATE job SET total_tasks = ?, split_complete = ?, "
                + "version = version + 1 WHERE id = ?")) {
            s.setLong(1, firstIndex + inputs.size());
            s.setBoolean(2, splitComplete);
            s.setString(3, jobId);
            s.executeUpdate();
        }
    }

    /** Stores pending tasks numbered from {@code firstIndex}, and nothing else, in the caller's transaction. */
    void insertRows(Connection c, String jobId, long firstIndex, List<byte[]> inputs) throws SQLException {
        if (inputs.isEmpty()) {
            return;
        }
        // rows go in statements of INSERT_ROWS rows, then of 16, then one by one: a statement per row made inserting a
        // big job's tasks the larger part of its commits (H2 runs each statement of a batch on its own), and three
        // sizes only keep the statements parsed once in the connection's cache
        long index = firstIndex;
        long key = TaskKeys.of(jobId, firstIndex);
        TaskKeys.of(jobId, firstIndex + inputs.size() - 1); // the last one's index is in range too
        int next = 0;
        for (int rows : INSERT_SIZES) {
            int statements = (inputs.size() - next) / rows;
            if (statements == 0) {
                continue;
            }
            try (PreparedStatement s = c.prepareStatement(insertSql(rows))) {
                for (int n = 0; n < statements; n++) {
                    int p = 1;
                    for (int i = 0; i < rows; i++) {
                        s.setLong(p++, key++);
                        s.setString(p++, jobId);
                        s.setLong(p++, index++);
                        s.setInt(p++, PENDING);
                        s.setBytes(p++, inputs.get(next++));
                    }
                    s.executeUpdate();
                }
            }
        }
    }

    /** Rows of tasks in one INSERT statement, largest first; the last is 1. */
    private static final int[] INSERT_SIZES = {128, 16, 1};

    private static final String[] INSERT_SQL = new String[INSERT_SIZES[0] + 1];

    /** {@code INSERT INTO task ... VALUES} with {@code rows} rows of parameters (1 to 128). */
    static String insertSql(int rows) {
        String sql = INSERT_SQL[rows];
        if (sql == null) {
            StringBuilder b = new StringBuilder("INSERT INTO task (task_key, job_id, idx, state, input) VALUES "
                    + "(?, ?, ?, ?, ?)");
            for (int i = 1; i < rows; i++) {
                b.append(", (?, ?, ?, ?, ?)");
            }
            sql = b.toString();
            INSERT_SQL[rows] = sql; // racy but idempotent: every thread builds the same string
        }
        return sql;
    }

    /**
     * Stores outputs of tasks that are still pending, so an output is never stored twice; per success, in order,
     * whether it was written.
     */
    public boolean[] succeed(Connection c, List<StoreBatch.TaskSuccess> successes) throws SQLException {
        // the usage ledger's record of the attempt, when it is kept on the task's row (V14), in the same UPDATE
        try (PreparedStatement s = c.prepareStatement("UPDATE task SET state = ?, output = ?, worker_id = ?, "
                + "duration_ms = ?, usage_slots = ?, usage_run_ms = ?, usage_cpu_nanos = ?, usage_cost_factor = ?, "
                + "usage_ended_at = ? WHERE task_key = ? AND state = ?")) {
            for (StoreBatch.TaskSuccess t : successes) {
                s.setInt(1, SUCCEEDED);
                s.setBytes(2, t.output());
                s.setString(3, t.workerId());
                s.setLong(4, t.durationMs());
                AttemptUsage u = t.usage();
                if (u == null) {
                    s.setNull(5, Types.INTEGER);
                    s.setNull(6, Types.BIGINT);
                    s.setNull(7, Types.BIGINT);
                    s.setNull(8, Types.DOUBLE);
                    s.setNull(9, Types.TIMESTAMP_WITH_TIMEZONE);
                } else {
                    s.setInt(5, u.slots());
                    s.setLong(6, u.runMs());
                    s.setLong(7, u.cpuNanos());
                    s.setDouble(8, u.costFactor());
                    s.setTimestamp(9, Jdbc.timestamp(t.endedAt()));
                }
                s.setLong(10, TaskKeys.orNone(t.jobId(), t.index()));
                s.setInt(11, PENDING);
                s.addBatch();
            }
            int[] counts = s.executeBatch();
            boolean[] written = new boolean[counts.length];
            for (int i = 0; i < counts.length; i++) {
                written[i] = counts[i] != 0;
            }
            return written;
        }
    }

    /** Records failed or lost attempts of tasks that stay pending. */
    public void attemptsFailed(Connection c, List<StoreBatch.TaskAttemptFailed> failures) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE task SET failures = ?, losses = ?, crashes = ?, "
                + "error = ? WHERE task_key = ? AND state = ?")) {
            for (StoreBatch.TaskAttemptFailed f : failures) {
                s.setInt(1, f.failures());
                s.setInt(2, f.losses());
                s.setInt(3, f.crashes());
                s.setString(4, Jdbc.truncate(f.error(), 4000));
                s.setLong(5, TaskKeys.orNone(f.jobId(), f.index()));
                s.setInt(6, PENDING);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Marks pending tasks as failed for good. */
    public void failed(Connection c, List<StoreBatch.TaskFailed> failures) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE task SET state = ?, failures = ?, losses = ?, "
                + "crashes = ?, error = ? WHERE task_key = ? AND state = ?")) {
            for (StoreBatch.TaskFailed f : failures) {
                s.setInt(1, FAILED);
                s.setInt(2, f.failures());
                s.setInt(3, f.losses());
                s.setInt(4, f.crashes());
                s.setString(5, Jdbc.truncate(f.error(), 4000));
                s.setLong(6, TaskKeys.orNone(f.jobId(), f.index()));
                s.setInt(7, PENDING);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /**
     * Keeps ended attempts in the tasks' attempt history; a failed, timed-out or lost attempt also names its worker on
     * its task's row while the task has not succeeded (the row of a failed task says where it last ran).
     */
    public void attemptsEnded(Connection c, List<TaskAttemptRow> attempts) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO task_attempt (job_id, idx, attempt, attempt_id, "
                + "worker_id, worker_name, started_at, ended_at, outcome, duration_ms, error, exception_type, "
                + "stack_trace, log_data, log_cut_bytes, slots, run_ms, cpu_nanos, cost_factor, lost_race) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                PreparedStatement ranOn = c.prepareStatement("UPDATE task SET worker_id = ? WHERE task_key = ? "
                        + "AND state <> ?")) {
            boolean anyRanOn = false;
            for (TaskAttemptRow a : attempts) {
                int i = 1;
                s.setString(i++, a.jobId());
                s.setLong(i++, a.index());
                s.setInt(i++, a.attempt());
                s.setLong(i++, a.attemptId());
                s.setString(i++, Jdbc.truncate(a.workerId(), 64));
                s.setString(i++, Jdbc.truncate(a.workerName(), 200));
                s.setTimestamp(i++, Jdbc.timestamp(a.startedAt()));
                s.setTimestamp(i++, Jdbc.timestamp(a.endedAt()));
                s.setString(i++, a.outcome().name());
                s.setLong(i++, a.durationMs());
                s.setString(i++, text(a.error(), 4000));
                s.setString(i++, text(a.exceptionType(), 500));
                s.setString(i++, text(a.stackTrace(), TaskAttemptRow.MAX_STACK_TRACE_CHARS));
                s.setBytes(i++, a.storedLog());
                s.setLong(i++, a.storedLogCutBytes());
                // the usage ledger's record (V14); slots 0: none
                AttemptUsage u = a.usage();
                s.setInt(i++, u == null ? 0 : u.slots());
                s.setLong(i++, u == null ? 0 : u.runMs());
                s.setLong(i++, u == null ? 0 : u.cpuNanos());
                s.setDouble(i++, u == null ? 1 : u.costFactor());
                s.setBoolean(i, u != null && u.lostRace());
                s.addBatch();
                if (a.workerId() != null && a.outcome() != AttemptOutcome.SUCCEEDED
                        && a.outcome() != AttemptOutcome.CANCELLED) {
                    ranOn.setString(1, a.workerId());
                    ranOn.setLong(2, TaskKeys.orNone(a.jobId(), a.index()));
                    ranOn.setInt(3, SUCCEEDED);
                    ranOn.addBatch();
                    anyRanOn = true;
                }
            }
            s.executeBatch();
            if (anyRanOn) {
                ranOn.executeBatch();
            }
        }
    }

    /**
     * Text for a VARCHAR column: empty is null, at most {@code max} characters, and no NUL character (which PostgreSQL
     * refuses in text, and which would fail the whole batch; a task's exception message may hold one).
     */
    private static String text(String s, int max) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        return Jdbc.truncate(s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD'), max);
    }

    @Override
    public List<TaskAttemptRow> attempts(String jobId, Long index, int attempt, boolean failuresOnly, long afterSeq,
            int limit) {
        String sql = "SELECT seq, job_id, idx, attempt, attempt_id, worker_id, worker_name, started_at, ended_at, "
                + "outcome, duration_ms, error, exception_type, stack_trace, log_data, log_cut_bytes, slots, run_ms, "
                + "cpu_nanos, cost_factor, lost_race FROM task_attempt "
                + "WHERE job_id = ?" + (index != null ? " AND idx = ?" : "") + (attempt > 0 ? " AND attempt = ?" : "")
                + (failuresOnly ? " AND outcome <> '" + AttemptOutcome.SUCCEEDED.name() + "'" : "")
                + " AND seq > ? ORDER BY " + (index != null ? "job_id, idx, seq" : "job_id, seq") + " LIMIT ?";
        return jdbc.query(sql, s -> {
            int i = 1;
            s.setString(i++, jobId);
            if (index != null) {
                s.setLong(i++, index);
            }
            if (attempt > 0) {
                s.setInt(i++, attempt);
            }
            s.setLong(i++, afterSeq);
            s.setInt(i, limit);
        }, rs -> {
            byte[] log = rs.getBytes(15);
            AttemptOutcome outcome;
            try {
                outcome = AttemptOutcome.valueOf(rs.getString(10));
            } catch (IllegalArgumentException newer) {
                return null; // written by a newer master: this one cannot say what it means
            }
            return new TaskAttemptRow(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getInt(4), rs.getLong(5),
                    rs.getString(6), rs.getString(7), Jdbc.instant(rs, 8), Jdbc.instant(rs, 9), outcome, rs.getLong(11),
                    rs.getString(12), rs.getString(13), rs.getString(14),
                    log == null ? "" : new String(log, StandardCharsets.UTF_8), rs.getLong(16),
                    rs.getInt(17) > 0 ? new AttemptUsage(rs.getInt(17), rs.getLong(18), rs.getLong(19), rs.getDouble(20),
                            rs.getBoolean(21)) : null);
        });
    }

    @Override
    public List<StoredTask> pending(String jobId, long afterIndex, int limit) {
        if (!TaskKeys.isJobId(jobId)) {
            return List.of();
        }
        return jdbc.query("SELECT t.idx, t.input, t.failures, t.losses, t.crashes, c.state, c.data_id FROM task t "
                + "LEFT JOIN task_checkpoint c ON c.task_key = t.task_key WHERE t.task_key > ? AND t.task_key < ? "
                + "AND t.state = ? ORDER BY t.task_key LIMIT ?", s -> {
                    s.setLong(1, TaskKeys.at(jobId, afterIndex));
                    s.setLong(2, TaskKeys.end(jobId));
                    s.setInt(3, PENDING);
                    s.setInt(4, limit);
                }, rs -> new StoredTask(rs.getLong(1), rs.getBytes(2), rs.getInt(3), rs.getInt(4), rs.getInt(5),
                        rs.getBytes(6), rs.getString(7)));
    }

    @Override
    public Optional<StoredTask> pending(String jobId, long index) {
        if (!TaskKeys.isJobId(jobId)) {
            return Optional.empty();
        }
        if (index < 0 || index >= TaskKeys.MAX_TASKS) {
            return Optional.empty();
        }
        return jdbc.query("SELECT t.idx, t.input, t.failures, t.losses, t.crashes, c.state, c.data_id FROM task t "
                + "LEFT JOIN task_checkpoint c ON c.task_key = t.task_key WHERE t.task_key = ? AND t.state = ?",
                s -> {
                    s.setLong(1, TaskKeys.of(jobId, index));
                    s.setInt(2, PENDING);
                }, rs -> new StoredTask(rs.getLong(1), rs.getBytes(2), rs.getInt(3), rs.getInt(4), rs.getInt(5),
                        rs.getBytes(6), rs.getString(7)))
                .stream().findFirst();
    }

    @Override
    public TaskCounts count(String jobId) {
        if (!TaskKeys.isJobId(jobId)) {
            return new TaskCounts(0, 0, 0, 0);
        }
        long[] counts = new long[StoredTaskState.values().length];
        jdbc.query("SELECT state, COUNT(*) FROM task WHERE task_key >= ? AND task_key < ? GROUP BY state", s -> {
            s.setLong(1, TaskKeys.first(jobId));
            s.setLong(2, TaskKeys.end(jobId));
        }, rs -> {
            counts[StoredTaskState.ofCode(rs.getInt(1)).ordinal()] = rs.getLong(2);
            return null;
        });
        return new TaskCounts(counts[StoredTaskState.PENDING.ordinal()], counts[StoredTaskState.SUCCEEDED.ordinal()],
                counts[StoredTaskState.FAILED.ordinal()], counts[StoredTaskState.CANCELLED.ordinal()]);
    }

    @Override
    public List<TaskView> page(String jobId, long fromIndex, StoredTaskState state, boolean errorsOnly, int limit) {
        if (!TaskKeys.isJobId(jobId)) {
            return List.of();
        }
        String sql = "SELECT idx, state, failures, losses, crashes, worker_id, duration_ms, error FROM task "
                + "WHERE task_key >= ? AND task_key < ?" + (state != null ? " AND state = ?" : "")
                + (errorsOnly ? " AND error IS NOT NULL" : "") + " ORDER BY task_key LIMIT ?";
        return jdbc.query(sql, s -> {
            int i = 1;
            s.setLong(i++, TaskKeys.at(jobId, Math.max(0, fromIndex)));
            s.setLong(i++, TaskKeys.end(jobId));
            if (state != null) {
                s.setInt(i++, state.code());
            }
            s.setInt(i, limit);
        }, rs -> {
            long d = rs.getLong(7);
            Long duration = rs.wasNull() ? null : d;
            return new TaskView(rs.getLong(1), StoredTaskState.ofCode(rs.getInt(2)), rs.getInt(3), rs.getInt(4),
                    rs.getInt(5), rs.getString(6), duration, rs.getString(8));
        });
    }

    @Override
    public long[] durationHistogram(String jobId) {
        if (!TaskKeys.isJobId(jobId)) {
            return new long[TaskDurations.buckets()];
        }
        long[] bounds = TaskDurations.bucketBoundsMs();
        long[] counts = new long[TaskDurations.buckets()];
        StringBuilder bucket = new StringBuilder("CASE");
        for (int i = 0; i < bounds.length; i++) {
            bucket.append(" WHEN duration_ms < ").append(bounds[i]).append(" THEN ").append(i);
        }
        bucket.append(" ELSE ").append(bounds.length).append(" END");
        jdbc.query("SELECT " + bucket + " AS b, COUNT(*) FROM task WHERE task_key >= ? AND task_key < ? AND state = ? "
                + "AND duration_ms IS NOT NULL GROUP BY b", s -> {
                    s.setLong(1, TaskKeys.first(jobId));
                    s.setLong(2, TaskKeys.end(jobId));
                    s.setInt(3, SUCCEEDED);
                }, rs -> {
                    counts[rs.getInt(1)] = rs.getLong(2);
                    return null;
                });
        return counts;
    }

    @Override
    public Optional<String> firstError(String jobId) {
        if (!TaskKeys.isJobId(jobId)) {
            return Optional.empty();
        }
        return jdbc.query("SELECT error FROM task WHERE task_key >= ? AND task_key < ? AND state = ? ORDER BY task_key "
                + "LIMIT 1", s -> {
            s.setLong(1, TaskKeys.first(jobId));
            s.setLong(2, TaskKeys.end(jobId));
            s.setInt(3, FAILED);
        }, rs -> rs.getString(1)).stream().findFirst();
    }

    @Override
    public Stream<byte[]> outputs(String jobId) {
        if (!TaskKeys.isJobId(jobId)) {
            return Stream.empty();
        }
        Iterator<byte[]> pages = new Iterator<>() {
            private List<byte[]> page = List.of();
            private int next;
            private long lastIndex = -1;
            private boolean exhausted;

            @Override
            public boolean hasNext() {
                if (next < page.size()) {
                    return true;
                }
                if (exhausted) {
                    return false;
                }
                List<Long> indexes = new ArrayList<>();
                page = jdbc.query("SELECT idx, output FROM task WHERE task_key > ? AND task_key < ? AND state = ? "
                        + "ORDER BY task_key LIMIT ?", s -> {
                            s.setLong(1, TaskKeys.at(jobId, lastIndex));
                            s.setLong(2, TaskKeys.end(jobId));
                            s.setInt(3, SUCCEEDED);
                            s.setInt(4, OUTPUT_PAGE);
                        }, rs -> {
                            indexes.add(rs.getLong(1));
                            return rs.getBytes(2);
                        });
                next = 0;
                if (page.size() < OUTPUT_PAGE) {
                    exhausted = true;
                }
                if (!indexes.isEmpty()) {
                    lastIndex = indexes.get(indexes.size() - 1);
                }
                return !page.isEmpty();
            }

            @Override
            public byte[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.get(next++);
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED | Spliterator.NONNULL),
                false);
    }
}
