package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.AttemptOutcome;
import io.gridwork.master.model.JobState;
import io.gridwork.master.model.Role;
import io.gridwork.master.model.WorkerEventType;
import io.gridwork.master.model.WorkerState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every store does, whatever its database: each database has a subclass that gives a fresh, empty database
 * per test. Covers every operation of the store and the semantics of a batch (entry order, generated rows, an
 * output written once).
 */
abstract class StoreContract {

    private static final String JAR = "a".repeat(64);

    protected StoreConfig config;
    protected Store store;
    protected final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    /** A configuration of a new, empty database. */
    protected abstract StoreConfig freshDatabase();

    @BeforeEach
    void open() {
        config = freshDatabase();
        store = Store.open(config);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private JobRow aJob() {
        store.jars().put(new JarRow(JAR, 10, "x.jar", now));
        return store.jobs().insert(aNewJob(), List.of(), false);
    }

    private NewJob aNewJob() {
        return new NewJob(JAR, "x.Job", Map.of("n", "3"), 3, 0, now, "lab", NewJob.Placement.DEFAULT);
    }

    private WorkerRegistration aRegistration(String name) {
        return new WorkerRegistration(name, 2, 1, Map.of(), "10.0.0.1", 5000, Map.of(), now);
    }

    /**
     * V20: the job table keeps one index holding the state, on (state, owner), so that a job's insert and its end write
     * one index less. The queries by state alone and the count of a user's unfinished jobs still read it (not the
     * whole table): on PostgreSQL with sequential scans disabled, since a table this small is read whole anyway.
     */
    @Test
    void queriesByStateReadTheIndexOnStateAndOwner() throws Exception {
        aJob();
        try (java.sql.Connection c = store.dataSource().getConnection(); java.sql.Statement s = c.createStatement()) {
            if (store.dialect().isPostgres()) {
                s.execute("SET enable_seqscan = off");
            }
            for (String query : List.of(
                    "SELECT COUNT(*) FROM job WHERE owner = 'lab' AND state = 'QUEUED'",
                    "SELECT id FROM job WHERE state IN ('QUEUED', 'RUNNING', 'WAITING') ORDER BY seq")) {
                StringBuilder plan = new StringBuilder();
                try (java.sql.ResultSet rs = s.executeQuery("EXPLAIN " + query)) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                assertThat(plan.toString().toLowerCase(java.util.Locale.ROOT)).as(query).contains("job_state_owner_idx");
            }
            try (java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM job WHERE owner = 'lab' AND state = 'QUEUED'")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void jobsGetSequentialIdsAndKeepTheirArguments() {
        JobRow first = aJob();
        JobRow second = store.jobs().insert(new NewJob("a".repeat(64), "x.Job", Map.of("k", "a=b&c"), 3, 0, now, "other",
                new NewJob.Placement("gpu=a100 && mem>=4g", 2, 5, false)), List.of(), false);
        assertThat(first.id()).isEqualTo("job-1");
        assertThat(second.id()).isEqualTo("job-2");
        assertThat(store.jobs().find("job-2").orElseThrow().args()).isEqualTo(Map.of("k", "a=b&c"));
        assertThat(store.jobs().find("job-2").orElseThrow().placement())
                .isEqualTo(new NewJob.Placement("gpu=a100 && mem>=4g", 2, 5, false));
        assertThat(store.jobs().find("job-1").orElseThrow().placement()).isEqualTo(NewJob.Placement.DEFAULT);
        assertThat(store.jobs().list(10, List.of(), null, null)).extracting(JobRow::id)
                .containsExactly("job-2", "job-1");
        assertThat(store.jobs().unfinished()).hasSize(2);
        assertThat(store.jobs().list(10, List.of(), "lab", null)).extracting(JobRow::id).containsExactly("job-1");
        assertThat(store.jobs().countUnfinished("other")).isEqualTo(1);
    }

    @Test
    void jobNumbersReservedAheadAreNeverGivenAgainAndAJobCanBeInsertedUnderOne() {
        JobRow first = aJob(); // job-1, from the sequence in its insert
        StoreBatch reserve = new StoreBatch();
        StoreBatch.Generated<StoreBatch.ReservedJobIds> ids = reserve.reserveJobIds(4);
        store.apply(reserve);
        assertThat(ids.get().seqs()).containsExactly(2L, 3L, 4L, 5L);
        assertThat(ids.get().master()).isEqualTo(store.identity());
        assertThat(aJob().id()).as("the sequence goes on after them").isEqualTo("job-6");

        NewJob job = new NewJob(JAR, "x.Job", Map.of("n", "1"), 3, 0, now, "lab", NewJob.Placement.DEFAULT);
        StoreBatch insert = new StoreBatch();
        StoreBatch.Generated<JobRow> row = insert.insertJob(job, List.of("t".getBytes()), true, null, 3);
        store.apply(insert);
        assertThat(row.get()).isEqualTo(job.queuedRow(3, store.identity(), 1, true));
        assertThat(store.jobs().find("job-3").orElseThrow()).isEqualTo(row.get());
        assertThat(store.tasks().count("job-3").total()).isEqualTo(1);
        assertThat(store.jobs().list(10, List.of(), null, null)).extracting(JobRow::id)
                .containsExactly("job-6", "job-3", first.id());
        assertThat(store.jobs().countUnfinished("lab")).isEqualTo(3);
    }

    @Test
    void jobsCanBeListedByTheirClassFullOrSimpleName() {
        JobRow plain = aJob(); // x.Job
        JobRow nested = store.jobs().insert(new NewJob(JAR, "io.x.Outer$Pi_Job", Map.of(), 3, 0, now, "lab",
                NewJob.Placement.DEFAULT), List.of(), false);
        assertThat(store.jobs().list(10, List.of(), null, null, "x.Job")).extracting(JobRow::id).containsExactly(plain.id());
        assertThat(store.jobs().list(10, List.of(), null, null, "Job")).extracting(JobRow::id).containsExactly(plain.id());
        assertThat(store.jobs().list(10, List.of(), null, null, "Pi_Job")).extracting(JobRow::id)
                .containsExactly(nested.id());
        assertThat(store.jobs().list(10, List.of(), "lab", null, "io.x.Outer$Pi_Job")).extracting(JobRow::id)
                .containsExactly(nested.id());
        assertThat(store.jobs().list(10, List.of(), null, null, "PiXJob")).isEmpty(); // _ is no wildcard
        assertThat(store.jobs().list(10, List.of(), null, null, "ob")).isEmpty();
    }

    @Test
    void anOutputIsStoredOnceAndOutputsStreamInTaskOrderAcrossPages() {
        JobRow job = aJob();
        int n = 1300;
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            inputs.add(new byte[] {(byte) i});
        }
        store.tasks().insert(job.id(), 0, inputs, true);
        // (1300 rows: statements of 128, of 16 and of one row each; every input where it belongs)
        List<StoredTask> pending = store.tasks().pending(job.id(), -1, n + 1);
        assertThat(pending).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(pending.get(i).index()).isEqualTo(i);
            assertThat(pending.get(i).input()).containsExactly((byte) i);
        }
        StoreBatch batch = new StoreBatch();
        for (int i = n - 1; i >= 0; i--) {
            batch.success(new StoreBatch.TaskSuccess(job.id(), i, Integer.toString(i).getBytes(), "w-1", 1));
        }
        boolean[] written = store.apply(batch);
        assertThat(written).hasSize(n).doesNotContain(false);
        boolean[] again = store.apply(new StoreBatch().success(new StoreBatch.TaskSuccess(job.id(), 5, "x".getBytes(), "w-1", 1)));
        assertThat(again).containsExactly(false);

        List<String> outputs = store.tasks().outputs(job.id()).map(String::new).collect(Collectors.toList());
        assertThat(outputs).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(outputs.get(i)).isEqualTo(Integer.toString(i));
        }
        assertThat(store.tasks().count(job.id())).isEqualTo(new TaskCounts(0, n, 0, 0));
        assertThat(store.jobs().find(job.id()).orElseThrow().totalTasks()).isEqualTo(n);
    }

    @Test
    void pendingTasksComeBackAfterARestartWithTheirFailureCounts() {
        JobRow job = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}), false);
        store.apply(new StoreBatch()
                .success(new StoreBatch.TaskSuccess(job.id(), 1, new byte[0], "w-1", 1))
                .attemptFailed(new StoreBatch.TaskAttemptFailed(job.id(), 2, 1, 2, 1, "boom"), "w-1"));
        List<StoredTask> pending = store.tasks().pending(job.id(), -1, 10);
        assertThat(pending).extracting(StoredTask::index).containsExactly(0L, 2L);
        assertThat(pending.get(1).failures()).isEqualTo(1);
        assertThat(pending.get(1).losses()).isEqualTo(2);
        assertThat(pending.get(1).crashes()).isEqualTo(1);
        assertThat(store.tasks().pending(job.id(), 0, 10)).extracting(StoredTask::index).containsExactly(2L);
    }

    @Test
    void aJobsDurationsAreKeptWhenItEndsEvenThroughACombinedBatch() {
        JobRow job = aJob();
        assertThat(store.jobs().durations(job.id())).isEmpty();
        long[] counts = {1, 2, 3, 0, 0, 0, 9};
        StoreBatch combined = new StoreBatch().addAll(new StoreBatch().job(StoreBatch.JobUpdate.ended(job.id(),
                JobState.SUCCEEDED, now, null, 6, 0, 0, 0, 0, 0, null, counts)));
        assertThat(combined.isEmpty()).isFalse();
        store.apply(combined);
        assertThat(store.jobs().durations(job.id())).hasValue(counts);
        assertThat(TaskDurations.bucket(0)).isZero();
        assertThat(TaskDurations.bucket(9)).isEqualTo(1);
        assertThat(TaskDurations.bucket(10)).isEqualTo(2);
        assertThat(TaskDurations.bucket(3_600_000)).isEqualTo(TaskDurations.bucketBoundsMs().length);
    }

    @Test
    void theDashboardReadsTaskPagesAndDurationsWithoutInputsOrOutputs() {
        JobRow job = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}), true);
        store.apply(new StoreBatch()
                .success(new StoreBatch.TaskSuccess(job.id(), 1, new byte[0], "w-1", 5))
                .success(new StoreBatch.TaskSuccess(job.id(), 0, new byte[0], "w-2", 50))
                .attemptFailed(new StoreBatch.TaskAttemptFailed(job.id(), 2, 1, 0, 0, "boom"), "w-1"));
        assertThat(store.tasks().durationHistogram(job.id())).containsExactly(0, 1, 1, 0, 0, 0, 0);
        List<TaskView> all = store.tasks().page(job.id(), 0, null, false, 10);
        assertThat(all).extracting(TaskView::index).containsExactly(0L, 1L, 2L);
        assertThat(all.get(0).workerId()).isEqualTo("w-2");
        assertThat(all.get(0).durationMs()).isEqualTo(50L);
        assertThat(store.tasks().page(job.id(), 1, null, false, 1)).extracting(TaskView::index).containsExactly(1L);
        assertThat(store.tasks().page(job.id(), 0, null, true, 10)).extracting(TaskView::error).containsExactly("boom");
        assertThat(store.tasks().page(job.id(), 0, StoredTaskState.SUCCEEDED, false, 10)).extracting(TaskView::index).containsExactly(0L, 1L);
    }

    @Test
    void jobUpdatesAndResults() {
        JobRow job = aJob();
        store.apply(new StoreBatch().job(StoreBatch.JobUpdate.started(job.id(), now))
                .job(StoreBatch.JobUpdate.ended(job.id(), JobState.SUCCEEDED, now.plusSeconds(2), null, 3, 0, 1, 2, 1, 4,
                        new StoreBatch.JobResultData(new byte[] {7, 8}, "78", "text/plain"), new long[] {3, 0, 0, 0, 0, 0, 0})));
        JobRow done = store.jobs().find(job.id()).orElseThrow();
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.startedAt()).isEqualTo(now);
        assertThat(done.finishedAt()).isEqualTo(now.plusSeconds(2));
        assertThat(done.retried()).isEqualTo(1);
        assertThat(done.error()).isNull();
        assertThat(done.succeeded()).isEqualTo(3);
        assertThat(done.lost()).isEqualTo(2);
        assertThat(done.rejected()).isEqualTo(1);
        assertThat(done.speculated()).isEqualTo(4);
        assertThat(done.resultText()).isEqualTo("78");
        assertThat(done.resultSize()).isEqualTo(2);
        assertThat(store.jobs().result(job.id()).orElseThrow()).containsExactly(7, 8);
        assertThat(store.jobs().unfinished()).isEmpty();
    }

    @Test
    void aWorkerKeepsItsIdAndGetsANewIncarnationEachTimeItRegisters() {
        WorkerRegistration r = new WorkerRegistration("w", 2, 1, Map.of("gpu", "a100"), "10.0.0.1", 5000,
                Map.of("os", "linux"), now);
        WorkerRow first = store.workers().register(r);
        store.apply(new StoreBatch().success(new StoreBatch.TaskSuccess("none", 0, new byte[0], first.id(), 1))
                .worker(new StoreBatch.WorkerUpdate(first.id(), WorkerState.DEAD, now, true)));
        WorkerRow second = store.workers().register(r);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.drainRequested()).as("a drained worker stays drained when it registers again").isTrue();
        assertThat(second.incarnation()).isEqualTo(first.incarnation() + 1);
        assertThat(second.completed()).isEqualTo(1);
        assertThat(second.state()).isEqualTo(WorkerState.ALIVE);
        assertThat(store.workers().all()).singleElement()
                .satisfies(w -> assertThat(w.labels()).isEqualTo(Map.of("gpu", "a100")));
    }

    @Test
    void theEpochGrowsWithEveryStart() {
        long a = store.masterInfo().nextEpoch();
        long b = store.masterInfo().nextEpoch();
        assertThat(b).isEqualTo(a + 1);
    }

    @Test
    void anInsertedJobIsGeneratedWithItsIdOnlyOnceTheBatchIsApplied() {
        store.jars().put(new JarRow(JAR, 10, "x.jar", now));
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<JobRow> first = batch.insertJob(aNewJob(), List.of(new byte[] {1}, new byte[] {2}), false);
        StoreBatch.Generated<JobRow> second = batch.insertJob(aNewJob(), List.of(), true);
        assertThat(first.isDone()).isFalse();
        assertThatThrownBy(first::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("not been applied");

        store.apply(batch);

        assertThat(first.get().id()).isEqualTo("job-1");
        assertThat(first.get().totalTasks()).isEqualTo(2);
        assertThat(second.get().id()).isEqualTo("job-2");
        assertThat(second.get().splitComplete()).isTrue();
        assertThat(store.jobs().find("job-1").orElseThrow().totalTasks()).isEqualTo(2);
        assertThat(store.tasks().pending("job-1", -1, 10)).extracting(StoredTask::index).containsExactly(0L, 1L);
    }

    @Test
    void aWaitingJobIsStoredWithItsDependenciesAndReleasedOnceWithItsResolvedArgumentsAndOptions() {
        store.jars().put(new JarRow(JAR, 10, "x.jar", now));
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<JobRow> a = batch.insertJob(aNewJob(), List.of(), true);
        StoreBatch.Generated<JobRow> b = batch.insertJob(aNewJob(), List.of(), true);
        store.apply(batch);
        StoreBatch waiting = new StoreBatch();
        StoreBatch.Generated<JobRow> c = waiting.insertWaitingJob(new NewJob(JAR, "x.Job", Map.of("n", "@result:job-2"),
                0, 0, now, "lab", new NewJob.Placement("", 0, 0, true)), List.of(b.get().id(), a.get().id()), null);
        store.apply(waiting);

        assertThat(c.get().state()).isEqualTo(JobState.WAITING);
        assertThat(store.jobs().find(c.get().id()).orElseThrow().state()).isEqualTo(JobState.WAITING);
        assertThat(store.jobs().unfinished()).extracting(JobRow::id).contains(c.get().id());
        assertThat(store.jobs().countUnfinished("lab")).isEqualTo(3);
        assertThat(store.dependencies().upstream(c.get().id())).as("in the order given").containsExactly("job-2", "job-1");
        assertThat(store.dependencies().downstream("job-1")).containsExactly(c.get().id());
        assertThat(store.dependencies().upstream(List.of("job-1", c.get().id()))).containsOnlyKeys(c.get().id());
        assertThat(store.dependencies().downstream(List.of("job-1", "job-2"))).containsOnlyKeys("job-1", "job-2");

        NewJob.Placement chosen = new NewJob.Placement("gpu=a100", 2, 5, false);
        StoreBatch release = new StoreBatch().job(new StoreBatch.JobReleased(c.get().id(), now, Map.of("n", "42"), 4,
                9000, chosen)).insertTasks(c.get().id(), 0, List.of(new byte[] {1}), true);
        store.apply(release);
        JobRow released = store.jobs().find(c.get().id()).orElseThrow();
        assertThat(released.state()).isEqualTo(JobState.QUEUED);
        assertThat(released.args()).containsExactly(Map.entry("n", "42"));
        assertThat(released.maxAttempts()).isEqualTo(4);
        assertThat(released.taskTimeoutMs()).isEqualTo(9000);
        assertThat(released.placement()).isEqualTo(chosen);
        assertThat(released.totalTasks()).isEqualTo(1);

        store.apply(new StoreBatch().job(new StoreBatch.JobReleased(c.get().id(), now, Map.of("n", "7"), 1, 0,
                NewJob.Placement.DEFAULT)));
        assertThat(store.jobs().find(c.get().id()).orElseThrow().args()).as("only a WAITING job is released")
                .containsEntry("n", "42");
    }

    @Test
    void aSubmissionIsAuditedInTheCommitThatStoresItsJobNamingTheNewJob() {
        store.jars().put(new JarRow(JAR, 10, "x.jar", now));
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<JobRow> job = batch.insertJob(aNewJob(), List.of(new byte[] {1}), true,
                new StoreBatch.JobAudit("token alice", "job.submit", "x.Job [n]"));
        assertThat(store.audit().recent(10)).isEmpty();

        store.apply(batch);

        assertThat(store.audit().recent(10)).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("token alice");
            assertThat(e.action()).isEqualTo("job.submit");
            assertThat(e.target()).isEqualTo(job.get().id());
            assertThat(e.detail()).isEqualTo("x.Job [n]");
            assertThat(e.at()).isEqualTo(now);
        });
    }

    @Test
    void aStartStoredAfterTheJobsEndDoesNotUndoIt() {
        JobRow job = aJob();
        store.apply(new StoreBatch().job(StoreBatch.JobUpdate.ended(job.id(), JobState.CANCELLED, now.plusSeconds(1),
                "enough", 0, 0, 0, 0, 0, 0, null, new long[] {0, 0, 0, 0, 0, 0, 0}))
                .job(StoreBatch.JobUpdate.started(job.id(), now)));
        JobRow ended = store.jobs().find(job.id()).orElseThrow();
        assertThat(ended.state()).isEqualTo(JobState.CANCELLED);
        assertThat(ended.startedAt()).isNull();
    }

    @Test
    void aBatchThatFailsGeneratesNothing() {
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<WorkerRow> worker = batch.registerWorker(aRegistration("w"));
        StoreBatch.Generated<JobRow> job = batch.insertJob(aNewJob(), List.of(), true); // its jar is unknown
        assertThatThrownBy(() -> store.apply(batch)).isInstanceOf(StoreException.class);
        assertThat(worker.isDone()).isFalse();
        assertThat(job.isDone()).isFalse();
        assertThat(store.workers().all()).as("rolled back with the batch").isEmpty();
    }

    private TaskAttemptRow anAttempt(String jobId, long index, int attempt, AttemptOutcome outcome, String log) {
        return TaskAttemptRow.ended(jobId, index, attempt, 1000L + attempt, "w-1", "worker-one", now,
                now.plusSeconds(2), outcome, 1500, outcome == AttemptOutcome.SUCCEEDED ? null : "IllegalStateException: boom",
                outcome == AttemptOutcome.FAILED ? "java.lang.IllegalStateException" : null,
                outcome == AttemptOutcome.FAILED ? "java.lang.IllegalStateException: boom\n\tat x.Job.run(Job.java:7)\n"
                        + "Caused by: java.io.IOException: disk\u0000full\n" : null, log, 0);
    }

    @Test
    void anAttemptIsKeptWithItsLogAndStackTraceInTheTransactionThatEndsIt() {
        JobRow job = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {1}, new byte[] {2}), true);
        store.apply(new StoreBatch()
                .attemptEnded(anAttempt(job.id(), 1, 1, AttemptOutcome.FAILED, "starting\nhé wörld\n"))
                .attemptFailed(new StoreBatch.TaskAttemptFailed(job.id(), 1, 1, 0, 0, "boom"), "w-1"));
        store.apply(new StoreBatch()
                .success(new StoreBatch.TaskSuccess(job.id(), 1, new byte[] {9}, "w-2", 5))
                .attemptEnded(anAttempt(job.id(), 1, 2, AttemptOutcome.SUCCEEDED, "")));

        List<TaskAttemptRow> attempts = store.tasks().attempts(job.id(), 1L, 0, false, 0, 10);
        assertThat(attempts).extracting(TaskAttemptRow::attempt).containsExactly(1, 2);
        TaskAttemptRow failed = attempts.get(0);
        assertThat(failed.outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(failed.workerName()).isEqualTo("worker-one");
        assertThat(failed.startedAt()).isEqualTo(now);
        assertThat(failed.endedAt()).isEqualTo(now.plusSeconds(2));
        assertThat(failed.durationMs()).isEqualTo(1500);
        assertThat(failed.log()).isEqualTo("starting\nhé wörld\n");
        assertThat(failed.exceptionType()).isEqualTo("java.lang.IllegalStateException");
        assertThat(failed.stackTrace()).startsWith("java.lang.IllegalStateException: boom\n\tat x.Job.run")
                .as("a NUL, which PostgreSQL refuses in text, is replaced").contains("disk\uFFFDfull");
        assertThat(attempts.get(1).outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(attempts.get(1).error()).isNull();
        assertThat(attempts.get(1).seq()).isGreaterThan(failed.seq());
        assertThat(store.tasks().attempts(job.id(), 1L, 2, false, 0, 10)).extracting(TaskAttemptRow::attempt).containsExactly(2);
        assertThat(store.tasks().attempts(job.id(), null, 0, false, failed.seq(), 10)).extracting(TaskAttemptRow::attempt)
                .as("after a seq: only what ended later").containsExactly(2);
        assertThat(store.tasks().attempts(job.id(), 0L, 0, false, 0, 10)).isEmpty();
        assertThat(store.tasks().attempts(job.id(), null, 0, true, 0, 10)).extracting(TaskAttemptRow::attempt)
                .as("failures only").containsExactly(1);
        assertThat(store.tasks().attempts(job.id(), null, 0, false, 0, 1)).hasSize(1);
    }

    @Test
    void anAttemptsEndIsRolledBackWithItsBatch() {
        JobRow job = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {1}), true);
        StoreBatch batch = new StoreBatch()
                .success(new StoreBatch.TaskSuccess(job.id(), 0, new byte[] {9}, "w-1", 5))
                .attemptEnded(anAttempt(job.id(), 0, 1, AttemptOutcome.SUCCEEDED, "printed\n"));
        batch.insertJob(new NewJob("b".repeat(64), "x.Job", Map.of(), 3, 0, now, "lab", NewJob.Placement.DEFAULT), List.of(),
                true); // its jar is unknown: the batch fails
        assertThatThrownBy(() -> store.apply(batch)).isInstanceOf(StoreException.class);
        assertThat(store.tasks().attempts(job.id(), null, 0, false, 0, 10)).as("rolled back with the output").isEmpty();
        assertThat(store.tasks().count(job.id()).pending()).isEqualTo(1);
    }

    @Test
    void aFailedTasksRowNamesTheWorkerItLastRanOn() {
        JobRow job = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {1}), true);
        store.apply(new StoreBatch()
                .attemptEnded(anAttempt(job.id(), 0, 1, AttemptOutcome.FAILED, ""))
                .taskFailed(new StoreBatch.TaskFailed(job.id(), 0, 1, 0, 0, "boom"), "w-1"));
        assertThat(store.tasks().page(job.id(), 0, null, false, 10)).extracting(TaskView::workerId).containsExactly("w-1");
    }

    @Test
    void aLogLongerThanTheStoresBoundKeepsItsHeadAndTail() {
        JobRow job = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {1}), true);
        String log = "HEAD" + "x".repeat(TaskAttemptRow.MAX_LOG_BYTES) + "TAIL";
        store.apply(new StoreBatch().attemptEnded(anAttempt(job.id(), 0, 1, AttemptOutcome.SUCCEEDED, log)));
        TaskAttemptRow stored = store.tasks().attempts(job.id(), 0L, 1, false, 0, 1).get(0);
        assertThat(stored.log()).startsWith("HEAD").endsWith("TAIL").contains("bytes of output cut by the master");
        assertThat(stored.log().length()).isLessThanOrEqualTo(TaskAttemptRow.MAX_LOG_BYTES);
        assertThat(stored.logCutBytes()).isEqualTo(log.length() - (TaskAttemptRow.MAX_LOG_BYTES - 200));
    }

    @Test
    void tasksInsertedEarlierInABatchTakeResultsLaterInIt() {
        store.jars().put(new JarRow(JAR, 10, "x.jar", now));
        JobRow job = store.jobs().insert(aNewJob(), List.of(), false);
        StoreBatch inserts = new StoreBatch().insertTasks(job.id(), 0, List.of(new byte[] {1}, new byte[] {2}), true);
        StoreBatch results = new StoreBatch().success(new StoreBatch.TaskSuccess(job.id(), 1, new byte[] {9}, "w-1", 3));
        boolean[] written = store.apply(new StoreBatch().addAll(inserts).addAll(results));
        assertThat(written).containsExactly(true);
        assertThat(store.tasks().count(job.id())).isEqualTo(new TaskCounts(1, 1, 0, 0));
        assertThat(store.jobs().find(job.id()).orElseThrow().splitComplete()).isTrue();
    }

    @Test
    void writesToOneTaskApplyInTheOrderTheyWereAdded() {
        store.jars().put(new JarRow(JAR, 10, "x.jar", now));
        JobRow job = store.jobs().insert(aNewJob(), List.of(new byte[] {0}, new byte[] {1}), true);
        boolean[] written = store.apply(new StoreBatch()
                .taskFailed(new StoreBatch.TaskFailed(job.id(), 0, 3, 0, 0, "failed first"), "w-1")
                .success(new StoreBatch.TaskSuccess(job.id(), 0, new byte[] {7}, "w-2", 1))
                .success(new StoreBatch.TaskSuccess(job.id(), 1, new byte[] {8}, "w-2", 1))
                .taskFailed(new StoreBatch.TaskFailed(job.id(), 1, 3, 0, 0, "failed after it succeeded"), "w-1"));
        assertThat(written).containsExactly(false, true);
        assertThat(store.tasks().count(job.id())).isEqualTo(new TaskCounts(0, 1, 1, 0));
        assertThat(store.tasks().firstError(job.id())).hasValue("failed first");
    }

    @Test
    void aRegistrationAppliesBeforeTheWorkerUpdatesThatFollowIt() {
        WorkerRow first = store.workers().register(aRegistration("w"));
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<WorkerRow> again = batch.registerWorker(aRegistration("w"));
        batch.worker(new StoreBatch.WorkerUpdate(first.id(), WorkerState.DEAD, now.plusSeconds(5), false));
        store.apply(batch);
        assertThat(again.get().incarnation()).isEqualTo(first.incarnation() + 1);
        assertThat(again.get().state()).isEqualTo(WorkerState.ALIVE);
        assertThat(store.workers().all()).singleElement().satisfies(w -> {
            assertThat(w.state()).as("the update after the registration wins").isEqualTo(WorkerState.DEAD);
            assertThat(w.incarnation()).isEqualTo(first.incarnation() + 1);
        });
    }

    @Test
    void ofSeveralUpdatesOfOneWorkerTheLastOneAddedStays() {
        WorkerRow w = store.workers().register(aRegistration("w"));
        StoreBatch a = new StoreBatch().worker(new StoreBatch.WorkerUpdate(w.id(), WorkerState.SUSPECT, now, false));
        StoreBatch b = new StoreBatch().worker(new StoreBatch.WorkerUpdate(w.id(), WorkerState.ALIVE, now, true));
        store.apply(new StoreBatch().addAll(a).addAll(b));
        assertThat(store.workers().all()).singleElement().satisfies(row -> {
            assertThat(row.state()).isEqualTo(WorkerState.ALIVE);
            assertThat(row.drainRequested()).isTrue();
        });
    }

    @Test
    void concurrentRegistrationsOfOneNameGetDistinctIncarnations() throws Exception {
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Callable<WorkerRow>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                calls.add(() -> store.workers().register(aRegistration("same")));
            }
            List<Long> incarnations = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (Future<WorkerRow> f : pool.invokeAll(calls)) {
                incarnations.add(f.get().incarnation());
                ids.add(f.get().id());
            }
            assertThat(incarnations).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            assertThat(ids).containsOnly(ids.get(0));
            assertThat(store.workers().all()).singleElement().extracting(WorkerRow::incarnation).isEqualTo((long) n);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sizeAndEmptinessCountEveryEntry() {
        StoreBatch batch = new StoreBatch();
        assertThat(batch.isEmpty()).isTrue();
        batch.insertTasks("job-1", 0, List.of(new byte[] {1}), false);
        batch.success(new StoreBatch.TaskSuccess("job-1", 0, new byte[0], "w-1", 1));
        assertThat(batch.isEmpty()).isFalse();
        assertThat(batch.successCount()).isEqualTo(1);
        assertThat(batch.size()).as("two entries and one worker's counters").isEqualTo(3);
    }

    @Test
    void aJarIsStoredOnceByItsHash() {
        store.jars().put(new JarRow(JAR, 10, "x.jar", now));
        store.jars().put(new JarRow(JAR, 10, "renamed.jar", now.plusSeconds(1)));
        assertThat(store.jars().find(JAR)).hasValue(new JarRow(JAR, 10, "renamed.jar", now.plusSeconds(1)));
        assertThat(store.jars().find("b".repeat(64))).isEmpty();
    }

    @Test
    void jobsAreListedByStateOwnerAndSchedule() {
        JobRow direct = aJob();
        JobRow scheduled = store.jobs().insert(new NewJob(JAR, "x.Job", Map.of(), 1, 0, now, "lab", NewJob.Placement.DEFAULT,
                "nightly"), List.of(), false);
        store.apply(new StoreBatch().job(StoreBatch.JobUpdate.ended(direct.id(), JobState.FAILED, now, "boom", 0, 1, 0,
                0, 0, 0, null, new long[TaskDurations.bucketBoundsMs().length + 1])));
        assertThat(store.jobs().list(10, List.of(JobState.FAILED), null, null)).extracting(JobRow::id)
                .containsExactly(direct.id());
        assertThat(store.jobs().list(10, List.of(JobState.QUEUED, JobState.RUNNING), "lab", "nightly"))
                .extracting(JobRow::id).containsExactly(scheduled.id());
        assertThat(store.jobs().list(1, List.of(), null, null)).extracting(JobRow::id).containsExactly(scheduled.id());
        assertThat(store.jobs().countByState()).isEqualTo(Map.of("FAILED", 1L, "QUEUED", 1L));
        assertThat(store.jobs().unfinished()).extracting(JobRow::id).containsExactly(scheduled.id());
        assertThat(store.jobs().find(direct.id()).orElseThrow().error()).isEqualTo("boom");
        assertThat(store.jobs().find("job-404")).isEmpty();
        assertThat(store.jobs().result(direct.id())).isEmpty();
    }

    @Test
    void aStartedJobKeepsItsStartTime() {
        JobRow job = aJob();
        store.apply(new StoreBatch().job(StoreBatch.JobUpdate.started(job.id(), now.plusSeconds(3))));
        JobRow running = store.jobs().find(job.id()).orElseThrow();
        assertThat(running.state()).isEqualTo(JobState.RUNNING);
        assertThat(running.startedAt()).isEqualTo(now.plusSeconds(3));
        assertThat(running.finishedAt()).isNull();
    }

    @Test
    void aPendingTaskIsReadWithItsInputUntilItEnds() {
        JobRow job = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {4, 2}, new byte[] {1}), false);
        store.tasks().insert(job.id(), 2, List.of(new byte[] {3}), true);
        assertThat(store.tasks().pending(job.id(), 0).orElseThrow().input()).containsExactly(4, 2);
        store.apply(new StoreBatch().taskFailed(new StoreBatch.TaskFailed(job.id(), 0, 3, 1, 0, "x".repeat(5000)), "w-1")
                .taskFailed(new StoreBatch.TaskFailed(job.id(), 2, 3, 0, 0, "later"), null));
        assertThat(store.tasks().pending(job.id(), 0)).isEmpty();
        assertThat(store.tasks().pending(job.id(), 1)).isPresent();
        assertThat(store.tasks().firstError(job.id()).orElseThrow()).hasSizeLessThanOrEqualTo(4000).startsWith("xxx");
        assertThat(store.tasks().page(job.id(), 0, StoredTaskState.FAILED, false, 10)).extracting(TaskView::index)
                .containsExactly(0L, 2L);
        JobRow row = store.jobs().find(job.id()).orElseThrow();
        assertThat(row.totalTasks()).isEqualTo(3);
        assertThat(row.splitComplete()).isTrue();
    }

    @Test
    void scheduleRunsRecordWhatEachFiringDid() {
        JobRow job = aJob();
        long first = store.scheduleRuns().insert(new ScheduleRunRow(0, "nightly", now, now.plusMillis(5),
                ScheduleRunRow.Outcome.SUBMITTED, job.id(), null, null));
        long second = store.scheduleRuns().insert(new ScheduleRunRow(0, "nightly", null, now.plusSeconds(60),
                ScheduleRunRow.Outcome.WAITING, null, "the previous job still runs", null));
        store.scheduleRuns().insert(new ScheduleRunRow(0, "hourly", now, now, ScheduleRunRow.Outcome.MISSED, null, "down",
                null));
        assertThat(second).isGreaterThan(first);
        assertThat(store.scheduleRuns().waiting()).extracting(ScheduleRunRow::seq).containsExactly(second);
        assertThat(store.scheduleRuns().recent("nightly", 10)).extracting(ScheduleRunRow::seq)
                .containsExactly(second, first);
        ScheduleRunRow submitted = store.scheduleRuns().lastSubmitted("nightly").orElseThrow();
        assertThat(submitted.jobState()).isEqualTo(JobState.QUEUED);
        assertThat(submitted.scheduledFor()).isEqualTo(now);
        assertThat(submitted.firedAt()).isEqualTo(now.plusMillis(5));

        store.scheduleRuns().update(second, ScheduleRunRow.Outcome.FAILED, null, "its jar is gone");
        assertThat(store.scheduleRuns().waiting()).isEmpty();
        assertThat(store.scheduleRuns().recent("nightly", 1)).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(ScheduleRunRow.Outcome.FAILED);
            assertThat(r.reason()).isEqualTo("its jar is gone");
            assertThat(r.scheduledFor()).isNull();
        });
        store.scheduleRuns().deleteFor("nightly");
        assertThat(store.scheduleRuns().recent("nightly", 10)).isEmpty();
        assertThat(store.scheduleRuns().recent("hourly", 10)).hasSize(1);
        assertThat(store.jobs().find(job.id())).as("the jobs stay").isPresent();
    }

    @Test
    void tokensAreRevokedByIdOrName() {
        TokenRow a = new TokenRow("aaaaaaaa", "ci", Role.SUBMITTER, "1".repeat(64), now, null, null, "admin");
        TokenRow b = new TokenRow("bbbbbbbb", "ci", Role.VIEWER, "2".repeat(64), now.plusSeconds(1),
                now.plusSeconds(3600), null, "admin");
        TokenRow c = new TokenRow("cccccccc", "ops", Role.ADMIN, "3".repeat(64), now.plusSeconds(2), null, null, "admin");
        store.tokens().insert(a);
        store.tokens().insert(b);
        store.tokens().insert(c);
        assertThat(store.tokens().find("bbbbbbbb")).hasValue(b);
        assertThat(store.tokens().find("zzzzzzzz")).isEmpty();

        List<TokenRow> revoked = store.tokens().revoke("ci", now.plusSeconds(10));
        assertThat(revoked).extracting(TokenRow::id).containsExactlyInAnyOrder("aaaaaaaa", "bbbbbbbb");
        assertThat(revoked).allSatisfy(t -> assertThat(t.revokedAt()).isEqualTo(now.plusSeconds(10)));
        assertThat(store.tokens().revoke("ci", now.plusSeconds(20))).as("already revoked").isEmpty();
        assertThat(store.tokens().revoke("cccccccc", now.plusSeconds(30))).extracting(TokenRow::name)
                .containsExactly("ops");
        assertThat(store.tokens().list(false)).isEmpty();
        assertThat(store.tokens().list(true)).extracting(TokenRow::id)
                .containsExactly("aaaaaaaa", "bbbbbbbb", "cccccccc");
        assertThat(store.tokens().find("aaaaaaaa").orElseThrow().revokedAt()).isEqualTo(now.plusSeconds(10));
    }

    @Test
    void theAuditLogListsTheMostRecentFirst() {
        store.audit().insert(new AuditRow(0, now, "alice", "token.create", "ci", "role=SUBMITTER"));
        store.audit().insert(new AuditRow(0, now.plusSeconds(1), "bob", "job.cancel", "job-1", "d".repeat(3000)));
        List<AuditRow> rows = store.audit().recent(10);
        assertThat(rows).extracting(AuditRow::actor).containsExactly("bob", "alice");
        assertThat(rows.get(0).seq()).isGreaterThan(rows.get(1).seq());
        assertThat(rows.get(0).detail()).hasSizeLessThanOrEqualTo(2000);
        assertThat(rows.get(1).at()).isEqualTo(now);
        assertThat(store.audit().recent(1)).hasSize(1);
    }

    @Test
    void workerEventsAreNumberedByTheStoreAndReadOldestFirst() {
        WorkerRow w = store.workers().register(aRegistration("w"));
        WorkerRow v = store.workers().register(aRegistration("v"));
        store.apply(new StoreBatch()
                .workerEvent(new WorkerEventRow(0, w.id(), "w", WorkerEventType.ALIVE, "registered", 1, now))
                .workerEvent(new WorkerEventRow(0, v.id(), "v", WorkerEventType.ALIVE, "registered", 1, now))
                .workerEvent(new WorkerEventRow(0, w.id(), "w", WorkerEventType.SUSPECT, "silent", 1,
                        now.plusSeconds(9))));
        assertThat(store.workers().events(null, 10)).extracting(WorkerEventRow::type)
                .containsExactly(WorkerEventType.ALIVE, WorkerEventType.ALIVE, WorkerEventType.SUSPECT);
        List<WorkerEventRow> mine = store.workers().events(w.id(), 10);
        assertThat(mine).extracting(WorkerEventRow::reason).containsExactly("registered", "silent");
        assertThat(mine.get(1).seq()).isGreaterThan(mine.get(0).seq());
        assertThat(mine.get(1).at()).isEqualTo(now.plusSeconds(9));
        assertThat(store.workers().events(w.id(), 1)).extracting(WorkerEventRow::reason).containsExactly("silent");
        assertThat(store.workers().all()).extracting(WorkerRow::name).containsExactly("v", "w");
    }

    @Test
    void quartzFindsItsTablesThroughTheSharedDataSource() throws Exception {
        try (var c = store.dataSource().getConnection(); var s = c.createStatement();
                var rs = s.executeQuery("SELECT COUNT(*) FROM qrtz_locks")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isZero();
        }
    }

    @Test
    void aJobThatCannotBeResumedFailsAndKeepsItsCounts() {
        JobRow job = aJob();
        store.apply(new StoreBatch().job(StoreBatch.JobUpdate.started(job.id(), now)));
        store.apply(new StoreBatch().job(StoreBatch.JobUpdate.failedOnResume(job.id(), now.plusSeconds(9),
                "could not be resumed after a master restart: its jar is gone")));
        JobRow failed = store.jobs().find(job.id()).orElseThrow();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.startedAt()).isEqualTo(now);
        assertThat(failed.finishedAt()).isEqualTo(now.plusSeconds(9));
        assertThat(failed.error()).endsWith("its jar is gone");
        assertThat(store.jobs().unfinished()).isEmpty();
    }

    @Test
    void anEndedUpdateIsValidatedWhenBuilt() {
        assertThatThrownBy(() -> StoreBatch.JobUpdate.ended("job-1", JobState.RUNNING, now, null, 0, 0, 0, 0, 0, 0, null,
                new long[TaskDurations.buckets()])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RUNNING");
        assertThatThrownBy(() -> StoreBatch.JobUpdate.ended("job-1", JobState.SUCCEEDED, now, null, 0, 0, 0, 0, 0, 0, null,
                new long[2])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("durations");
    }

    @Test
    void theTaskRepositoryNamesStoredStates() {
        JobRow job = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}), true);
        store.apply(new StoreBatch().success(new StoreBatch.TaskSuccess(job.id(), 0, new byte[0], "w-1", 5))
                .taskFailed(new StoreBatch.TaskFailed(job.id(), 1, 3, 0, 0, "boom"), "w-1"));
        assertThat(store.tasks().count(job.id())).isEqualTo(new TaskCounts(1, 1, 1, 0));
        assertThat(store.tasks().page(job.id(), 0, null, false, 10)).extracting(TaskView::state)
                .containsExactly(StoredTaskState.SUCCEEDED, StoredTaskState.FAILED, StoredTaskState.PENDING);
        assertThat(store.tasks().page(job.id(), 0, StoredTaskState.FAILED, false, 10)).extracting(TaskView::index)
                .containsExactly(1L);
        assertThat(store.tasks().page(job.id(), 0, StoredTaskState.PENDING, false, 10))
                .extracting(TaskView::state).containsExactly(StoredTaskState.PENDING);
        for (StoredTaskState state : StoredTaskState.values()) {
            assertThat(StoredTaskState.ofCode(state.code())).isEqualTo(state);
            assertThat(state.taskState().code()).as("the core's model stores the same code").isEqualTo(state.code());
        }
        assertThatThrownBy(() -> StoredTaskState.ofCode(7)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRepositoriesAreWhatTheStoreGives() {
        JobRow job = aJob();
        assertThat(store.jobs().list(10, List.of(), null, null)).extracting(JobRow::id).containsExactly(job.id());
        assertThat(store.jars().find(JAR)).isPresent();
        assertThat(store.workers().register(aRegistration("w")).incarnation()).isEqualTo(1);
        assertThat(store.workers().all()).hasSize(1);
        assertThat(store.masterInfo().nextEpoch()).isEqualTo(store.epoch() + 1);
        assertThat(store.masters().all()).isEmpty();
        store.audit().insert(new AuditRow(0, now, "a", "b", "c", "d"));
        assertThat(store.audit().recent(5)).hasSize(1);
        assertThat(store.tokens().list(true)).isEmpty();
        assertThat(store.scheduleRuns().waiting()).isEmpty();
    }

    @Test
    void aJobIsOwnedByTheMasterThatStoredItAndEveryUpdateOfItsRowBumpsItsVersion() {
        JobRow job = aJob();
        assertThat(job.ownerMaster()).isEqualTo(store.masterId()).isNotBlank();
        assertThat(job.version()).isZero();
        assertThat(store.jobs().find(job.id()).orElseThrow()).isEqualTo(job);

        store.apply(new StoreBatch().job(StoreBatch.JobUpdate.started(job.id(), now)));
        assertThat(store.jobs().find(job.id()).orElseThrow().version()).isEqualTo(1);
        store.apply(new StoreBatch().insertTasks(job.id(), 0, List.of(new byte[] {1}), true));
        assertThat(store.jobs().find(job.id()).orElseThrow().version()).isEqualTo(2);
        store.apply(new StoreBatch().success(new StoreBatch.TaskSuccess(job.id(), 0, new byte[0], "w-1", 1)));
        assertThat(store.jobs().find(job.id()).orElseThrow().version()).as("a task's row is not the job's").isEqualTo(2);
        store.apply(new StoreBatch().job(StoreBatch.JobUpdate.ended(job.id(), JobState.SUCCEEDED, now, null, 1, 0, 0, 0,
                0, 0, null, new long[TaskDurations.buckets()])));
        JobRow done = store.jobs().find(job.id()).orElseThrow();
        assertThat(done.version()).isEqualTo(3);
        assertThat(done.ownerMaster()).isEqualTo(store.masterId());

        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<JobRow> withTasks = batch.insertJob(aNewJob(), List.of(new byte[] {1}, new byte[] {2}), true);
        store.apply(batch);
        assertThat(withTasks.get().version()).as("inserted with its first tasks: one write").isZero();
        assertThat(store.jobs().find(withTasks.get().id())).hasValue(withTasks.get());
    }

    @Test
    void everyOpenAndEveryRejoinIsANewMasterWithAGreaterEpoch() {
        String id = store.masterId();
        long epoch = store.epoch();
        assertThat(id).isNotBlank();
        assertThat(epoch).isPositive();
        JobRow before = aJob();
        assertThat(before.ownerMaster()).isEqualTo(id);
        assertThat(before.leaseEpoch()).isEqualTo(epoch);

        MasterIdentity next = store.rejoin();
        assertThat(next.id()).isEqualTo(store.masterId()).isNotEqualTo(id);
        assertThat(next.epoch()).isEqualTo(store.epoch()).isGreaterThan(epoch);
        JobRow after = store.jobs().insert(aNewJob(), List.of(), false);
        assertThat(after.ownerMaster()).isEqualTo(next.id());
        assertThat(after.leaseEpoch()).isEqualTo(next.epoch());
        assertThat(store.jobs().find(after.id()).orElseThrow()).isEqualTo(after);

        store.close();
        store = Store.open(config);
        assertThat(store.masterId()).isNotIn(id, next.id());
        assertThat(store.epoch()).isGreaterThan(next.epoch());
        assertThat(store.jobs().unfinished()).extracting(JobRow::id).containsExactly(before.id(), after.id());
        assertThat(store.jobs().unfinished(next.id())).extracting(JobRow::id).containsExactly(after.id());
    }

    private static DataSetRow aDataSet(String id, int replicas, int chunks) {
        List<byte[]> hashes = new java.util.ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            byte[] h = new byte[32];
            h[0] = (byte) i;
            h[31] = (byte) (i * 7);
            hashes.add(h);
        }
        return new DataSetRow(id, "words.txt", chunks * 10L - 3, 10, hashes, replicas, "lab",
                Instant.parse("2026-01-01T00:00:00Z"), null);
    }

    @Test
    void aDataSetIsStoredWithItsChunksAndTheSameIdTwiceIsOneDataSet() {
        String id = "d".repeat(64);
        DataSetRow put = store.dataSets().put(aDataSet(id, 2, 300));
        DataSetRow found = store.dataSets().find(id).orElseThrow();
        assertThat(found.chunks()).isEqualTo(300);
        assertThat(found.chunkHashes().get(299)).isEqualTo(put.chunkHashes().get(299));
        assertThat(found.replicasWanted()).isEqualTo(2);
        assertThat(found.jarSha256()).isNull();

        assertThat(store.dataSets().put(aDataSet(id, 1, 300)).replicasWanted()).as("fewer replicas: kept").isEqualTo(2);
        assertThat(store.dataSets().put(aDataSet(id, 3, 300)).replicasWanted()).as("more: raised").isEqualTo(3);
        assertThat(store.dataSets().all()).singleElement().satisfies(d -> {
            assertThat(d.replicasWanted()).isEqualTo(3);
            assertThat(d.chunks()).isEqualTo(300);
        });

        DataSetRow jar = new DataSetRow("e".repeat(64), "x.jar", 0, 10, List.of(), 2, "lab", now, "f".repeat(64));
        store.dataSets().put(jar);
        assertThat(store.dataSets().findByJar("f".repeat(64))).hasValueSatisfying(d -> assertThat(d.id())
                .isEqualTo(jar.id()));
        assertThat(store.dataSets().findByJar("0".repeat(64))).isEmpty();

        assertThat(store.dataSets().delete(id)).isTrue();
        assertThat(store.dataSets().delete(id)).isFalse();
        assertThat(store.dataSets().find(id)).isEmpty();
        assertThat(store.dataSets().all()).extracting(DataSetRow::id).containsExactly(jar.id());
    }

    @Test
    void aJobKeepsTheDataSetsItReadsAndOnlyUnfinishedJobsCountAsReadingThem() {
        String id = "d".repeat(64);
        String other = "c".repeat(64);
        store.jars().put(new JarRow(JAR, 10, "x.jar", now));
        NewJob reading = new NewJob(JAR, "x.Job", Map.of(), 3, 0, now, "lab", NewJob.Placement.DEFAULT, null,
                Map.of("text", id, "lookup a=b", other));
        JobRow first = store.jobs().insert(reading, List.of(), false);
        JobRow second = store.jobs().insert(new NewJob(JAR, "x.Job", Map.of(), 3, 0, now, "lab",
                NewJob.Placement.DEFAULT, null, Map.of("input", id)), List.of(), false);
        store.jobs().insert(aNewJob(), List.of(), false);
        assertThat(store.jobs().find(first.id()).orElseThrow().dataSets())
                .containsExactlyInAnyOrderEntriesOf(Map.of("text", id, "lookup a=b", other));
        assertThat(store.jobs().find(first.id())).hasValue(first);

        assertThat(store.dataSets().unfinishedJobsReading(id)).containsExactly(Map.entry(first.id(), "text"),
                Map.entry(second.id(), "input"));
        assertThat(store.dataSets().unfinishedJobsReading(other)).containsExactly(Map.entry(first.id(), "lookup a=b"));
        store.apply(new StoreBatch().job(StoreBatch.JobUpdate.ended(first.id(), JobState.CANCELLED, now.plusSeconds(1),
                null, 0, 0, 0, 0, 0, 0, null, new long[] {0, 0, 0, 0, 0, 0, 0})));
        assertThat(store.dataSets().unfinishedJobsReading(id)).containsExactly(Map.entry(second.id(), "input"));
        assertThat(store.dataSets().unfinishedJobsReading(other)).isEmpty();
    }

    @Test
    void aJobsDataCountersAreAddedTo() {
        assertThat(store.dataSets().counters("job-1")).containsExactly(0, 0, 0);
        store.dataSets().addCounters(Map.of("job-1", new long[] {100, 20, 3}));
        store.dataSets().addCounters(Map.of("job-1", new long[] {1, 2, 3}, "job-2", new long[] {0, 0, 7}));
        assertThat(store.dataSets().counters("job-1")).containsExactly(101, 22, 6);
        assertThat(store.dataSets().counters("job-2")).containsExactly(0, 0, 7);
    }

    @Test
    void aLargeCheckpointsRowNamesItsDataSetWhichAnInlineSaveClears() {
        JobRow job = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {1}), true);
        java.time.Instant now = java.time.Instant.parse("2026-11-29T19:00:00Z");
        String dataId = "c".repeat(64);
        assertThat(store.dataSets().referencedByCheckpoint(dataId)).isFalse();
        store.apply(new StoreBatch().checkpoint(new StoreBatch.CheckpointSaved(job.id(), 0, 7, 1, new byte[0], now,
                dataId)));
        StoredTask t = store.tasks().pending(job.id(), 0).orElseThrow();
        assertThat(t.checkpointData()).isEqualTo(dataId);
        assertThat(t.checkpoint()).isEmpty();
        assertThat(store.dataSets().referencedByCheckpoint(dataId)).isTrue();

        store.apply(new StoreBatch().checkpoint(new StoreBatch.CheckpointSaved(job.id(), 0, 7, 2, new byte[] {5}, now)));
        t = store.tasks().pending(job.id(), 0).orElseThrow();
        assertThat(t.checkpointData()).isNull();
        assertThat(t.checkpoint()).containsExactly(5);
        assertThat(store.dataSets().referencedByCheckpoint(dataId)).isFalse();
    }

    @Test
    void aCheckpointIsOneRowPerTaskReadBackWithThePendingTaskCountedAndDeletedWithItsJob() {
        JobRow job = aJob();
        JobRow other = aJob();
        store.tasks().insert(job.id(), 0, List.of(new byte[] {1}, new byte[] {2}), true);
        store.tasks().insert(other.id(), 0, List.of(new byte[] {3}), true);
        java.time.Instant now = java.time.Instant.parse("2026-11-29T18:00:00Z");
        store.apply(new StoreBatch()
                .checkpoint(new StoreBatch.CheckpointSaved(job.id(), 1, 7, 1, new byte[] {10}, now))
                .checkpoint(new StoreBatch.CheckpointSaved(other.id(), 0, 8, 1, new byte[] {30}, now)));
        // a later save replaces the row (upsert), in a batch with the resumed count
        store.apply(new StoreBatch()
                .checkpoint(new StoreBatch.CheckpointSaved(job.id(), 1, 9, 2, new byte[] {11, 12}, now.plusSeconds(1)))
                .resumed(job.id(), 1).resumed(job.id(), 2));

        List<StoredTask> pending = store.tasks().pending(job.id(), -1, 10);
        assertThat(pending).extracting(StoredTask::index).containsExactly(0L, 1L);
        assertThat(pending.get(0).checkpoint()).isNull();
        assertThat(pending.get(1).checkpoint()).containsExactly(11, 12);
        assertThat(store.tasks().pending(job.id(), 1).orElseThrow().checkpoint()).containsExactly(11, 12);
        assertThat(store.checkpoints().count(job.id())).isEqualTo(1);
        assertThat(store.jobs().find(job.id()).orElseThrow().resumed()).isEqualTo(3);
        assertThat(store.jobs().find(other.id()).orElseThrow().resumed()).isZero();

        store.apply(new StoreBatch().deleteCheckpoints(job.id()));
        assertThat(store.checkpoints().count(job.id())).isZero();
        assertThat(store.tasks().pending(job.id(), 1).orElseThrow().checkpoint()).isNull();
        assertThat(store.checkpoints().count(other.id())).as("another job's stay").isEqualTo(1);
    }
}
