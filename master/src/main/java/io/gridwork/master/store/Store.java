package io.gridwork.master.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.gridwork.master.model.JobState;
import io.gridwork.master.store.jdbc.Jdbc;
import io.gridwork.master.store.jdbc.JdbcAuditRepository;
import io.gridwork.master.store.jdbc.JdbcJarRowRepository;
import io.gridwork.master.store.jdbc.JdbcJobRepository;
import io.gridwork.master.store.jdbc.JdbcMasterInfoRepository;
import io.gridwork.master.store.jdbc.JdbcScheduleRunRepository;
import io.gridwork.master.store.jdbc.JdbcTaskRepository;
import io.gridwork.master.store.jdbc.JdbcTokenRepository;
import io.gridwork.master.store.jdbc.JdbcWorkerRepository;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * The master's durable state, in H2 or PostgreSQL (see {@link Dialect}): what is opened and closed, applies a
 * {@link StoreBatch} (the core's journal) in one transaction, and gives the repositories of each aggregate (jobs,
 * tasks, workers, schedule runs, tokens, audit, jars, master info). Schema changes are Flyway migrations under
 * {@code db/migration}. Thread-safe; every call uses its own pooled connection.
 *
 * <p>The H2 file database is opened with {@code WRITE_DELAY=0}, and PostgreSQL commits synchronously, so a committed
 * transaction is durable before the commit returns: the master acknowledges a task's result only after that, and a
 * {@code kill -9} of the master loses nothing it acknowledged.
 */
public final class Store implements AutoCloseable {

    private final HikariDataSource dataSource;
    private final Dialect dialect;
    private final Jdbc jdbc;
    private final JdbcJobRepository jobs;
    private final JdbcTaskRepository tasks;
    private final JdbcWorkerRepository workers;
    private final JdbcScheduleRunRepository scheduleRuns;
    private final JdbcTokenRepository tokens;
    private final JdbcAuditRepository audit;
    private final JdbcJarRowRepository jars;
    private final JdbcMasterInfoRepository masterInfo;
    private final String masterId;

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
        this.jdbc = new Jdbc(dataSource, dialect);
        this.masterInfo = new JdbcMasterInfoRepository(jdbc);
        try {
            this.masterId = masterInfo.masterId();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        this.tasks = new JdbcTaskRepository(jdbc);
        this.jobs = new JdbcJobRepository(jdbc, tasks, masterId);
        this.workers = new JdbcWorkerRepository(jdbc);
        this.scheduleRuns = new JdbcScheduleRunRepository(jdbc);
        this.tokens = new JdbcTokenRepository(jdbc);
        this.audit = new JdbcAuditRepository(jdbc);
        this.jars = new JdbcJarRowRepository(jdbc);
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

    /** This master's id, created at its first start on this store: the owner of the jobs it stores. */
    public String masterId() {
        return masterId;
    }

    /** The pooled data source, for components that share the master's database (such as the scheduler of timed jobs). */
    public DataSource dataSource() {
        return dataSource;
    }

    public JobRepository jobs() {
        return jobs;
    }

    public TaskRepository tasks() {
        return tasks;
    }

    /**
     * The workers' repository. ({@code workers()} still lists the workers for the callers of before; it becomes this
     * accessor once they have moved.)
     */
    public WorkerRepository workerRepository() {
        return workers;
    }

    public ScheduleRunRepository scheduleRuns() {
        return scheduleRuns;
    }

    public TokenRepository tokens() {
        return tokens;
    }

    public AuditRepository audit() {
        return audit;
    }

    public JarRowRepository jars() {
        return jars;
    }

    public MasterInfoRepository masterInfo() {
        return masterInfo;
    }

    // ---------------------------------------------------------------- the journal

    /**
     * Applies a batch in one transaction, its entries in the order they were added (each run of consecutive entries
     * of one kind as one JDBC batch), then the workers' counters. A task's output is written only if the task is
     * still pending, so a result is never stored twice; returned is, per success in order, whether its output was
     * written. Generated rows are set only once the transaction has committed.
     */
    public boolean[] apply(StoreBatch batch) {
        List<Runnable> generated = new ArrayList<>();
        boolean[] written = jdbc.inTransaction(c -> {
            generated.clear();
            return applyEntries(c, batch, generated);
        });
        generated.forEach(Runnable::run);
        return written;
    }

    @SuppressWarnings("unchecked")
    private boolean[] applyEntries(Connection c, StoreBatch batch, List<Runnable> generated) throws SQLException {
        boolean[] written = new boolean[batch.successCount()];
        int successes = 0;
        List<Object> entries = batch.entries;
        int i = 0;
        while (i < entries.size()) {
            Object first = entries.get(i);
            int end = i + 1;
            while (end < entries.size() && sameKind(entries.get(end), first)) {
                end++;
            }
            List<?> run = entries.subList(i, end);
            if (first instanceof StoreBatch.InsertJob) {
                for (Object e : run) {
                    StoreBatch.InsertJob insert = (StoreBatch.InsertJob) e;
                    JobRow row = jobs.insert(c, insert.job(), insert.firstTasks(), insert.splitComplete());
                    generated.add(() -> insert.row().set(row));
                }
            } else if (first instanceof StoreBatch.InsertTasks) {
                for (Object e : run) {
                    StoreBatch.InsertTasks t = (StoreBatch.InsertTasks) e;
                    tasks.insert(c, t.jobId(), t.firstIndex(), t.inputs(), t.splitComplete());
                }
            } else if (first instanceof StoreBatch.RegisterWorker) {
                for (Object e : run) {
                    StoreBatch.RegisterWorker r = (StoreBatch.RegisterWorker) e;
                    WorkerRow row = workers.register(c, r.registration());
                    generated.add(() -> r.row().set(row));
                }
            } else if (first instanceof StoreBatch.TaskSuccess) {
                for (boolean w : tasks.succeed(c, (List<StoreBatch.TaskSuccess>) run)) {
                    written[successes++] = w;
                }
            } else if (first instanceof StoreBatch.TaskAttemptFailed) {
                tasks.attemptsFailed(c, (List<StoreBatch.TaskAttemptFailed>) run);
            } else if (first instanceof StoreBatch.TaskFailed) {
                tasks.failed(c, (List<StoreBatch.TaskFailed>) run);
            } else if (first instanceof StoreBatch.JobUpdate) {
                for (Object e : run) {
                    jobs.update(c, (StoreBatch.JobUpdate) e);
                }
            } else if (first instanceof StoreBatch.WorkerUpdate) {
                workers.update(c, (List<StoreBatch.WorkerUpdate>) run);
            } else if (first instanceof WorkerEventRow) {
                workers.record(c, (List<WorkerEventRow>) run);
            } else {
                throw new IllegalStateException("unknown store batch entry " + first.getClass().getName());
            }
            i = end;
        }
        if (!batch.workerCounters.isEmpty()) {
            workers.count(c, batch.workerCounters);
        }
        return written;
    }

    /** Whether two entries are written by the same statement (job updates of every kind are written one by one). */
    private static boolean sameKind(Object a, Object b) {
        return a.getClass() == b.getClass() || (a instanceof StoreBatch.JobUpdate && b instanceof StoreBatch.JobUpdate);
    }

    @Override
    public void close() {
        dataSource.close();
    }

    // ---------------------------------------------------------------- delegates
    // The methods below are what code outside the store called before the store was split by aggregate.

    /** Increments and returns the master's epoch: a number that grows with every start of the master. */
    public long nextEpoch() {
        return masterInfo.nextEpoch(); // delegate: callers move to the repositories
    }

    public void insertJar(JarRow jar) {
        jars.put(jar); // delegate: callers move to the repositories
    }

    public Optional<JarRow> findJar(String sha256) {
        return jars.find(sha256); // delegate: callers move to the repositories
    }

    /** Inserts a QUEUED job and returns it with its new id. */
    public JobRow insertJob(NewJob job) {
        return jobs.insert(job, List.of(), false); // delegate: callers move to the repositories
    }

    /** See {@link JobRepository#insert}. */
    public JobRow insertJob(NewJob job, List<byte[]> firstTasks, boolean splitComplete) {
        return jobs.insert(job, firstTasks, splitComplete); // delegate: callers move to the repositories
    }

    public Optional<JobRow> findJob(String id) {
        return jobs.find(id); // delegate: callers move to the repositories
    }

    public List<JobRow> listJobs(int limit, Collection<JobState> states) {
        return jobs.list(limit, states, null, null); // delegate: callers move to the repositories
    }

    public List<JobRow> listJobs(int limit, Collection<JobState> states, String owner) {
        return jobs.list(limit, states, owner, null); // delegate: callers move to the repositories
    }

    public List<JobRow> listJobs(int limit, Collection<JobState> states, String owner, String schedule) {
        return jobs.list(limit, states, owner, schedule); // delegate: callers move to the repositories
    }

    public long unfinishedJobs(String owner) {
        return jobs.countUnfinished(owner); // delegate: callers move to the repositories
    }

    public List<JobRow> unfinishedJobs() {
        return jobs.unfinished(); // delegate: callers move to the repositories
    }

    public Optional<byte[]> jobResult(String id) {
        return jobs.result(id); // delegate: callers move to the repositories
    }

    public Map<String, Long> jobsByState() {
        return jobs.countByState(); // delegate: callers move to the repositories
    }

    public Optional<long[]> jobDurations(String jobId) {
        return jobs.durations(jobId); // delegate: callers move to the repositories
    }

    public long insertScheduleRun(ScheduleRunRow run) {
        return scheduleRuns.insert(run); // delegate: callers move to the repositories
    }

    public void updateScheduleRun(long seq, ScheduleRunRow.Outcome outcome, String jobId, String reason) {
        scheduleRuns.update(seq, outcome, jobId, reason); // delegate: callers move to the repositories
    }

    public List<ScheduleRunRow> scheduleRuns(String schedule, int limit) {
        return scheduleRuns.recent(schedule, limit); // delegate: callers move to the repositories
    }

    public List<ScheduleRunRow> waitingScheduleRuns() {
        return scheduleRuns.waiting(); // delegate: callers move to the repositories
    }

    public Optional<ScheduleRunRow> lastSubmittedRun(String schedule) {
        return scheduleRuns.lastSubmitted(schedule); // delegate: callers move to the repositories
    }

    public void deleteScheduleRuns(String schedule) {
        scheduleRuns.deleteFor(schedule); // delegate: callers move to the repositories
    }

    public void insertTasks(String jobId, long firstIndex, List<byte[]> inputs, boolean splitComplete) {
        tasks.insert(jobId, firstIndex, inputs, splitComplete); // delegate: callers move to the repositories
    }

    public List<StoredTask> pendingTasks(String jobId, long afterIndex, int limit) {
        return tasks.pending(jobId, afterIndex, limit); // delegate: callers move to the repositories
    }

    public Optional<StoredTask> pendingTask(String jobId, long index) {
        return tasks.pending(jobId, index); // delegate: callers move to the repositories
    }

    /** {@code [pending, succeeded, failed, cancelled]}. */
    public long[] countTasks(String jobId) {
        return tasks.count(jobId).toArray(); // delegate: callers move to the repositories
    }

    /** A task as {@link TaskView}, with its state as its stored code. */
    public record TaskView(long index, int state, int failures, int losses, int crashes, String workerId, Long durationMs,
            String error) {

        static TaskView of(io.gridwork.master.store.TaskView t) {
            return new TaskView(t.index(), t.state().code(), t.failures(), t.losses(), t.crashes(), t.workerId(),
                    t.durationMs(), t.error());
        }
    }

    /** {@code state}: a stored state code, or -1 for all. */
    public List<TaskView> taskPage(String jobId, long fromIndex, int state, boolean errorsOnly, int limit) {
        return tasks.page(jobId, fromIndex, state < 0 ? null : StoredTaskState.ofCode(state), errorsOnly, limit).stream()
                .map(TaskView::of).toList(); // delegate: callers move to the repositories
    }

    /** See {@link TaskDurations#bucketBoundsMs()}. */
    public static final long[] DURATION_BUCKETS_MS = TaskDurations.bucketBoundsMs(); // delegate: callers move to TaskDurations

    public long[] durationHistogram(String jobId) {
        return tasks.durationHistogram(jobId); // delegate: callers move to the repositories
    }

    public static int durationBucket(long ms) {
        return TaskDurations.bucket(ms); // delegate: callers move to TaskDurations
    }

    public Optional<String> firstTaskError(String jobId) {
        return tasks.firstError(jobId); // delegate: callers move to the repositories
    }

    public Stream<byte[]> outputs(String jobId) {
        return tasks.outputs(jobId); // delegate: callers move to the repositories
    }

    public WorkerRow registerWorker(WorkerRegistration r) {
        return workers.register(r); // delegate: callers move to the repositories
    }

    /** Every worker, by name. */
    public List<WorkerRow> workers() {
        return workers.all(); // delegate: callers move to the repositories
    }

    public List<WorkerEventRow> workerEvents(String workerId, int limit) {
        return workers.events(workerId, limit); // delegate: callers move to the repositories
    }

    public void insertToken(TokenRow t) {
        tokens.insert(t); // delegate: callers move to the repositories
    }

    public Optional<TokenRow> findToken(String id) {
        return tokens.find(id); // delegate: callers move to the repositories
    }

    public List<TokenRow> tokens(boolean includeRevoked) {
        return tokens.list(includeRevoked); // delegate: callers move to the repositories
    }

    public List<TokenRow> revokeTokens(String idOrName, Instant at) {
        return tokens.revoke(idOrName, at); // delegate: callers move to the repositories
    }

    public void insertAudit(AuditRow a) {
        audit.insert(a); // delegate: callers move to the repositories
    }

    public List<AuditRow> audit(int limit) {
        return audit.recent(limit); // delegate: callers move to the repositories
    }
}
