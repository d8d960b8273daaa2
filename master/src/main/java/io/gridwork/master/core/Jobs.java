package io.gridwork.master.core;

import io.gridwork.internal.LoadedJob;
import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.NewJob;
import io.gridwork.master.store.Store;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.TaskCounts;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.JobOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs the master runs, one {@link JobRunner} each: how a job comes in (a submission, checked by its own code
 * on the job-code executor, then stored through the journal; or, at start, a job resumed from the store), and
 * how one is cancelled. Loop-confined, except where noted.
 */
final class Jobs implements JobRunner.Listener {

    private static final Logger log = LoggerFactory.getLogger(Jobs.class);

    private final SchedulerOptions options;
    private final Loop loop;
    private final Store store;
    private final JobCodeHost host;
    private final Map<String, JobRunner> active = new LinkedHashMap<>();
    /** The active jobs in submission order: the dispatcher's view. */
    private final List<JobRunner> dispatchOrder = new ArrayList<>();
    private JobRunner.Services services;
    private Dispatcher dispatcher;
    private StatusBoard board;
    /** Jobs stored WAITING for others (grid submit --after), not yet released into {@link #active}. */
    private Pipelines pipelines;
    /**
     * Job numbers reserved from the store's sequence ahead of time, in order, and whose identity reserved them: a job
     * whose whole split is known starts with one of them while its insert commits (see {@link #store}).
     */
    private final java.util.ArrayDeque<Long> reservedIds = new java.util.ArrayDeque<>();
    private io.gridwork.master.store.MasterIdentity reservedBy;
    private boolean reserving;
    /**
     * On H2, per owner: at least as many as the owner's unfinished jobs (see {@link #checkUnfinishedLimit}). Bounded by
     * the owners who submitted since the master started.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> unfinishedAtMost =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Job numbers reserved at a time; more are reserved when fewer than a quarter are left. */
    static final int RESERVED_IDS = 16;

    Jobs(SchedulerOptions options, Loop loop, Store store, JobCodeHost host) {
        this.options = options;
        this.loop = loop;
        this.store = store;
        this.host = host;
    }

    /** Completes the wiring (the rooms below need the active jobs' list first). */
    void wire(JobRunner.Services services, Dispatcher dispatcher, StatusBoard board) {
        this.services = services;
        this.dispatcher = dispatcher;
        this.board = board;
        this.pipelines = new Pipelines(loop, store, host, services.flusher(), this::release, board::endedWaiting);
    }

    Pipelines pipelines() {
        return pipelines;
    }

    List<JobRunner> dispatchOrder() {
        return dispatchOrder;
    }

    JobRunner active(String id) {
        return active.get(id);
    }

    Collection<JobRunner> all() {
        return active.values();
    }

    // ------------------------------------------------------------------------------------------ submission

    private record Prepared(LoadedJob code, LoadedJob.TaskSource source, JobOptions options, List<byte[]> firstTasks,
            boolean exhausted) {
        void close() {
            source.close();
            code.close();
        }
    }

    /**
     * Checks and stores a new job, then starts it; never blocks the caller. Its code is loaded and its split started
     * (with a time limit) before anything is stored, so a bad class or bad arguments store nothing; the future
     * completes once the job is committed.
     */
    CompletableFuture<JobSnapshot> submit(Submission submission) {
        return submit(submission, null);
    }

    /**
     * As above; {@code follower}, if not null, follows the job from its commit to its end on the loop (see {@link
     * #stored}).
     */
    CompletableFuture<JobSnapshot> submit(Submission submission, Follower follower) {
        if (!submission.after().isEmpty()) {
            return submitWaiting(submission, follower);
        }
        String what = submission.jobClass() + ".split";
        return host.submit(preparation(submission, true), options.splitTimeout(), what, Prepared::close)
                .thenCompose(prepared -> {
                    NewJob job;
                    try {
                        job = newJob(submission, prepared);
                    } catch (RuntimeException e) {
                        prepared.close();
                        throw e;
                    }
                    CompletableFuture<JobSnapshot> stored = new CompletableFuture<>();
                    loop.post(() -> store(job, prepared, submission.audit(), follower, stored));
                    return stored;
                });
    }

    /** Checks a job as {@link #submit} would, without storing or starting it (for a schedule); blocks the caller. */
    void check(Submission submission) {
        Prepared prepared = host.call(preparation(submission, false), options.splitTimeout(),
                submission.jobClass() + ".split");
        try {
            newJob(submission, prepared);
        } finally {
            prepared.close();
        }
    }

    /** The part of a submission that runs on a job-code thread: quotas, the jar, the class, the split's start. */
    private Callable<Prepared> preparation(Submission submission, boolean start) {
        return preparation(submission, start, start);
    }

    /** As above; {@code quota}: whether the owner's limit of unfinished jobs applies (not to a released job). */
    private Callable<Prepared> preparation(Submission submission, boolean start, boolean quota) {
        return () -> {
            String sha = submission.jarSha256();
            if (quota) {
                checkUnfinishedLimit(submission.owner());
            }
            if (!host.hasJar(sha)) {
                throw CoreException.notFound("jar_sha256: the master holds no jar " + sha + "; upload it first");
            }
            JobArgs args = submission.data().isEmpty() ? JobArgs.of(submission.args())
                    : JobArgs.of(submission.args(), services.dataSets().get().resolve(submission.data()));
            LoadedJob loaded = host.load(sha, submission.jobClass());
            try {
                // before the split: a misspelled argument is named as such, not reported as a required one missing
                Optional<String> unknown = loaded.unknownArgument(args.asMap().keySet());
                if (unknown.isPresent()) {
                    throw CoreException.invalid("args: " + unknown.get());
                }
                LoadedJob.TaskSource source = loaded.split(args);
                try {
                    JobOptions own = loaded.options(args);
                    // the first batch of tasks is stored with the job, in one commit
                    List<byte[]> first = start ? source.next(options.splitBatch(), options.readyBytes() / 2) : List.of();
                    return new Prepared(loaded, source, own, first, start && source.isExhausted());
                } catch (Exception | Error e) {
                    source.close();
                    throw e;
                }
            } catch (Exception | Error e) {
                loaded.close();
                throw e;
            }
        };
    }

    /**
     * Refuses a submission of {@code owner} (none: "") if the owner has {@code max-queued-jobs-per-user} jobs queued,
     * running or waiting. Any thread. Where this master owns every job (H2), it counts them in the store only when an
     * upper bound it keeps could have reached the limit: the count last read plus the submissions let through since (a
     * job becomes unfinished only by a submission to this master); on PostgreSQL other masters' jobs count too, and it
     * counts on every submission.
     */
    private void checkUnfinishedLimit(String owner) {
        if (owner.isEmpty()) {
            return;
        }
        int max = options.maxQueuedJobsPerUser();
        boolean over;
        if (store.dialect() == io.gridwork.master.store.Dialect.H2) {
            boolean[] refused = {false};
            // one owner's checks one at a time (the map's lock on its entry): none is let through uncounted
            unfinishedAtMost.compute(owner, (k, bound) -> {
                if (bound != null && bound < max) {
                    return bound + 1; // within the limit whatever ended since; this one counted, in case it runs
                }
                long count = store.jobs().countUnfinished(owner);
                refused[0] = count >= max;
                return refused[0] ? count : count + 1;
            });
            over = refused[0];
        } else {
            over = store.jobs().countUnfinished(owner) >= max;
        }
        if (over) {
            throw CoreException.exhausted("user " + owner + " has " + max
                    + " jobs queued or running, the limit max-queued-jobs-per-user");
        }
    }

    /** The job to store: the submission's choices over the job's own over the defaults, within the limits. */
    private NewJob newJob(Submission submission, Prepared prepared) {
        JobOptions own = prepared.options();
        int maxAttempts = submission.maxAttempts() > 0 ? submission.maxAttempts()
                : own.maxAttempts() > 0 ? own.maxAttempts() : options.defaultMaxAttempts();
        long timeoutMs = submission.taskTimeoutMs() > 0 ? submission.taskTimeoutMs() : own.taskTimeout().toMillis();
        NewJob.Placement placement = placement(submission, own);
        long atLeast = Math.max(prepared.source().knownSize(), prepared.firstTasks().size());
        if (atLeast > options.maxTasksPerJob()) {
            throw CoreException.exhausted("the job would have " + atLeast + " tasks, over the limit "
                    + "max-tasks-per-job=" + options.maxTasksPerJob());
        }
        return new NewJob(submission.jarSha256(), submission.jobClass(), JobArgs.of(submission.args()).asMap(),
                maxAttempts, timeoutMs, loop.now(), submission.owner(), placement, submission.schedule(), submission.data());
    }

    private static String requirement(String require) {
        try {
            return Requirement.parse(require == null ? "" : require).toString();
        } catch (IllegalArgumentException e) {
            throw CoreException.invalid("require: " + e.getMessage());
        }
    }

    private static NewJob.Placement placement(Submission submission, JobOptions own) {
        String require = submission.require() != null && !submission.require().isBlank() ? submission.require()
                : own.require();
        Requirement parsed;
        try {
            parsed = Requirement.parse(require);
        } catch (IllegalArgumentException e) {
            throw CoreException.invalid("require: " + e.getMessage());
        }
        int slots = submission.slotsPerTask() > 0 ? submission.slotsPerTask()
                : own.slotsPerTask() > 0 ? own.slotsPerTask() : 1;
        int priority = submission.priority() != 0 ? submission.priority() : own.priority().orElse(0);
        boolean speculation = !submission.noSpeculation() && own.speculation().orElse(true);
        Quorum.Setting quorum = Quorum.setting(submission.quorum(), submission.quorumMax(), own.quorum(),
                own.quorumMax());
        return new NewJob.Placement(parsed.toString(), slots, priority, speculation, quorum.quorum(), quorum.max());
    }

    /**
     * On the loop: the job and its first tasks go through the journal. A job whose whole split is known, given a job
     * number reserved ahead, starts now, while its insert commits: its tasks go out at once, and every write of its
     * (a task's output, its end) goes to the journal after the insert, which commits in order, so none is stored
     * without it. Its submitter hears once the insert is committed, as for any job; if the database refuses the
     * insert, the job is let go (see {@link #refused}). Any other job starts once its insert is committed.
     */
    private void store(NewJob job, Prepared prepared, StoreBatch.JobAudit audit, Follower follower,
            CompletableFuture<JobSnapshot> done) {
        Long seq = prepared.exhausted() ? reservedId() : null;
        if (seq != null) {
            storeStarted(job, seq, prepared, audit, follower, done);
            reserveIds();
            return;
        }
        Flusher flusher = services.flusher();
        // in a request of its own: if the database refuses the job (a value too long, a constraint), only its
        // submitter hears, and nothing of it was started in memory
        StoreBatch insert = new StoreBatch();
        StoreBatch.Generated<JobRow> stored = insert.insertJob(job, prepared.firstTasks(), prepared.exhausted(),
                audit);
        flusher.separately(insert, () -> {
            JobRow row = stored.get();
            JobRunner runner = start(row, prepared);
            log.atInfo().addKeyValue("job", row.id()).log("job submitted{}: {} {} ({} tasks expected)",
                    job.schedule() == null ? "" : " by schedule " + job.schedule(), job.jobClass(), job.args(),
                    runner.expectedTotal >= 0 ? runner.expectedTotal : "?");
            stored(board.publish(runner), follower, done);
        }, error -> {
            log.warn("job not submitted ({} {}): {}", job.jobClass(), job.args(),
                    error.getMessage());
            prepared.close();
            done.completeExceptionally(error);
        });
        // after this insert, which takes the sequence's next number: the jobs numbered ahead keep the order of their
        // submissions among themselves (a later one can still be numbered below this job, from an earlier block)
        reserveIds();
    }

    /** A job numbered in advance: started now, its insert committing meanwhile (see {@link #store}). */
    private void storeStarted(NewJob job, long seq, Prepared prepared, StoreBatch.JobAudit audit, Follower follower,
            CompletableFuture<JobSnapshot> done) {
        StoreBatch insert = new StoreBatch();
        insert.insertJob(job, prepared.firstTasks(), true, audit, seq);
        JobRow row = job.queuedRow(seq, reservedBy, prepared.firstTasks().size(), true);
        JobRunner[] started = {null};
        // handed to the journal before the job starts: whatever the job writes from now on commits after it
        services.flusher().separately(insert, () -> {
            JobRunner runner = started[0];
            log.atInfo().addKeyValue("job", row.id()).log("job submitted{}: {} {} ({} tasks)",
                    job.schedule() == null ? "" : " by schedule " + job.schedule(), job.jobClass(), job.args(),
                    runner.expectedTotal);
            // its status as it is now, never an end not stored yet (an end commits after this insert)
            stored(board.publish(runner), follower, done);
        }, error -> {
            log.warn("job not submitted ({} {}): {}", job.jobClass(), job.args(), error.getMessage());
            refused(started[0]);
            done.completeExceptionally(error);
        });
        started[0] = start(row, prepared);
    }

    /**
     * On the loop, once a new job is committed: its follower, if any, gets this status now and every later one from
     * the board, on the loop (no hand-off to another thread, no second look-up of the job); then {@code done}
     * completes. The job's end, committed after its insert, reaches the board only after this.
     */
    private void stored(JobSnapshot snapshot, Follower follower, CompletableFuture<JobSnapshot> done) {
        if (follower != null) {
            board.follow(snapshot, follower);
        }
        done.complete(snapshot);
    }

    /**
     * The store refused the insert of a job started ahead of it: nothing of the job stays in memory, its attempts
     * are let go (a result that still comes is acknowledged and dropped; its writes, ordered after the insert,
     * change no row), and no status of it is published again.
     */
    private void refused(JobRunner runner) {
        if (active.get(runner.id) != runner) {
            return; // let go already (the master was fenced: every job dropped, this insert failed with the rest)
        }
        active.remove(runner.id);
        dispatchOrder.remove(runner);
        runner.refused();
        board.dropped(runner.id);
    }

    /** The next reserved job number of this master's current identity, or null if there is none. */
    private Long reservedId() {
        if (reservedBy == null || !reservedBy.equals(store.identity())) {
            reservedIds.clear(); // reserved before this master stepped down: not used under another identity
            return null;
        }
        return reservedIds.poll();
    }

    /** Reserves more job numbers, through the journal, when fewer than a quarter are left. */
    private void reserveIds() {
        if (reserving || reservedIds.size() >= RESERVED_IDS / 4) {
            return;
        }
        reserving = true;
        StoreBatch reserve = new StoreBatch();
        StoreBatch.Generated<StoreBatch.ReservedJobIds> ids = reserve.reserveJobIds(RESERVED_IDS);
        services.flusher().separately(reserve, () -> {
            reserving = false;
            StoreBatch.ReservedJobIds got = ids.get();
            if (!got.master().equals(reservedBy)) {
                reservedIds.clear();
                reservedBy = got.master();
            }
            for (long s : got.seqs()) {
                reservedIds.add(s);
            }
        }, error -> {
            reserving = false; // the jobs take their numbers in their inserts meanwhile
            log.debug("could not reserve job numbers: {}", error.getMessage());
        });
    }

    /** On the loop, once a job and its first tasks are stored: its runner, active from now on. */
    private JobRunner start(JobRow row, Prepared prepared) {
        JobRunner runner = new JobRunner(row, prepared.code(), false, services);
        long index = 0;
        for (byte[] input : prepared.firstTasks()) {
            runner.enqueue(new QueuedTask(index++, input, 0, 0, 0));
        }
        LoadedJob.TaskSource source = prepared.source();
        runner.expectedTotal = source.knownSize();
        if (prepared.exhausted()) {
            source.close();
        } else {
            runner.source(source);
        }
        add(runner);
        return runner;
    }

    // ------------------------------------------------------------------------------------------ waiting jobs

    /**
     * Checks and stores a job that runs after others (state WAITING, no tasks); never blocks the caller. Its jar,
     * class and argument names are checked now; its split runs when it is released, with its {@code @result:}
     * arguments resolved, so its code sees the arguments it will run with.
     */
    private CompletableFuture<JobSnapshot> submitWaiting(Submission submission, Follower follower) {
        return host.submit(() -> {
            Pipelines.checkSubmission(submission.after(), submission.args());
            checkUnfinishedLimit(submission.owner());
            for (String id : submission.after()) {
                if (store.jobs().find(id).isEmpty()) {
                    throw CoreException.invalid("after: no job " + id);
                }
            }
            String sha = submission.jarSha256();
            if (!host.hasJar(sha)) {
                throw CoreException.notFound("jar_sha256: the master holds no jar " + sha + "; upload it first");
            }
            try (LoadedJob loaded = host.load(sha, submission.jobClass())) {
                Optional<String> unknown = loaded.unknownArgument(submission.args().keySet());
                if (unknown.isPresent()) {
                    throw CoreException.invalid("args: " + unknown.get());
                }
            }
            // the options its code chooses are known once it is released (they may depend on its arguments): until
            // then the row keeps what the submission chose, 0 (and "") where it chose nothing
            NewJob.Placement given = new NewJob.Placement(requirement(submission.require()), submission.slotsPerTask(),
                    submission.priority(), !submission.noSpeculation());
            return new NewJob(submission.jarSha256(), submission.jobClass(), JobArgs.of(submission.args()).asMap(),
                    submission.maxAttempts(), submission.taskTimeoutMs(), loop.now(), submission.owner(), given,
                    submission.schedule(), submission.data());
        }, options.splitTimeout(), submission.jobClass(), null).thenCompose(job -> {
            CompletableFuture<JobSnapshot> stored = new CompletableFuture<>();
            loop.post(() -> {
                StoreBatch insert = new StoreBatch();
                StoreBatch.Generated<JobRow> row = insert.insertWaitingJob(job, submission.after(), submission.audit());
                services.flusher().separately(insert, () -> {
                    JobRow r = row.get();
                    log.atInfo().addKeyValue("job", r.id()).log("job submitted: {} {}, waiting for {}", job.jobClass(),
                            job.args(), submission.after());
                    pipelines.add(r, submission.after());
                    stored(JobSnapshot.of(r), follower, stored);
                }, stored::completeExceptionally);
            });
            return stored;
        });
    }

    /**
     * On the loop: every job a waiting job runs after succeeded. Its code splits it with {@code args} (on a job-code
     * thread, with the time limit), then it is stored QUEUED with its first tasks and runs as a submitted job would;
     * if its code refuses, {@code failed} gets why.
     */
    private void release(JobRow row, Map<String, String> args, java.util.function.Consumer<String> failed) {
        Submission submission = new Submission(row.jarSha256(), row.jobClass(), args, row.maxAttempts(),
                row.taskTimeoutMs(), row.owner(), row.placement().requirement(), row.placement().slotsPerTask(),
                row.placement().priority(), !row.placement().speculation(), row.schedule(), null, row.dataSets());
        host.submit(preparation(submission, true, false), options.splitTimeout(), row.jobClass() + ".split",
                Prepared::close).whenComplete((prepared, error) -> loop.post(() -> {
                    if (error != null) {
                        failed.accept(error.getMessage());
                        return;
                    }
                    NewJob job;
                    try {
                        job = newJob(submission, prepared);
                    } catch (RuntimeException e) {
                        prepared.close();
                        failed.accept(e.getMessage());
                        return;
                    }
                    StoreBatch batch = new StoreBatch()
                            .job(new StoreBatch.JobReleased(row.id(), loop.now(), job.args(), job.maxAttempts(),
                                    job.taskTimeoutMs(), job.placement()))
                            .insertTasks(row.id(), 0, prepared.firstTasks(), prepared.exhausted());
                    services.flusher().separately(batch, () -> {
                        pipelines.released(row.id());
                        // a rare path: the row as released (QUEUED, its arguments and options), read once
                        Optional<JobRow> released = store.jobs().find(row.id());
                        if (released.isEmpty() || released.get().state() != JobState.QUEUED) {
                            prepared.close();
                            log.atWarn().addKeyValue("job", row.id()).log("released job not found QUEUED: {}",
                                    released.map(JobRow::state).orElse(null));
                            return;
                        }
                        JobRunner runner = start(released.get(), prepared);
                        log.atInfo().addKeyValue("job", row.id()).log("job released: {} {}", row.jobClass(),
                                job.args());
                        board.publish(runner);
                    }, e -> {
                        prepared.close();
                        log.atWarn().addKeyValue("job", row.id()).log("released job not stored (tried again): {}",
                                e.getMessage());
                        pipelines.releaseFailed(row.id());
                    });
                }));
    }

    private void add(JobRunner job) {
        active.put(job.id, job);
        dispatchOrder.add(job);
        job.started();
    }

    // ------------------------------------------------------------------------------------------ resumption

    /**
     * Resumes a job found unfinished at start (on the starting thread; its code runs with time limits); it is held
     * while {@code adopting} says the workers may still come back for their tasks.
     */
    void resume(JobRow row, java.util.function.BooleanSupplier adopting) {
        if (row.state() == JobState.WAITING) {
            pipelines.adopt(row); // it has no tasks: it waits again, re-derived from the store
            return;
        }
        LoadedJob code = null;
        try {
            String sha = row.jarSha256();
            if (!host.hasJar(sha)) {
                throw new IllegalStateException("its jar " + sha + " is missing");
            }
            code = host.call(() -> host.load(sha, row.jobClass()), options.splitTimeout(), "loading " + row.jobClass());
            TaskCounts counts = store.tasks().count(row.id());
            JobRunner job = new JobRunner(row, code, counts.pending() > 0, services);
            job.succeeded = counts.succeeded();
            job.failed = counts.failed();
            long[] durations = store.tasks().durationHistogram(row.id()); // its tasks before the restart, read once
            System.arraycopy(durations, 0, job.durationBuckets, 0, durations.length);
            if (!row.splitComplete()) {
                LoadedJob loaded = code;
                LoadedJob.TaskSource source = host.call(() -> loaded.split(job.args), options.splitTimeout(),
                        row.jobClass() + ".split");
                long skipped = host.call(() -> source.skip(job.produced), options.splitTimeout(), "skipping tasks");
                if (skipped < job.produced) {
                    source.close();
                    throw new IllegalStateException("its split now produces " + skipped + " tasks, fewer than the "
                            + job.produced + " stored: split must give the same tasks for the same arguments");
                }
                job.source(source);
                job.expectedTotal = source.knownSize() < 0 ? -1 : source.knownSize() + skipped;
            }
            log.atInfo().addKeyValue("job", row.id()).log("resuming job ({}): {} of {} tasks done{}", row.jobClass(),
                    job.succeeded, job.produced, row.splitComplete() ? "" : ", split continues");
            Optional<String> firstError = job.failed > 0 ? store.tasks().firstError(job.id) : Optional.empty();
            loop.call(() -> {
                job.held = adopting.getAsBoolean();
                add(job);
                board.publish(job);
                if (job.failed > 0) {
                    job.end(JobState.FAILED, firstError.orElse("a task failed"), null);
                }
                return null;
            });
        } catch (RuntimeException e) {
            if (code != null) {
                code.close();
            }
            String reason = e instanceof CoreException ? e.getMessage() : LoadedJob.describe(e);
            log.atWarn().addKeyValue("job", row.id()).log("job cannot be resumed: {}", reason);
            services.journal().append(new StoreBatch().job(StoreBatch.JobUpdate.failedOnResume(row.id(), loop.now(),
                    "could not be resumed after a master restart: " + reason)), null, null);
        }
    }

    /** After the adoption window: resumed jobs dispatch again. Returns how many were held. */
    int releaseHeld() {
        int n = 0;
        for (JobRunner job : active.values()) {
            if (job.held) {
                job.held = false;
                n++;
                board.changed(job);
            }
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------ cancellation

    /** Cancels an active job; {@code done} completes once the cancellation is stored. False if it is not active. */
    boolean cancel(String id, String reason, CompletableFuture<JobSnapshot> done) {
        JobRunner job = active.get(id);
        if (job == null || job.ending()) {
            return false;
        }
        String error = "cancelled" + (reason == null || reason.isBlank() ? "" : ": " + reason);
        log.atInfo().addKeyValue("job", id).log("job cancelled{}", reason == null || reason.isBlank() ? "" : " (" + reason + ")");
        services.flusher().onFailure(done::completeExceptionally);
        job.end(JobState.CANCELLED, error, done::complete);
        return true;
    }

    /**
     * The master was fenced: every job is let go without a write (another master owns them now). Returns their ids.
     */
    List<String> dropAll() {
        List<String> ids = new ArrayList<>(active.keySet());
        for (JobRunner job : active.values()) {
            job.drop();
            board.dropped(job.id);
        }
        active.clear();
        dispatchOrder.clear();
        reservedIds.clear(); // this identity's: the next ones are reserved under the new one
        reservedBy = null;
        ids.addAll(pipelines.dropAll());
        return ids;
    }

    /** Slots' worth of tasks waiting to run in jobs that may dispatch (held ones wait for their workers). */
    long demand() {
        long n = 0;
        for (JobRunner job : dispatchOrder) {
            if (job.dispatchable() && !job.held) {
                n += job.queued() * job.slotsPerTask;
            }
        }
        return n;
    }

    /** At shutdown: the jobs' code is closed. */
    void close() {
        for (JobRunner job : active.values()) {
            job.close();
        }
    }

    // ------------------------------------------------------------------------------------------ what runners say

    @Override
    public void tasksReady(JobRunner job) {
        dispatcher.dispatchHungry();
    }

    @Override
    public void changed(JobRunner job) {
        board.changed(job);
    }

    @Override
    public void ended(JobRunner job, JobSnapshot last) {
        active.remove(job.id);
        dispatchOrder.remove(job);
        board.ended(job, last);
        pipelines.upstreamEnded(job.id);
    }
}
