package io.gridwork.master.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.gridwork.master.store.jdbc.Jdbc;
import io.gridwork.master.store.jdbc.JdbcAuditRepository;
import io.gridwork.master.store.jdbc.JdbcDataSetRepository;
import io.gridwork.master.store.jdbc.JdbcJarRowRepository;
import io.gridwork.master.store.jdbc.JdbcJobRepository;
import io.gridwork.master.store.jdbc.JdbcMasterInfoRepository;
import io.gridwork.master.store.jdbc.JdbcMasterRepository;
import io.gridwork.master.store.jdbc.JdbcScheduleRunRepository;
import io.gridwork.master.store.jdbc.JdbcTaskRepository;
import io.gridwork.master.store.jdbc.JdbcTokenRepository;
import io.gridwork.master.store.jdbc.JdbcUsageRepository;
import io.gridwork.master.store.jdbc.JdbcWorkerRepository;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The master's durable state, in H2 or PostgreSQL (see {@link Dialect}): what is opened and closed, applies a
 * {@link StoreBatch} (the core's journal) in one transaction, and gives the repositories of each aggregate (jobs,
 * tasks, workers, schedule runs, tokens, audit, jars, master info, the masters sharing the store). Schema changes are Flyway migrations under
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
    private final JdbcMasterRepository masters;
    private final JdbcDataSetRepository dataSets;
    private final io.gridwork.master.store.jdbc.JdbcTrustRepository trust;
    private final DependencyRepository dependencies;
    private final io.gridwork.master.store.jdbc.JdbcCheckpoints checkpoints;
    private final JdbcUsageRepository usage;
    /** Who this master is: new at every open and every {@link #rejoin()}. */
    private volatile MasterIdentity identity;

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
        // a call that needs the database while it is down fails within seconds (UNAVAILABLE naming the database), not
        // after the pool's default 30 s, which is as long as a client's whole call deadline
        hikari.setConnectionTimeout(5_000);
        // One attempt to connect when opening, so an unreachable database is reported at once, with its reason.
        hikari.setInitializationFailTimeout(1);
        if (dialect.isPostgres()) {
            // a master paused (SIGSTOP, a long GC, a frozen VM) inside a transaction keeps its row locks, among them
            // the share lock on its own master row that fences its writes; a takeover of it waits for that lock. The
            // server ends such a transaction after 5 s, so the takeover proceeds and the paused master's commit fails
            hikari.setConnectionInitSql("SET idle_in_transaction_session_timeout = '5s'");
        }
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
            this.identity = newIdentity();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        this.masters = new JdbcMasterRepository(jdbc, config, masterInfo);
        this.tasks = new JdbcTaskRepository(jdbc);
        this.jobs = new JdbcJobRepository(jdbc, tasks, () -> identity);
        this.workers = new JdbcWorkerRepository(jdbc);
        this.scheduleRuns = new JdbcScheduleRunRepository(jdbc);
        this.tokens = new JdbcTokenRepository(jdbc);
        this.audit = new JdbcAuditRepository(jdbc);
        this.jars = new JdbcJarRowRepository(jdbc);
        this.dataSets = new JdbcDataSetRepository(jdbc);
        this.trust = new io.gridwork.master.store.jdbc.JdbcTrustRepository(jdbc);
        this.dependencies = new io.gridwork.master.store.jdbc.JdbcDependencyRepository(jdbc);
        this.checkpoints = new io.gridwork.master.store.jdbc.JdbcCheckpoints(jdbc);
        this.usage = new JdbcUsageRepository(jdbc);
    }

    /** The usage ledger's reports and the quotas. */
    public UsageRepository usage() {
        return usage;
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

    private MasterIdentity newIdentity() {
        return new MasterIdentity(UUID.randomUUID().toString(), masterInfo.nextEpoch());
    }

    /**
     * This master process's id on the store (a random UUID, new at every open and every {@link #rejoin()}): the owner
     * of the jobs it stores, and its row in {@link #masters()}.
     */
    public String masterId() {
        return identity.id();
    }

    /**
     * This master's epoch (new at every open and every {@link #rejoin()}, larger than every epoch before it on this
     * store): the lease epoch of the jobs it stores.
     */
    public long epoch() {
        return identity.epoch();
    }

    /** This master's id and epoch together (as one read, so they belong to the same identity). */
    public MasterIdentity identity() {
        return identity;
    }

    /**
     * Takes a new identity (a new id and a new epoch), as a master that was fenced does before it rejoins: jobs it
     * stores from now on are its new identity's, and its batches are fenced by the new id's row once it has
     * {@linkplain MasterRepository#join joined} with it (not before).
     *
     * @return the new identity
     */
    public synchronized MasterIdentity rejoin() {
        MasterIdentity next = newIdentity();
        identity = next;
        return next;
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

    public WorkerRepository workers() {
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

    /** The data sets of the data grid. */
    public DataSetRepository dataSets() {
        return dataSets;
    }

    /** Workers' trust records from jobs run by quorum. */
    public TrustRepository trust() {
        return trust;
    }

    /** Dependencies between jobs (grid submit --after). */
    public DependencyRepository dependencies() {
        return dependencies;
    }

    public JarRowRepository jars() {
        return jars;
    }

    public MasterInfoRepository masterInfo() {
        return masterInfo;
    }

    /** The masters sharing this store: leases, takeovers, events, the peer secret. */
    public MasterRepository masters() {
        return masters;
    }

    /** Task checkpoints (written through {@link #apply}; read back with the pending tasks). */
    public io.gridwork.master.store.jdbc.JdbcCheckpoints checkpoints() {
        return checkpoints;
    }

    // ---------------------------------------------------------------- the journal

    /**
     * Applies a batch in one transaction, its entries in the order they were added (each run of consecutive entries
     * of one kind as one JDBC batch), then the workers' counters. A task's output is written only if the task is
     * still pending, so a result is never stored twice; returned is, per success in order, whether its output was
     * written. Generated rows are set only once the transaction has committed.
     *
     * <p>Once this master has {@linkplain MasterRepository#join joined} with its {@link #masterId()}, the transaction
     * first reads its own master row (on PostgreSQL {@code FOR SHARE}, so it and a takeover of this master come one
     * after the other) and writes nothing if another master declared it DEAD (or it LEFT).
     *
     * @throws FencedException if this master was declared DEAD or has left: nothing of the batch was written
     */
    public boolean[] apply(StoreBatch batch) {
        List<Runnable> generated = new ArrayList<>();
        boolean[] written = jdbc.inTransaction(c -> {
            generated.clear();
            String me = identity.id();
            if (masters.joined(me)) {
                masters.checkNotFenced(c, me);
            }
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
                    JobRow row = jobs.insert(c, insert.job(), insert.firstTasks(), insert.splitComplete(),
                            insert.after(), insert.seq());
                    StoreBatch.JobAudit a = insert.audit();
                    if (a != null) {
                        audit.insert(c, new AuditRow(0, insert.job().submittedAt(), a.actor(), a.action(), row.id(),
                                a.detail()));
                    }
                    generated.add(() -> insert.row().set(row));
                }
            } else if (first instanceof StoreBatch.ReserveJobIds) {
                for (Object e : run) {
                    StoreBatch.ReserveJobIds r = (StoreBatch.ReserveJobIds) e;
                    StoreBatch.ReservedJobIds ids = jobs.reserveIds(c, r.count());
                    generated.add(() -> r.ids().set(ids));
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
            } else if (first instanceof TaskAttemptRow) {
                tasks.attemptsEnded(c, (List<TaskAttemptRow>) run);
            } else if (first instanceof StoreBatch.JobUpdate) {
                for (Object e : run) {
                    jobs.update(c, (StoreBatch.JobUpdate) e);
                }
            } else if (first instanceof StoreBatch.WorkerUpdate) {
                workers.update(c, (List<StoreBatch.WorkerUpdate>) run);
            } else if (first instanceof StoreBatch.TrustCounted) {
                trust.count(c, (List<StoreBatch.TrustCounted>) run);
            } else if (first instanceof StoreBatch.QuorumCounted) {
                jobs.quorumCounted(c, (List<StoreBatch.QuorumCounted>) run);
            } else if (first instanceof WorkerEventRow) {
                workers.record(c, (List<WorkerEventRow>) run);
            } else if (first instanceof StoreBatch.CheckpointSaved) {
                checkpoints.save(c, (List<StoreBatch.CheckpointSaved>) run);
            } else if (first instanceof StoreBatch.CheckpointResumed) {
                checkpoints.resumed(c, (List<StoreBatch.CheckpointResumed>) run);
            } else if (first instanceof StoreBatch.CheckpointsDeleted) {
                checkpoints.delete(c, (List<StoreBatch.CheckpointsDeleted>) run);
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

    /**
     * Closes the pool and this master's session on the store (without {@linkplain MasterRepository#leave leaving}:
     * to the other masters, a store closed without leaving looks like a master that was killed).
     */
    @Override
    public void close() {
        try {
            masters.close();
        } finally {
            dataSource.close();
        }
    }
}
