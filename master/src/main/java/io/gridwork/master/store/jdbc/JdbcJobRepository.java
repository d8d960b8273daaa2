package io.gridwork.master.store.jdbc;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRepository;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.KeyValues;
import io.gridwork.master.store.MasterIdentity;
import io.gridwork.master.store.NewJob;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.TaskDurations;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Jobs in the {@code job} table; a job's id is {@code job-} and the next value of {@code job_seq}. Every update of a
 * job's row increments its {@code version}.
 */
public final class JdbcJobRepository implements JobRepository {

    static final String COLUMNS = "id, jar_sha256, job_class, args, state, max_attempts, task_timeout_ms, "
            + "submitted_at, started_at, finished_at, total_tasks, split_complete, succeeded, failed, retried, lost, "
            + "rejected, error, result_text, result_media_type, result_size, owner, requirement, slots_per_task, priority, "
            + "speculation, speculated, schedule, owner_master, version, lease_epoch, data_sets, "
            + "quorum, quorum_max, validated, mismatched, resumed";
    static final String UNFINISHED = "('" + JobState.QUEUED.name() + "', '" + JobState.RUNNING.name() + "', '"
            + JobState.WAITING.name() + "')";

    private final Jdbc jdbc;
    private final JdbcTaskRepository tasks;
    private final Supplier<MasterIdentity> identity;

    /** @param identity this master's current id and epoch: the owner of the jobs it inserts */
    public JdbcJobRepository(Jdbc jdbc, JdbcTaskRepository tasks, Supplier<MasterIdentity> identity) {
        this.jdbc = jdbc;
        this.tasks = tasks;
        this.identity = identity;
    }

    @Override
    public JobRow insert(NewJob job, List<byte[]> firstTasks, boolean splitComplete) {
        return jdbc.inTransaction(c -> insert(c, job, firstTasks, splitComplete));
    }

    /** {@link #insert(NewJob, List, boolean)} in the caller's transaction. */
    public JobRow insert(Connection c, NewJob job, List<byte[]> firstTasks, boolean splitComplete) throws SQLException {
        return insert(c, job, firstTasks, splitComplete, List.of());
    }

    /**
     * As {@link #insert(Connection, NewJob, List, boolean)}; a job with jobs to run {@code after} (then without tasks)
     * is stored WAITING, with one {@code job_after} row per upstream job.
     */
    public JobRow insert(Connection c, NewJob job, List<byte[]> firstTasks, boolean splitComplete, List<String> after)
            throws SQLException {
        return insert(c, job, firstTasks, splitComplete, after, 0);
    }

    /** As above, numbered {@code reservedSeq} ({@link #reserveIds}; 0: the next value of {@code job_seq}). */
    public JobRow insert(Connection c, NewJob job, List<byte[]> firstTasks, boolean splitComplete, List<String> after,
            long reservedSeq) throws SQLException {
        if (!after.isEmpty() && !firstTasks.isEmpty()) {
            throw new IllegalArgumentException("a waiting job has no tasks until it is released");
        }
        JobState state = after.isEmpty() ? JobState.QUEUED : JobState.WAITING;
        long seq = reservedSeq;
        if (seq <= 0) {
            try (PreparedStatement s = c.prepareStatement(jdbc.dialect().nextValue("job_seq"));
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                seq = rs.getLong(1);
            }
        }
        String id = "job-" + seq;
        MasterIdentity master = identity.get();
        try (PreparedStatement s = c.prepareStatement("INSERT INTO job (id, seq, jar_sha256, job_class, args, state, "
                + "max_attempts, task_timeout_ms, submitted_at, owner, requirement, slots_per_task, priority, speculation, "
                + "schedule, total_tasks, split_complete, owner_master, lease_epoch, data_sets, version) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")) {
            s.setString(1, id);
            s.setLong(2, seq);
            s.setString(3, job.jarSha256());
            s.setString(4, job.jobClass());
            s.setString(5, KeyValues.encode(job.args()));
            s.setString(6, state.name());
            s.setInt(7, job.maxAttempts());
            s.setLong(8, job.taskTimeoutMs());
            s.setTimestamp(9, Timestamp.from(job.submittedAt()));
            s.setString(10, job.owner());
            s.setString(11, job.placement().requirement());
            s.setInt(12, job.placement().slotsPerTask());
            s.setInt(13, job.placement().priority());
            s.setBoolean(14, job.placement().speculation());
            s.setString(15, job.schedule());
            s.setLong(16, firstTasks.size());
            s.setBoolean(17, splitComplete);
            s.setString(18, master.id());
            s.setLong(19, master.epoch());
            s.setString(20, job.dataSets().isEmpty() ? null : KeyValues.encode(new java.util.TreeMap<>(job.dataSets())));
            s.executeUpdate();
        }
        if (job.placement().byQuorum()) {
            // only a job by quorum writes its quorum (the columns' defaults say 1: no replicas)
            try (PreparedStatement s = c.prepareStatement("UPDATE job SET quorum = ?, quorum_max = ? WHERE id = ?")) {
                s.setInt(1, job.placement().quorum());
                s.setInt(2, job.placement().quorumMax());
                s.setString(3, id);
                s.executeUpdate();
            }
        }
        tasks.insertRows(c, id, 0, firstTasks);
        JdbcDependencyRepository.insert(c, id, after);
        if (state == JobState.QUEUED) {
            return job.queuedRow(seq, master, firstTasks.size(), splitComplete);
        }
        return new JobRow(id, job.jarSha256(), job.jobClass(), job.args(), state, job.maxAttempts(),
                job.taskTimeoutMs(), job.submittedAt(), null, null, firstTasks.size(), splitComplete, 0, 0, 0, 0, 0, null,
                null, null, 0, job.owner(), job.placement(), 0, job.schedule(), master.id(), 0, master.epoch(),
                job.dataSets());
    }

    /**
     * Draws the next {@code count} values of {@code job_seq} in the caller's transaction, for jobs this master
     * inserts later with their number known in advance.
     */
    public io.gridwork.master.store.StoreBatch.ReservedJobIds reserveIds(Connection c, int count) throws SQLException {
        long[] seqs = new long[count];
        try (PreparedStatement s = c.prepareStatement(jdbc.dialect().nextValues("job_seq"))) {
            s.setInt(1, count);
            try (ResultSet rs = s.executeQuery()) {
                int n = 0;
                while (rs.next() && n < count) {
                    seqs[n++] = rs.getLong(1);
                }
                if (n < count) {
                    throw new SQLException("job_seq gave " + n + " values, " + count + " asked");
                }
            }
        }
        java.util.Arrays.sort(seqs);
        return new io.gridwork.master.store.StoreBatch.ReservedJobIds(seqs, identity.get());
    }

    /** Applies a change of a job's row in the caller's transaction. */
    public void update(Connection c, StoreBatch.JobUpdate update) throws SQLException {
        if (update instanceof StoreBatch.JobStarted started) {
            // only a QUEUED job starts: a start stored late (it waits for a commit to go with) never undoes an end
            try (PreparedStatement s = c.prepareStatement("UPDATE job SET state = ?, started_at = ?, "
                    + "version = version + 1 WHERE id = ? AND state = ?")) {
                s.setString(1, JobState.RUNNING.name());
                s.setTimestamp(2, Timestamp.from(started.at()));
                s.setString(3, started.id());
                s.setString(4, JobState.QUEUED.name());
                s.executeUpdate();
            }
        } else if (update instanceof StoreBatch.JobReleased released) {
            // only a WAITING job is released (with its @result: arguments resolved); it becomes QUEUED
            try (PreparedStatement s = c.prepareStatement("UPDATE job SET state = ?, args = ?, max_attempts = ?, "
                    + "task_timeout_ms = ?, requirement = ?, slots_per_task = ?, priority = ?, speculation = ?, "
                    + "version = version + 1 WHERE id = ? AND state = ?")) {
                NewJob.Placement p = released.placement();
                s.setString(1, JobState.QUEUED.name());
                s.setString(2, KeyValues.encode(new TreeMap<>(released.args())));
                s.setInt(3, released.maxAttempts());
                s.setLong(4, released.taskTimeoutMs());
                s.setString(5, p.requirement());
                s.setInt(6, p.slotsPerTask());
                s.setInt(7, p.priority());
                s.setBoolean(8, p.speculation());
                s.setString(9, released.id());
                s.setString(10, JobState.WAITING.name());
                s.executeUpdate();
            }
        } else if (update instanceof StoreBatch.JobEnded ended) {
            ended(c, ended);
        } else if (update instanceof StoreBatch.JobFailedOnResume failed) {
            try (PreparedStatement s = c.prepareStatement("UPDATE job SET state = ?, finished_at = ?, error = ?, "
                    + "version = version + 1 WHERE id = ?")) {
                s.setString(1, JobState.FAILED.name());
                s.setTimestamp(2, Timestamp.from(failed.at()));
                s.setString(3, Jdbc.truncate(failed.error(), 4000));
                s.setString(4, failed.id());
                s.executeUpdate();
            }
        } else {
            throw new IllegalArgumentException("unknown job update " + update);
        }
    }

    private static void ended(Connection c, StoreBatch.JobEnded u) throws SQLException {
        // A job without a result keeps the columns of one it may have (none today): only a result overwrites them.
        String resultColumns = u.result() == null ? "" : ", result = ?, result_text = ?, result_media_type = ?, "
                + "result_size = ?";
        try (PreparedStatement s = c.prepareStatement("UPDATE job SET state = ?, finished_at = ?, "
                + "error = COALESCE(?, error), succeeded = ?, failed = ?, retried = ?, lost = ?, rejected = ?, "
                + "speculated = ?, durations = ?, version = version + 1" + resultColumns + " WHERE id = ?")) {
            int i = 1;
            s.setString(i++, u.state().name());
            s.setTimestamp(i++, Timestamp.from(u.at()));
            s.setString(i++, Jdbc.truncate(u.error(), 4000));
            StoreBatch.JobCounters n = u.counters();
            s.setLong(i++, n.succeeded());
            s.setLong(i++, n.failed());
            s.setLong(i++, n.retried());
            s.setLong(i++, n.lost());
            s.setLong(i++, n.rejected());
            s.setLong(i++, n.speculated());
            s.setString(i++, Arrays.stream(u.durations()).mapToObj(Long::toString).collect(Collectors.joining(",")));
            if (u.result() != null) {
                s.setBytes(i++, u.result().bytes());
                s.setString(i++, u.result().text());
                s.setString(i++, u.result().mediaType());
                s.setLong(i++, u.result().bytes().length);
            }
            s.setString(i, u.id());
            s.executeUpdate();
        }
    }

    @Override
    public Optional<JobRow> find(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM job WHERE id = ?", s -> s.setString(1, id), JdbcJobRepository::row)
                .stream().findFirst();
    }

    @Override
    public List<JobRow> list(int limit, Collection<JobState> states, String owner, String schedule, String jobClass) {
        List<String> conditions = new ArrayList<>();
        if (!states.isEmpty()) {
            conditions.add("state IN (" + states.stream().map(st -> "'" + st.name() + "'").collect(Collectors.joining(", "))
                    + ")");
        }
        if (owner != null) {
            conditions.add("owner = ?");
        }
        if (schedule != null) {
            conditions.add("schedule = ?");
        }
        if (jobClass != null) {
            // the full name, or the simple one (of a top-level or a nested class)
            conditions.add("(job_class = ? OR job_class LIKE ? ESCAPE '!' OR job_class LIKE ? ESCAPE '!')");
        }
        String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
        return jdbc.query("SELECT " + COLUMNS + " FROM job" + where + " ORDER BY seq DESC LIMIT ?", s -> {
            int i = 1;
            if (owner != null) {
                s.setString(i++, owner);
            }
            if (schedule != null) {
                s.setString(i++, schedule);
            }
            if (jobClass != null) {
                s.setString(i++, jobClass);
                String literal = jobClass.replace("!", "!!").replace("%", "!%").replace("_", "!_");
                s.setString(i++, "%." + literal);
                s.setString(i++, "%$" + literal);
            }
            s.setInt(i, limit);
        }, JdbcJobRepository::row);
    }

    @Override
    public long countUnfinished(String owner) {
        // one count per state, each a range of the index on (owner, state): with "state IN (...)" H2 filtered every
        // job of the owner, and with that index chosen the count grew with the owner's history (0.5 to 0.8 ms per
        // submission over 3,000-6,000 jobs, measured on a loaded machine)
        return jdbc.query("SELECT (SELECT COUNT(*) FROM job WHERE owner = ? AND state = ?)"
                + " + (SELECT COUNT(*) FROM job WHERE owner = ? AND state = ?)"
                + " + (SELECT COUNT(*) FROM job WHERE owner = ? AND state = ?)", s -> {
                    int i = 1;
                    for (JobState state : List.of(JobState.QUEUED, JobState.RUNNING, JobState.WAITING)) {
                        s.setString(i++, owner);
                        s.setString(i++, state.name());
                    }
                }, rs -> rs.getLong(1)).get(0);
    }

    @Override
    public List<JobRow> unfinished() {
        return jdbc.query("SELECT " + COLUMNS + " FROM job WHERE state IN " + UNFINISHED + " ORDER BY seq", s -> {},
                JdbcJobRepository::row);
    }

    @Override
    public List<JobRow> unfinished(String ownerMaster) {
        return jdbc.query("SELECT " + COLUMNS + " FROM job WHERE owner_master = ? AND state IN " + UNFINISHED
                + " ORDER BY seq", s -> s.setString(1, ownerMaster), JdbcJobRepository::row);
    }

    @Override
    public Map<String, Long> countByState() {
        Map<String, Long> counts = new TreeMap<>();
        jdbc.query("SELECT state, COUNT(*) FROM job GROUP BY state", s -> {}, rs -> {
            counts.put(rs.getString(1), rs.getLong(2));
            return null;
        });
        return counts;
    }

    @Override
    public Optional<byte[]> result(String id) {
        return jdbc.query("SELECT result FROM job WHERE id = ? AND result IS NOT NULL", s -> s.setString(1, id),
                rs -> rs.getBytes(1)).stream().findFirst();
    }

    @Override
    public Optional<long[]> durations(String id) {
        return jdbc.query("SELECT durations FROM job WHERE id = ? AND durations IS NOT NULL", s -> s.setString(1, id),
                rs -> Arrays.stream(rs.getString(1).split(",")).mapToLong(Long::parseLong).toArray())
                .stream().findFirst().filter(a -> a.length == TaskDurations.buckets());
    }

    /** Adds to quorum jobs' counts of tasks validated and mismatched, in the caller's transaction. */
    public void quorumCounted(Connection c, List<StoreBatch.QuorumCounted> counts) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE job SET validated = validated + ?, "
                + "mismatched = mismatched + ? WHERE id = ?")) {
            java.util.Map<String, long[]> sums = new java.util.LinkedHashMap<>(); // one statement per job
            for (StoreBatch.QuorumCounted q : counts) {
                long[] sum = sums.computeIfAbsent(q.jobId(), k -> new long[2]);
                sum[0] += q.validated();
                sum[1] += q.mismatched();
            }
            for (Map.Entry<String, long[]> e : sums.entrySet()) {
                StoreBatch.QuorumCounted q = new StoreBatch.QuorumCounted(e.getKey(), e.getValue()[0], e.getValue()[1]);
                s.setLong(1, q.validated());
                s.setLong(2, q.mismatched());
                s.setString(3, q.jobId());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    static JobRow row(ResultSet rs) throws SQLException {
        return new JobRow(rs.getString(1), rs.getString(2), rs.getString(3), KeyValues.decode(rs.getString(4)),
                JobState.valueOf(rs.getString(5)), rs.getInt(6), rs.getLong(7), Jdbc.instant(rs, 8), Jdbc.instant(rs, 9),
                Jdbc.instant(rs, 10), rs.getLong(11), rs.getBoolean(12), rs.getLong(13), rs.getLong(14), rs.getLong(15),
                rs.getLong(16), rs.getLong(17), rs.getString(18), rs.getString(19), rs.getString(20), rs.getLong(21),
                rs.getString(22), new NewJob.Placement(rs.getString(23), rs.getInt(24), rs.getInt(25), rs.getBoolean(26),
                        rs.getInt(33), rs.getInt(34)),
                rs.getLong(27), rs.getString(28), rs.getString(29), rs.getLong(30), rs.getLong(31),
                KeyValues.decode(rs.getString(32)), rs.getLong(35), rs.getLong(36), rs.getLong(37));
    }
}
