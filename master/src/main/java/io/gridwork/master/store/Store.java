package io.gridwork.master.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.gridwork.master.model.JobState;
import io.gridwork.master.model.TaskState;
import io.gridwork.master.model.WorkerState;
import java.nio.file.Path;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import javax.sql.DataSource;

/**
 * The master's durable state in H2: jars, jobs, tasks (inputs and outputs), workers. Schema changes are Flyway
 * migrations under {@code db/migration}. Thread-safe; every method uses its own pooled connection.
 *
 * <p>The file database is opened with {@code WRITE_DELAY=0}, so a committed transaction is in the file before
 * the commit returns: the master acknowledges a task's result only after that, and a {@code kill -9} of the
 * master loses nothing it acknowledged.
 */
public final class Store implements AutoCloseable {

    private static final int OUTPUT_PAGE = 512;

    private final HikariDataSource dataSource;
    private final Dialect dialect;

    private Store(StoreConfig config, int poolSize) {
        this.dialect = config.dialect();
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.jdbcUrl());
        if (config.user() != null) {
            hikari.setUsername(config.user());
        }
        if (config.password() != null) {
            hikari.setPassword(config.password());
        }
        hikari.setMaximumPoolSize(poolSize);
        hikari.setMinimumIdle(1);
        hikari.setPoolName("gridwork-db");
        hikari.setAutoCommit(true);
        // One attempt to connect when opening, so an unreachable database is reported at once, with its reason.
        hikari.setInitializationFailTimeout(1);
        try {
            this.dataSource = new HikariDataSource(hikari);
        } catch (HikariPool.PoolInitializationException e) {
            throw Unreachable.describe(config, e.getCause() == null ? e : e.getCause());
        }
        try {
            Migrations.migrate(dataSource, dialect);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /**
     * Opens the store a configuration names, creating and migrating its schema as needed.
     *
     * @throws StoreUnavailableException if the database cannot be reached (the message says why)
     * @throws StoreSchemaException if the database's schema is newer than this master
     */
    public static Store open(StoreConfig config) {
        return new Store(config, 10);
    }

    /** The store in {@code dataDir/gridwork.mv.db}, created and migrated as needed. Fails if another master has it open. */
    public static Store open(Path dataDir) {
        return open(StoreConfig.h2(dataDir));
    }

    /** A private in-memory store for tests. */
    public static Store inMemory(String name) {
        return open(StoreConfig.h2InMemory(name));
    }

    /** The database this store runs on. */
    public Dialect dialect() {
        return dialect;
    }

    /** The pooled data source, for components that share the master's database (such as the scheduler of timed jobs). */
    public DataSource dataSource() {
        return dataSource;
    }

    // ---------------------------------------------------------------- master

    /** Increments and returns the master's epoch: a number that grows with every start of the master. */
    public long nextEpoch() {
        return inTransaction(c -> {
            long epoch = 0;
            try (PreparedStatement s = c.prepareStatement("SELECT val FROM master_info WHERE name = 'epoch' FOR UPDATE")) {
                ResultSet rs = s.executeQuery();
                if (rs.next()) {
                    epoch = Long.parseLong(rs.getString(1));
                }
            }
            epoch++;
            try (PreparedStatement s = c.prepareStatement("MERGE INTO master_info (name, val) KEY (name) VALUES ('epoch', ?)")) {
                s.setString(1, Long.toString(epoch));
                s.executeUpdate();
            }
            return epoch;
        });
    }

    // ---------------------------------------------------------------- jars

    public void insertJar(JarRow jar) {
        inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "MERGE INTO jar (sha256, size, file_name, uploaded_at) KEY (sha256) VALUES (?, ?, ?, ?)")) {
                s.setString(1, jar.sha256());
                s.setLong(2, jar.size());
                s.setString(3, jar.fileName());
                s.setTimestamp(4, Timestamp.from(jar.uploadedAt()));
                s.executeUpdate();
            }
            return null;
        });
    }

    public Optional<JarRow> findJar(String sha256) {
        return query("SELECT sha256, size, file_name, uploaded_at FROM jar WHERE sha256 = ?", s -> s.setString(1, sha256),
                rs -> new JarRow(rs.getString(1), rs.getLong(2), rs.getString(3), instant(rs, 4))).stream().findFirst();
    }

    // ---------------------------------------------------------------- jobs

    private static final String JOB_COLUMNS = "id, jar_sha256, job_class, args, state, max_attempts, task_timeout_ms, "
            + "submitted_at, started_at, finished_at, total_tasks, split_complete, succeeded, failed, retried, lost, "
            + "rejected, error, result_text, result_media_type, result_size, owner, requirement, slots_per_task, priority, "
            + "speculation, speculated, schedule";

    /** Inserts a QUEUED job and returns it with its new id. */
    public JobRow insertJob(NewJob job) {
        return insertJob(job, List.of(), false);
    }

    /**
     * Stores a new job with the first batch of its tasks (indexes from 0) in one transaction: a job starts with one
     * commit, not two.
     *
     * @param splitComplete whether those are all its tasks
     */
    public JobRow insertJob(NewJob job, List<byte[]> firstTasks, boolean splitComplete) {
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<JobRow> row = batch.insertJob(job, firstTasks, splitComplete);
        apply(batch);
        return row.get();
    }

    private static JobRow insertJob(Connection c, StoreBatch.InsertJob insert) throws SQLException {
        NewJob job = insert.job();
        long seq;
        try (PreparedStatement s = c.prepareStatement("SELECT NEXT VALUE FOR job_seq")) {
            ResultSet rs = s.executeQuery();
            rs.next();
            seq = rs.getLong(1);
        }
        String id = "job-" + seq;
        try (PreparedStatement s = c.prepareStatement("INSERT INTO job (id, seq, jar_sha256, job_class, args, state, "
                + "max_attempts, task_timeout_ms, submitted_at, owner, requirement, slots_per_task, priority, speculation, "
                + "schedule) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, id);
            s.setLong(2, seq);
            s.setString(3, job.jarSha256());
            s.setString(4, job.jobClass());
            s.setString(5, KeyValues.encode(job.args()));
            s.setString(6, JobState.QUEUED.name());
            s.setInt(7, job.maxAttempts());
            s.setLong(8, job.taskTimeoutMs());
            s.setTimestamp(9, Timestamp.from(job.submittedAt()));
            s.setString(10, job.owner());
            s.setString(11, job.placement().requirement());
            s.setInt(12, job.placement().slotsPerTask());
            s.setInt(13, job.placement().priority());
            s.setBoolean(14, job.placement().speculation());
            s.setString(15, job.schedule());
            s.executeUpdate();
        }
        List<byte[]> firstTasks = insert.firstTasks();
        if (!firstTasks.isEmpty() || insert.splitComplete()) {
            writeTasks(c, id, 0, firstTasks, insert.splitComplete());
        }
        return new JobRow(id, job.jarSha256(), job.jobClass(), job.args(), JobState.QUEUED, job.maxAttempts(),
                job.taskTimeoutMs(), job.submittedAt(), null, null, firstTasks.size(), insert.splitComplete(), 0, 0, 0, 0,
                0, null, null, null, 0, job.owner(), job.placement(), 0, job.schedule());
    }

    public Optional<JobRow> findJob(String id) {
        return query("SELECT " + JOB_COLUMNS + " FROM job WHERE id = ?", s -> s.setString(1, id), Store::jobRow)
                .stream().findFirst();
    }

    /** The most recent jobs first; {@code states} empty means all; {@code owner} null means everyone's. */
    public List<JobRow> listJobs(int limit, Collection<JobState> states, String owner) {
        return listJobs(limit, states, owner, null);
    }

    /** The most recent jobs first, in {@code states} (any if empty), of {@code owner} and {@code schedule} if not null. */
    public List<JobRow> listJobs(int limit, Collection<JobState> states, String owner, String schedule) {
        List<String> conditions = new ArrayList<>();
        if (!states.isEmpty()) {
            conditions.add("state IN (" + states.stream().map(st -> "'" + st.name() + "'").collect(Collectors.joining(", ")) + ")");
        }
        if (owner != null) {
            conditions.add("owner = ?");
        }
        if (schedule != null) {
            conditions.add("schedule = ?");
        }
        String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
        return query("SELECT " + JOB_COLUMNS + " FROM job" + where + " ORDER BY seq DESC LIMIT ?", s -> {
            int i = 1;
            if (owner != null) {
                s.setString(i++, owner);
            }
            if (schedule != null) {
                s.setString(i++, schedule);
            }
            s.setInt(i, limit);
        }, Store::jobRow);
    }

    // ---------------------------------------------------------------- schedule runs

    /** Records what a schedule's firing did; returns the record's sequence number. */
    public long insertScheduleRun(ScheduleRunRow run) {
        return inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO schedule_run (schedule, scheduled_for, fired_at, "
                    + "outcome, job_id, reason) VALUES (?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                s.setString(1, run.schedule());
                s.setTimestamp(2, run.scheduledFor() == null ? null : Timestamp.from(run.scheduledFor()));
                s.setTimestamp(3, Timestamp.from(run.firedAt()));
                s.setString(4, run.outcome().name());
                s.setString(5, run.jobId());
                s.setString(6, run.reason());
                s.executeUpdate();
                ResultSet keys = s.getGeneratedKeys();
                keys.next();
                return keys.getLong(1);
            }
        });
    }

    /** A waiting firing went ahead (or could not). */
    public void updateScheduleRun(long seq, ScheduleRunRow.Outcome outcome, String jobId, String reason) {
        inTransaction(c -> {
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

    private static final String RUN_COLUMNS = "r.seq, r.schedule, r.scheduled_for, r.fired_at, r.outcome, r.job_id, "
            + "r.reason, j.state";

    /** A schedule's most recent firings first, each with the state of the job it started, if any. */
    public List<ScheduleRunRow> scheduleRuns(String schedule, int limit) {
        return query("SELECT " + RUN_COLUMNS + " FROM schedule_run r LEFT JOIN job j ON j.id = r.job_id "
                + "WHERE r.schedule = ? ORDER BY r.seq DESC LIMIT ?", s -> {
                    s.setString(1, schedule);
                    s.setInt(2, limit);
                }, Store::scheduleRun);
    }

    /** Firings waiting for the previous job of their schedule to end, oldest first. */
    public List<ScheduleRunRow> waitingScheduleRuns() {
        return query("SELECT " + RUN_COLUMNS + " FROM schedule_run r LEFT JOIN job j ON j.id = r.job_id "
                + "WHERE r.outcome = 'WAITING' ORDER BY r.seq", s -> {}, Store::scheduleRun);
    }

    /** The most recent firing of a schedule that started a job. */
    public Optional<ScheduleRunRow> lastSubmittedRun(String schedule) {
        return query("SELECT " + RUN_COLUMNS + " FROM schedule_run r LEFT JOIN job j ON j.id = r.job_id "
                + "WHERE r.schedule = ? AND r.job_id IS NOT NULL ORDER BY r.seq DESC LIMIT 1",
                s -> s.setString(1, schedule), Store::scheduleRun).stream().findFirst();
    }

    /** Forgets the firings of a schedule that was removed (the jobs they started stay). */
    public void deleteScheduleRuns(String schedule) {
        inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM schedule_run WHERE schedule = ?")) {
                s.setString(1, schedule);
                s.executeUpdate();
            }
            return null;
        });
    }

    private static ScheduleRunRow scheduleRun(ResultSet rs) throws SQLException {
        String state = rs.getString(8);
        return new ScheduleRunRow(rs.getLong(1), rs.getString(2), instant(rs, 3), instant(rs, 4),
                ScheduleRunRow.Outcome.valueOf(rs.getString(5)), rs.getString(6), rs.getString(7),
                state == null ? null : JobState.valueOf(state));
    }

    public List<JobRow> listJobs(int limit, Collection<JobState> states) {
        return listJobs(limit, states, null);
    }

    /** How many jobs of {@code owner} have not ended. */
    public long unfinishedJobs(String owner) {
        return query("SELECT COUNT(*) FROM job WHERE owner = ? AND state IN ('QUEUED', 'RUNNING')",
                s -> s.setString(1, owner), rs -> rs.getLong(1)).get(0);
    }

    /** Jobs that have not ended, oldest first: what the master resumes after a restart. */
    public List<JobRow> unfinishedJobs() {
        return query("SELECT " + JOB_COLUMNS + " FROM job WHERE state IN ('QUEUED', 'RUNNING') ORDER BY seq",
                s -> {}, Store::jobRow);
    }

    /** The bytes of a job's result, if it has one. */
    public Optional<byte[]> jobResult(String id) {
        List<byte[]> rows = query("SELECT result FROM job WHERE id = ? AND result IS NOT NULL", s -> s.setString(1, id), rs -> {
            Blob blob = rs.getBlob(1);
            try {
                return blob.getBytes(1, (int) blob.length());
            } finally {
                blob.free();
            }
        });
        return rows.stream().findFirst();
    }

    // ---------------------------------------------------------------- tasks

    /**
     * Stores the next tasks of a job, numbered from {@code firstIndex}, and records how many tasks the job has so
     * far and whether its split is complete, in one transaction.
     */
    public void insertTasks(String jobId, long firstIndex, List<byte[]> inputs, boolean splitComplete) {
        apply(new StoreBatch().insertTasks(jobId, firstIndex, inputs, splitComplete));
    }

    private static void writeTasks(Connection c, String jobId, long firstIndex, List<byte[]> inputs, boolean splitComplete)
            throws SQLException {
        if (!inputs.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO task (job_id, idx, state, input) VALUES (?, ?, 0, ?)")) {
                long index = firstIndex;
                for (byte[] input : inputs) {
                    s.setString(1, jobId);
                    s.setLong(2, index++);
                    s.setBytes(3, input);
                    s.addBatch();
                }
                s.executeBatch();
            }
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE job SET total_tasks = ?, split_complete = ? WHERE id = ?")) {
            s.setLong(1, firstIndex + inputs.size());
            s.setBoolean(2, splitComplete);
            s.setString(3, jobId);
            s.executeUpdate();
        }
    }

    // Queries over a job's tasks order by (job_id, idx), the primary key, so H2 reads them in index order; ordering by
    // idx alone makes it sort every matching row for each page (a merge of N tasks would cost N^2 / page).

    /** Up to {@code limit} pending tasks of a job with an index above {@code afterIndex}, in index order. */
    public List<StoredTask> pendingTasks(String jobId, long afterIndex, int limit) {
        return query("SELECT idx, input, failures, losses, crashes FROM task WHERE job_id = ? AND idx > ? AND state = 0 "
                + "ORDER BY job_id, idx LIMIT ?", s -> {
                    s.setString(1, jobId);
                    s.setLong(2, afterIndex);
                    s.setInt(3, limit);
                }, rs -> new StoredTask(rs.getLong(1), rs.getBytes(2), rs.getInt(3), rs.getInt(4), rs.getInt(5)));
    }

    /** One task if it is still pending (not succeeded, failed or cancelled). */
    public Optional<StoredTask> pendingTask(String jobId, long index) {
        return query("SELECT idx, input, failures, losses, crashes FROM task WHERE job_id = ? AND idx = ? AND state = 0",
                s -> {
                    s.setString(1, jobId);
                    s.setLong(2, index);
                }, rs -> new StoredTask(rs.getLong(1), rs.getBytes(2), rs.getInt(3), rs.getInt(4), rs.getInt(5)))
                .stream().findFirst();
    }

    /** How many tasks of a job are in each stored state: {@code [pending, succeeded, failed, cancelled]}. */
    public long[] countTasks(String jobId) {
        long[] counts = new long[4];
        query("SELECT state, COUNT(*) FROM task WHERE job_id = ? GROUP BY state", s -> s.setString(1, jobId), rs -> {
            counts[rs.getInt(1)] = rs.getLong(2);
            return null;
        });
        return counts;
    }

    /** One stored task as the dashboard shows it (no input or output). */
    public record TaskView(long index, int state, int failures, int losses, int crashes, String workerId, Long durationMs,
            String error) {}

    /**
     * A page of a job's tasks in index order from {@code fromIndex}; {@code state} (a stored state code) filters, or
     * -1 for all; {@code errorsOnly} keeps tasks with an error message (failed, or retried after failing).
     */
    public List<TaskView> taskPage(String jobId, long fromIndex, int state, boolean errorsOnly, int limit) {
        String sql = "SELECT idx, state, failures, losses, crashes, worker_id, duration_ms, error FROM task "
                + "WHERE job_id = ? AND idx >= ?" + (state >= 0 ? " AND state = ?" : "")
                + (errorsOnly ? " AND error IS NOT NULL" : "") + " ORDER BY job_id, idx LIMIT ?";
        return query(sql, s -> {
            int i = 1;
            s.setString(i++, jobId);
            s.setLong(i++, fromIndex);
            if (state >= 0) {
                s.setInt(i++, state);
            }
            s.setInt(i, limit);
        }, rs -> {
            long d = rs.getLong(7);
            Long duration = rs.wasNull() ? null : d;
            return new TaskView(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getString(6),
                    duration, rs.getString(8));
        });
    }

    /** Upper bounds (exclusive, in ms) of the buckets of {@link #durationHistogram}; the last bucket is open. */
    public static final long[] DURATION_BUCKETS_MS = {1, 10, 100, 1_000, 10_000, 60_000};

    /** How many of a job's succeeded tasks took how long, by {@link #DURATION_BUCKETS_MS}: one count more than bounds. */
    public long[] durationHistogram(String jobId) {
        long[] counts = new long[DURATION_BUCKETS_MS.length + 1];
        StringBuilder bucket = new StringBuilder("CASE");
        for (int i = 0; i < DURATION_BUCKETS_MS.length; i++) {
            bucket.append(" WHEN duration_ms < ").append(DURATION_BUCKETS_MS[i]).append(" THEN ").append(i);
        }
        bucket.append(" ELSE ").append(DURATION_BUCKETS_MS.length).append(" END");
        query("SELECT " + bucket + " AS b, COUNT(*) FROM task WHERE job_id = ? AND state = 1 AND duration_ms IS NOT NULL "
                + "GROUP BY b", s -> s.setString(1, jobId), rs -> {
                    counts[rs.getInt(1)] = rs.getLong(2);
                    return null;
                });
        return counts;
    }

    /** The bucket of {@link #DURATION_BUCKETS_MS} a duration falls in. */
    public static int durationBucket(long ms) {
        for (int i = 0; i < DURATION_BUCKETS_MS.length; i++) {
            if (ms < DURATION_BUCKETS_MS[i]) {
                return i;
            }
        }
        return DURATION_BUCKETS_MS.length;
    }

    /** The task durations kept with a job when it ended (see {@link StoreBatch.JobUpdate#ended}), if it has them. */
    public Optional<long[]> jobDurations(String jobId) {
        return query("SELECT durations FROM job WHERE id = ? AND durations IS NOT NULL", s -> s.setString(1, jobId),
                rs -> java.util.Arrays.stream(rs.getString(1).split(",")).mapToLong(Long::parseLong).toArray())
                .stream().findFirst().filter(a -> a.length == DURATION_BUCKETS_MS.length + 1);
    }

    /** Jobs in each state, over all stored jobs. */
    public java.util.Map<String, Long> jobsByState() {
        java.util.Map<String, Long> counts = new java.util.TreeMap<>();
        query("SELECT state, COUNT(*) FROM job GROUP BY state", s -> { }, rs -> {
            counts.put(rs.getString(1), rs.getLong(2));
            return null;
        });
        return counts;
    }

    /** The first stored failure message of a failed task of the job, if any. */
    public Optional<String> firstTaskError(String jobId) {
        return query("SELECT error FROM task WHERE job_id = ? AND state = 2 ORDER BY job_id, idx LIMIT 1",
                s -> s.setString(1, jobId), rs -> rs.getString(1)).stream().findFirst();
    }

    /**
     * The outputs of a job's succeeded tasks in index order, read a page at a time as the stream is consumed:
     * memory does not grow with the number of tasks.
     */
    public Stream<byte[]> outputs(String jobId) {
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
                List<long[]> indexes = new ArrayList<>();
                page = query("SELECT idx, output FROM task WHERE job_id = ? AND idx > ? AND state = 1 "
                        + "ORDER BY job_id, idx LIMIT ?",
                        s -> {
                            s.setString(1, jobId);
                            s.setLong(2, lastIndex);
                            s.setInt(3, OUTPUT_PAGE);
                        }, rs -> {
                            indexes.add(new long[] {rs.getLong(1)});
                            return rs.getBytes(2);
                        });
                next = 0;
                if (page.size() < OUTPUT_PAGE) {
                    exhausted = true;
                }
                if (!indexes.isEmpty()) {
                    lastIndex = indexes.get(indexes.size() - 1)[0];
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
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    // ---------------------------------------------------------------- workers

    /**
     * Records a registration: a known name keeps its id and gets the next incarnation; a new name gets a new id
     * and incarnation 1. The worker is ALIVE afterwards.
     */
    public WorkerRow registerWorker(WorkerRegistration r) {
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<WorkerRow> row = batch.registerWorker(r);
        apply(batch);
        return row.get();
    }

    private static final String SQL_STATE_UNIQUE_VIOLATION = "23505";

    /**
     * The registration of a worker. Concurrent first registrations of one name both try to insert it: the loser's
     * insert fails on the unique name, is rolled back to a savepoint, and it registers as the next incarnation.
     */
    private static WorkerRow registerWorker(Connection c, WorkerRegistration r) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            Savepoint savepoint = c.setSavepoint();
            try {
                WorkerRow row = registerWorkerOnce(c, r);
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

    private static WorkerRow registerWorkerOnce(Connection c, WorkerRegistration r) throws SQLException {
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
            try (PreparedStatement s = c.prepareStatement("SELECT NEXT VALUE FOR worker_seq")) {
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

    public List<WorkerRow> workers() {
        return query("SELECT id, name, incarnation, state, slots, prefetch, labels, address, health_port, platform, "
                + "completed, failed, registered_at, last_seen, drain_requested FROM worker ORDER BY name", s -> {}, rs -> new WorkerRow(
                        rs.getString(1), rs.getString(2), rs.getLong(3), WorkerState.valueOf(rs.getString(4)),
                        rs.getInt(5), rs.getInt(6), KeyValues.decode(rs.getString(7)), rs.getString(8), rs.getInt(9),
                        KeyValues.decode(rs.getString(10)), rs.getLong(11), rs.getLong(12), instant(rs, 13),
                        instant(rs, 14), rs.getBoolean(15)));
    }

    // ---------------------------------------------------------------- group commit

    /**
     * Applies a batch in one transaction. A task's output is written only if the task is still pending, so a
     * result is never stored twice; the number of outputs actually written is returned per success, in order.
     */
    public boolean[] apply(StoreBatch batch) {
        List<Runnable> generated = new ArrayList<>();
        boolean[] written = inTransaction(c -> {
            generated.clear();
            return applyEntries(c, batch, generated);
        });
        generated.forEach(Runnable::run);
        return written;
    }

    /**
     * Applies the batch's entries in order, each run of consecutive entries of one kind as one JDBC batch; the
     * generated rows are published through {@code generated} only after the commit.
     */
    private static boolean[] applyEntries(Connection c, StoreBatch batch, List<Runnable> generated) throws SQLException {
        boolean[] written = new boolean[batch.successCount()];
        int successes = 0;
        List<Object> entries = batch.entries;
        int i = 0;
        while (i < entries.size()) {
            Object first = entries.get(i);
            int end = i + 1;
            while (end < entries.size() && entries.get(end).getClass() == first.getClass()) {
                end++;
            }
            List<Object> run = entries.subList(i, end);
            if (first instanceof StoreBatch.InsertJob) {
                for (Object e : run) {
                    StoreBatch.InsertJob insert = (StoreBatch.InsertJob) e;
                    JobRow row = insertJob(c, insert);
                    generated.add(() -> insert.row().set(row));
                }
            } else if (first instanceof StoreBatch.InsertTasks) {
                for (Object e : run) {
                    StoreBatch.InsertTasks t = (StoreBatch.InsertTasks) e;
                    writeTasks(c, t.jobId(), t.firstIndex(), t.inputs(), t.splitComplete());
                }
            } else if (first instanceof StoreBatch.RegisterWorker) {
                for (Object e : run) {
                    StoreBatch.RegisterWorker r = (StoreBatch.RegisterWorker) e;
                    WorkerRow row = registerWorker(c, r.registration());
                    generated.add(() -> r.row().set(row));
                }
            } else if (first instanceof StoreBatch.TaskSuccess) {
                int[] counts = writeSuccesses(c, run);
                for (int count : counts) {
                    written[successes++] = count != 0;
                }
            } else if (first instanceof StoreBatch.TaskAttemptFailed) {
                writeAttemptFailures(c, run);
            } else if (first instanceof StoreBatch.TaskFailed) {
                writeTaskFailures(c, run);
            } else if (first instanceof StoreBatch.JobUpdate) {
                for (Object e : run) {
                    updateJob(c, (StoreBatch.JobUpdate) e);
                }
            } else if (first instanceof StoreBatch.WorkerUpdate) {
                writeWorkerUpdates(c, run);
            } else if (first instanceof WorkerEventRow) {
                writeWorkerEvents(c, run);
            } else {
                throw new IllegalStateException("unknown store batch entry " + first.getClass().getName());
            }
            i = end;
        }
        if (!batch.workerCounters.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE worker SET completed = completed + ?, failed = failed + ? WHERE id = ?")) {
                for (Map.Entry<String, long[]> e : batch.workerCounters.entrySet()) {
                    s.setLong(1, e.getValue()[0]);
                    s.setLong(2, e.getValue()[1]);
                    s.setString(3, e.getKey());
                    s.addBatch();
                }
                s.executeBatch();
            }
        }
        return written;
    }

    private static int[] writeSuccesses(Connection c, List<Object> run) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE task SET state = 1, output = ?, worker_id = ?, "
                + "duration_ms = ? WHERE job_id = ? AND idx = ? AND state = 0")) {
            for (Object e : run) {
                StoreBatch.TaskSuccess t = (StoreBatch.TaskSuccess) e;
                s.setBytes(1, t.output());
                s.setString(2, t.workerId());
                s.setLong(3, t.durationMs());
                s.setString(4, t.jobId());
                s.setLong(5, t.index());
                s.addBatch();
            }
            return s.executeBatch();
        }
    }

    private static void writeAttemptFailures(Connection c, List<Object> run) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE task SET failures = ?, losses = ?, crashes = ?, "
                + "error = ? WHERE job_id = ? AND idx = ? AND state = 0")) {
            for (Object e : run) {
                StoreBatch.TaskAttemptFailed f = (StoreBatch.TaskAttemptFailed) e;
                s.setInt(1, f.failures());
                s.setInt(2, f.losses());
                s.setInt(3, f.crashes());
                s.setString(4, truncate(f.error(), 4000));
                s.setString(5, f.jobId());
                s.setLong(6, f.index());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private static void writeTaskFailures(Connection c, List<Object> run) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE task SET state = ?, failures = ?, losses = ?, "
                + "crashes = ?, error = ? WHERE job_id = ? AND idx = ? AND state = 0")) {
            for (Object e : run) {
                StoreBatch.TaskFailed f = (StoreBatch.TaskFailed) e;
                s.setInt(1, TaskState.FAILED.code());
                s.setInt(2, f.failures());
                s.setInt(3, f.losses());
                s.setInt(4, f.crashes());
                s.setString(5, truncate(f.error(), 4000));
                s.setString(6, f.jobId());
                s.setLong(7, f.index());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private static void writeWorkerUpdates(Connection c, List<Object> run) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE worker SET state = ?, last_seen = ?, drain_requested = ? WHERE id = ?")) {
            for (Object e : run) {
                StoreBatch.WorkerUpdate u = (StoreBatch.WorkerUpdate) e;
                s.setString(1, u.state().name());
                s.setTimestamp(2, Timestamp.from(u.lastSeen()));
                s.setBoolean(3, u.drainRequested());
                s.setString(4, u.id());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private static void writeWorkerEvents(Connection c, List<Object> run) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO worker_event (worker_id, worker_name, type, "
                + "reason, incarnation, at) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Object entry : run) {
                WorkerEventRow e = (WorkerEventRow) entry;
                s.setString(1, e.workerId());
                s.setString(2, e.workerName());
                s.setString(3, e.type().name());
                s.setString(4, truncate(e.reason(), 1000));
                s.setLong(5, e.incarnation());
                s.setTimestamp(6, Timestamp.from(e.at()));
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** The most recent worker events, oldest first; {@code workerId} null for all workers. */
    public List<WorkerEventRow> workerEvents(String workerId, int limit) {
        String where = workerId == null ? "" : " WHERE worker_id = ?";
        List<WorkerEventRow> rows = query("SELECT seq, worker_id, worker_name, type, reason, incarnation, at FROM worker_event"
                + where + " ORDER BY seq DESC LIMIT ?", s -> {
                    int i = 1;
                    if (workerId != null) {
                        s.setString(i++, workerId);
                    }
                    s.setInt(i, limit);
                }, rs -> new WorkerEventRow(rs.getLong(1), rs.getString(2), rs.getString(3),
                        io.gridwork.master.model.WorkerEventType.valueOf(rs.getString(4)), rs.getString(5), rs.getLong(6),
                        instant(rs, 7)));
        java.util.Collections.reverse(rows);
        return rows;
    }

    private static void updateJob(Connection c, StoreBatch.JobUpdate u) throws SQLException {
        List<String> sets = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        if (u.state() != null) {
            sets.add("state = ?");
            values.add(u.state().name());
        }
        if (u.startedAt() != null) {
            sets.add("started_at = ?");
            values.add(Timestamp.from(u.startedAt()));
        }
        if (u.finishedAt() != null) {
            sets.add("finished_at = ?");
            values.add(Timestamp.from(u.finishedAt()));
        }
        if (u.error() != null) {
            sets.add("error = ?");
            values.add(truncate(u.error(), 4000));
        }
        if (u.succeeded() != null) {
            sets.add("succeeded = ?");
            values.add(u.succeeded());
        }
        if (u.failed() != null) {
            sets.add("failed = ?");
            values.add(u.failed());
        }
        if (u.retried() != null) {
            sets.add("retried = ?");
            values.add(u.retried());
        }
        if (u.lost() != null) {
            sets.add("lost = ?");
            values.add(u.lost());
        }
        if (u.rejected() != null) {
            sets.add("rejected = ?");
            values.add(u.rejected());
        }
        if (u.speculated() != null) {
            sets.add("speculated = ?");
            values.add(u.speculated());
        }
        if (u.durations() != null) {
            sets.add("durations = ?");
            values.add(java.util.Arrays.stream(u.durations()).mapToObj(Long::toString)
                    .collect(java.util.stream.Collectors.joining(",")));
        }
        if (u.result() != null) {
            sets.add("result = ?");
            values.add(u.result().bytes());
            sets.add("result_text = ?");
            values.add(u.result().text());
            sets.add("result_media_type = ?");
            values.add(u.result().mediaType());
            sets.add("result_size = ?");
            values.add((long) u.result().bytes().length);
        }
        if (sets.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE job SET " + String.join(", ", sets) + " WHERE id = ?")) {
            int i = 1;
            for (Object v : values) {
                if (v == null) {
                    s.setNull(i++, Types.VARCHAR);
                } else if (v instanceof byte[]) {
                    s.setBytes(i++, (byte[]) v);
                } else {
                    s.setObject(i++, v);
                }
            }
            s.setString(i, u.id());
            s.executeUpdate();
        }
    }

    // ---------------------------------------------------------------- tokens and audit

    public void insertToken(TokenRow t) {
        inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO token (id, name, role, secret_sha256, created_at, "
                    + "expires_at, revoked_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, t.id());
                s.setString(2, t.name());
                s.setString(3, t.role().name());
                s.setString(4, t.secretSha256());
                s.setTimestamp(5, Timestamp.from(t.createdAt()));
                s.setTimestamp(6, t.expiresAt() == null ? null : Timestamp.from(t.expiresAt()));
                s.setTimestamp(7, t.revokedAt() == null ? null : Timestamp.from(t.revokedAt()));
                s.setString(8, t.createdBy());
                s.executeUpdate();
            }
            return null;
        });
    }

    private static final String TOKEN_COLUMNS = "id, name, role, secret_sha256, created_at, expires_at, revoked_at, created_by";

    public Optional<TokenRow> findToken(String id) {
        return query("SELECT " + TOKEN_COLUMNS + " FROM token WHERE id = ?", s -> s.setString(1, id), Store::tokenRow)
                .stream().findFirst();
    }

    public List<TokenRow> tokens(boolean includeRevoked) {
        return query("SELECT " + TOKEN_COLUMNS + " FROM token" + (includeRevoked ? "" : " WHERE revoked_at IS NULL")
                + " ORDER BY created_at, id", s -> {}, Store::tokenRow);
    }

    /** Revokes the token with this id, or every active token with this name; returns what was revoked. */
    public List<TokenRow> revokeTokens(String idOrName, Instant at) {
        return inTransaction(c -> {
            List<TokenRow> targets = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + TOKEN_COLUMNS + " FROM token WHERE (id = ? OR name = ?) "
                    + "AND revoked_at IS NULL FOR UPDATE")) {
                s.setString(1, idOrName);
                s.setString(2, idOrName);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        targets.add(tokenRow(rs));
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE token SET revoked_at = ? WHERE id = ?")) {
                for (TokenRow t : targets) {
                    s.setTimestamp(1, Timestamp.from(at));
                    s.setString(2, t.id());
                    s.addBatch();
                }
                s.executeBatch();
            }
            List<TokenRow> revoked = new ArrayList<>();
            for (TokenRow t : targets) {
                revoked.add(new TokenRow(t.id(), t.name(), t.role(), t.secretSha256(), t.createdAt(), t.expiresAt(), at,
                        t.createdBy()));
            }
            return revoked;
        });
    }

    public void insertAudit(AuditRow a) {
        inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")) {
                s.setTimestamp(1, Timestamp.from(a.at()));
                s.setString(2, truncate(a.actor(), 300));
                s.setString(3, truncate(a.action(), 64));
                s.setString(4, truncate(a.target(), 300));
                s.setString(5, truncate(a.detail(), 2000));
                s.executeUpdate();
            }
            return null;
        });
    }

    /** The most recent audit entries first. */
    public List<AuditRow> audit(int limit) {
        return query("SELECT seq, at, actor, action, target, detail FROM audit ORDER BY seq DESC LIMIT ?",
                s -> s.setInt(1, limit), rs -> new AuditRow(rs.getLong(1), instant(rs, 2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6)));
    }

    private static TokenRow tokenRow(ResultSet rs) throws SQLException {
        return new TokenRow(rs.getString(1), rs.getString(2), io.gridwork.master.model.Role.valueOf(rs.getString(3)),
                rs.getString(4), instant(rs, 5), instant(rs, 6), instant(rs, 7), rs.getString(8));
    }

    // ---------------------------------------------------------------- plumbing

    @Override
    public void close() {
        dataSource.close();
    }

    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    interface Binder {
        void bind(PreparedStatement s) throws SQLException;
    }

    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    <T> T inTransaction(SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("database error: " + e.getMessage(), e);
        }
    }

    <T> List<T> query(String sql, Binder binder, RowMapper<T> mapper) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            binder.bind(s);
            try (ResultSet rs = s.executeQuery()) {
                List<T> rows = new ArrayList<>();
                while (rs.next()) {
                    T row = mapper.map(rs);
                    if (row != null) {
                        rows.add(row);
                    }
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new StoreException("database error: " + e.getMessage(), e);
        }
    }

    private static JobRow jobRow(ResultSet rs) throws SQLException {
        return new JobRow(rs.getString(1), rs.getString(2), rs.getString(3), KeyValues.decode(rs.getString(4)),
                JobState.valueOf(rs.getString(5)), rs.getInt(6), rs.getLong(7), instant(rs, 8), instant(rs, 9),
                instant(rs, 10), rs.getLong(11), rs.getBoolean(12), rs.getLong(13), rs.getLong(14), rs.getLong(15),
                rs.getLong(16), rs.getLong(17), rs.getString(18), rs.getString(19), rs.getString(20), rs.getLong(21),
                rs.getString(22), new NewJob.Placement(rs.getString(23), rs.getInt(24), rs.getInt(25), rs.getBoolean(26)),
                rs.getLong(27), rs.getString(28));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
