package io.gridwork.master.core;

import io.gridwork.internal.EncodedResult;
import io.gridwork.internal.JobClassLoaders;
import io.gridwork.internal.JobLoadException;
import io.gridwork.internal.LoadedJob;
import io.gridwork.master.code.JarRepository;
import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.NewJob;
import io.gridwork.master.store.Store;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.StoredTask;
import io.gridwork.master.store.WorkerEventRow;
import io.gridwork.master.store.WorkerRegistration;
import io.gridwork.master.store.WorkerRow;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.JobOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heart of the master: jobs, their tasks, the workers and their streams, dispatch, results, retries.
 *
 * <p>All of its state is confined to one thread, the loop ({@code loop} executor, single-threaded): callers
 * from gRPC threads post events to it. After the events queued at one moment have run, one flush sends each
 * worker a single message with everything for it and hands the writes to the {@link StoreWriter}, which commits
 * them together; acknowledgements of results go out only after that commit.
 *
 * <p>User code ({@code split}, {@code merge}, job construction) never runs on the loop: it runs on the job-code
 * executor with a time limit, and its outcome is posted back.
 */
public final class Scheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    private static final int MAX_RESULT_TEXT = 1_000_000;
    private static final Duration AVOID_FAILED_WORKER_FOR = Duration.ofSeconds(5);
    /** Tasks shorter than this measure scheduling noise more than a worker's speed. */
    private static final long MIN_TIMED_TASK_MS = 20;
    /** Weight of the newest task in a worker's speed (an exponential moving average). */
    private static final double SPEED_WEIGHT = 0.2;

    private final SchedulerOptions options;
    private final Store store;
    private final JarRepository jars;
    private final Clock clock;
    private final Executor loop;
    private final ScheduledExecutorService timer;
    private final ExecutorService jobCode;
    private volatile CoreMetrics metrics = CoreMetrics.detached();
    /** Job jars' class loaders, shared by the jobs of one jar and kept a while after they end. */
    private final JobClassLoaders classLoaders = new JobClassLoaders(GridJob.class.getClassLoader(),
            JobClassLoaders.DEFAULT_MAX_IDLE);
    private final StoreWriter writer;
    private final Liveness liveness;

    // ---- loop-confined state
    private final Map<String, JobRuntime> jobs = new LinkedHashMap<>();
    private final List<JobRuntime> dispatchOrder = new ArrayList<>();
    /** Slots the current attempts of each user's jobs occupy: fair share between users. */
    private final Map<String, Integer> unitsByOwner = new HashMap<>();
    private final Map<String, WorkerEntry> workers = new LinkedHashMap<>();
    private final Map<Long, Attempt> attempts = new HashMap<>();
    private final LinkedHashSet<Session> hungry = new LinkedHashSet<>();
    private final Set<Session> dirtySessions = new LinkedHashSet<>();
    private final Set<JobRuntime> dirtyJobs = new LinkedHashSet<>();
    private final Map<String, List<Consumer<JobSnapshot>>> watchers = new HashMap<>();
    private StoreBatch pendingWrites = new StoreBatch();
    private List<Attempt> pendingSuccesses = new ArrayList<>();
    private List<Runnable> afterCommit = new ArrayList<>();
    private boolean flushScheduled;
    private volatile long epochBase;
    /** When dispatch runs again for a retry falling due; null if nothing is scheduled. */
    private Instant nextWake;
    private long nextAttemptId;
    /** After a restart: workers that were alive before and have not registered again yet. */
    private final Set<String> awaited = new HashSet<>();
    private Instant adoptionUntil;

    // ---- shared with other threads
    private final ConcurrentHashMap<String, JobSnapshot> activeSnapshots = new ConcurrentHashMap<>();
    private final List<ScheduledFuture<?>> ticks = new ArrayList<>();
    private volatile boolean accepting = true;

    /**
     * @param loop a single-threaded executor: the scheduler's loop
     * @param timer runs periodic checks (which post to the loop) and time limits
     * @param jobCode runs job code (split, merge, construction)
     * @param prober health-checks suspected workers directly
     */
    public Scheduler(SchedulerOptions options, Store store, JarRepository jars, Clock clock, Executor loop,
            ScheduledExecutorService timer, ExecutorService jobCode, Prober prober) {
        this.options = options;
        this.store = store;
        this.jars = jars;
        this.clock = clock;
        this.loop = loop;
        this.timer = timer;
        this.jobCode = jobCode;
        this.writer = new StoreWriter(store, this::post);
        this.liveness = new Liveness(this, options, prober);
    }

    public SchedulerOptions options() {
        return options;
    }

    // =====================================================================================================
    // lifecycle

    /** Where the scheduler's counters and timers go; call before {@link #start}. */
    public void metrics(CoreMetrics metrics) {
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
        writer.metrics(metrics);
    }

    CoreMetrics metrics() {
        return metrics;
    }

    /** Loads the workers and resumes the jobs that had not ended, then starts the writer and the periodic checks. */
    public void start() {
        recover();
        writer.start();
        scheduleTicks();
    }

    /** Loads the workers and resumes unfinished jobs (part of {@link #start()}; tests call it alone). */
    void recover() {
        long epoch = store.nextEpoch();
        List<WorkerRow> workerRows = store.workers();
        List<JobRow> unfinished = store.unfinishedJobs();
        List<WorkerEventRow> recentEvents = store.workerEvents(null, 1000);
        call(() -> {
            epochBase = epoch << 32;
            nextAttemptId = epochBase + 1;
            Instant now = clock.instant();
            for (WorkerRow row : workerRows) {
                workers.put(row.id(), new WorkerEntry(row, now));
                if (!row.state().isDeparted()) {
                    awaited.add(row.id());
                }
            }
            if (!awaited.isEmpty()) {
                adoptionUntil = now.plus(options.adoptionGrace());
            }
            List<WorkerEvent> history = new ArrayList<>();
            for (WorkerEventRow e : recentEvents) {
                history.add(new WorkerEvent(e.seq(), e.workerId(), e.workerName(), e.type(), e.reason(), e.incarnation(), e.at()));
            }
            liveness.restore(history);
            return null;
        });
        for (JobRow row : unfinished) {
            resume(row);
        }
        log.info("scheduler started (epoch {}, {} known workers, {} jobs resumed)", epoch, workerRows.size(), unfinished.size());
    }

    /** Schedules the periodic checks on the timer (part of {@link #start()}). */
    void scheduleTicks() {
        long publishMs = options.publishInterval().toMillis();
        ticks.add(timer.scheduleWithFixedDelay(() -> post(this::publishDirty), publishMs, publishMs, TimeUnit.MILLISECONDS));
        long checkMs = Math.max(50, options.heartbeatInterval().toMillis() / 4);
        ticks.add(timer.scheduleWithFixedDelay(() -> post(this::tick), checkMs, checkMs, TimeUnit.MILLISECONDS));
    }

    /** Stops taking work and tells the workers; the store writer commits what is queued. Idempotent. */
    @Override
    public void close() {
        if (!accepting) {
            return;
        }
        accepting = false;
        ticks.forEach(t -> t.cancel(false));
        try {
            call(() -> {
                for (WorkerEntry e : workers.values()) {
                    if (e.session != null && e.session.open) {
                        Session s = e.session;
                        flushSession(s);
                        s.open = false;
                        e.session = null;
                        s.link.close("the master is shutting down");
                    }
                }
                flush();
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("while stopping the scheduler: {}", e.toString());
        }
        writer.close();
        for (JobRuntime job : jobs.values()) {
            if (job.code != null) {
                job.code.close();
            }
        }
        classLoaders.close();
    }

    // =====================================================================================================
    // client side

    /**
     * Stores a new job and starts it. Loads the job class and calls its split (both with a time limit) before
     * anything is stored, so a bad class or bad arguments store nothing.
     */
    public JobSnapshot submit(Submission submission) {
        return prepare(submission, true);
    }

    /**
     * Checks a job as {@link #submit} would (its jar, class, arguments and options) without storing or starting it:
     * for a schedule, whose jobs are submitted later.
     */
    public void check(Submission submission) {
        prepare(submission, false);
    }

    private JobSnapshot prepare(Submission submission, boolean start) {
        if (!accepting) {
            throw CoreException.unavailable("the master is shutting down");
        }
        String sha = submission.jarSha256();
        if (start && !submission.owner().isEmpty()
                && store.unfinishedJobs(submission.owner()) >= options.maxQueuedJobsPerUser()) {
            throw CoreException.exhausted("user " + submission.owner() + " has " + options.maxQueuedJobsPerUser()
                    + " jobs queued or running, the limit max-queued-jobs-per-user");
        }
        if (jars.find(sha).isEmpty()) {
            throw CoreException.notFound("jar_sha256: the master holds no jar " + sha + "; upload it first");
        }
        String className = submission.jobClass();
        JobArgs args = JobArgs.of(submission.args());
        // one trip to the job-code executor: load (from the jar's shared loader), start the split, read the options
        Prepared prepared = callJobCode(() -> {
            LoadedJob loaded = LoadedJob.load(classLoaders.acquire(sha, jars.path(sha)), className);
            try {
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
        }, options.splitTimeout(), className + ".split");
        LoadedJob code = prepared.code();
        boolean handedOver = false;
        try {
            LoadedJob.TaskSource source = prepared.source();
            JobOptions own = prepared.options();
            int maxAttempts = submission.maxAttempts() > 0 ? submission.maxAttempts()
                    : own.maxAttempts() > 0 ? own.maxAttempts() : options.defaultMaxAttempts();
            long timeoutMs = submission.taskTimeoutMs() > 0 ? submission.taskTimeoutMs() : own.taskTimeout().toMillis();
            NewJob.Placement placement = placement(submission, own);
            long atLeast = Math.max(source.knownSize(), prepared.firstTasks().size());
            if (atLeast > options.maxTasksPerJob()) {
                throw CoreException.exhausted("the job would have " + atLeast + " tasks, over the limit "
                        + "max-tasks-per-job=" + options.maxTasksPerJob());
            }
            if (!start) {
                return null; // a check only: the finally below closes the split and the code
            }
            JobRow row = store.insertJob(new NewJob(sha, className, args.asMap(), maxAttempts, timeoutMs, clock.instant(),
                    submission.owner(), placement, submission.schedule()), prepared.firstTasks(), prepared.exhausted());
            JobRuntime job = new JobRuntime(row, code);
            long index = 0;
            for (byte[] input : prepared.firstTasks()) {
                job.ready.add(new QueuedTask(index++, input, 0, 0, 0));
                job.readyBytes += input.length;
            }
            if (prepared.exhausted()) {
                source.close();
            } else {
                job.source = source;
            }
            job.expectedTotal = source.knownSize();
            handedOver = true;
            JobSnapshot snapshot = call(() -> {
                addJob(job);
                return publish(job);
            });
            log.atInfo().addKeyValue("job", row.id()).log("job submitted{}: {} {} ({} tasks expected)",
                    submission.schedule() == null ? "" : " by schedule " + submission.schedule(), className, args.asMap(),
                    source.knownSize() >= 0 ? source.knownSize() : "?");
            return snapshot;
        } finally {
            if (!handedOver) {
                prepared.source().close();
                code.close();
            }
        }
    }

    private record Prepared(LoadedJob code, LoadedJob.TaskSource source, JobOptions options, List<byte[]> firstTasks,
            boolean exhausted) {}

    /** Where the job runs: the submission's choices over the job's own over the defaults. */
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
        return new NewJob.Placement(parsed.toString(), slots, priority, speculation);
    }

    /** The job's status: live for a job that runs, as stored for one that has ended. */
    public Optional<JobSnapshot> job(String id) {
        if (activeSnapshots.containsKey(id)) {
            JobSnapshot live = call(() -> {
                JobRuntime job = jobs.get(id);
                return job == null ? null : live(job);
            });
            if (live != null) {
                return Optional.of(live);
            }
        }
        // not active: it has ended (its final state was stored before it left the active map), or is unknown
        return store.findJob(id).map(JobSnapshot::of);
    }

    /** The most recent jobs first, live status for those that run. */
    public List<JobSnapshot> jobs(int limit, Collection<JobState> states) {
        return jobs(limit, states, null);
    }

    /** The same, only those of {@code owner} if it is not null. */
    public List<JobSnapshot> jobs(int limit, Collection<JobState> states, String owner) {
        return jobs(limit, states, owner, null);
    }

    /** The same, only those {@code schedule} started if it is not null. */
    public List<JobSnapshot> jobs(int limit, Collection<JobState> states, String owner, String schedule) {
        List<JobRow> rows = store.listJobs(limit, states, owner, schedule);
        Map<String, JobSnapshot> live = call(() -> {
            Map<String, JobSnapshot> snapshots = new HashMap<>();
            for (JobRow row : rows) {
                JobRuntime job = jobs.get(row.id());
                if (job != null) {
                    snapshots.put(row.id(), live(job));
                }
            }
            return snapshots;
        });
        List<JobSnapshot> out = new ArrayList<>();
        for (JobRow row : rows) {
            JobSnapshot snapshot = live.get(row.id());
            out.add(snapshot != null && !row.state().isTerminal() ? snapshot : JobSnapshot.of(row));
        }
        return out;
    }

    /** Cancels a job that has not ended; completes with its status once the cancellation is stored. */
    public CompletableFuture<JobSnapshot> cancel(String id, String reason) {
        CompletableFuture<JobSnapshot> done = new CompletableFuture<>();
        post(() -> {
            JobRuntime job = jobs.get(id);
            if (job == null || job.ending) {
                done.completeExceptionally(endedOrUnknown(id));
                return;
            }
            String error = "cancelled" + (reason == null || reason.isBlank() ? "" : ": " + reason);
            log.atInfo().addKeyValue("job", id).log("job cancelled{}", reason == null || reason.isBlank() ? "" : " (" + reason + ")");
            endJob(job, JobState.CANCELLED, error, done::complete);
        });
        return done;
    }

    private CoreException endedOrUnknown(String id) {
        // Called on the loop for a job that is not active: a rare path, so reading the store here is fine.
        Optional<JobRow> row = store.findJob(id);
        if (row.isEmpty()) {
            return CoreException.notFound("job_id: no job " + id);
        }
        return CoreException.precondition("job " + id + " has already ended (" + row.get().state() + ")");
    }

    /**
     * Calls {@code listener} with the job's status now and each time it changes, at most every publish interval,
     * until the job ends (the last call has the final state). Returns a handle that stops the calls.
     */
    public Runnable watch(String id, Consumer<JobSnapshot> listener) {
        JobSnapshot current = job(id).orElseThrow(() -> CoreException.notFound("job_id: no job " + id));
        if (current.state().isTerminal()) {
            listener.accept(current);
            return () -> { };
        }
        AtomicBoolean stopped = new AtomicBoolean();
        Consumer<JobSnapshot> guarded = s -> {
            if (!stopped.get()) {
                listener.accept(s);
            }
        };
        post(() -> {
            JobRuntime job = jobs.get(id);
            if (job == null) {
                store.findJob(id).map(JobSnapshot::of).ifPresent(guarded);
                return;
            }
            watchers.computeIfAbsent(id, k -> new ArrayList<>()).add(guarded);
            guarded.accept(activeSnapshots.getOrDefault(id, current));
        });
        return () -> {
            stopped.set(true);
            post(() -> {
                List<Consumer<JobSnapshot>> list = watchers.get(id);
                if (list != null) {
                    list.remove(guarded);
                    if (list.isEmpty()) {
                        watchers.remove(id);
                    }
                }
            });
        };
    }

    /** The result of a job that succeeded. */
    public ResultData result(String id) {
        JobRow row = store.findJob(id).orElseThrow(() -> CoreException.notFound("job_id: no job " + id));
        if (row.state() != JobState.SUCCEEDED) {
            throw CoreException.precondition("job " + id + " has no result: it is " + row.state()
                    + (row.error() != null ? " (" + row.error() + ")" : ""));
        }
        byte[] bytes = store.jobResult(id).orElse(new byte[0]);
        return new ResultData(id, bytes, row.resultMediaType(), row.resultText());
    }

    /** The workers the master knows, by name; departed ones only if asked for. */
    public List<WorkerSnapshot> workers(boolean includeDeparted) {
        return call(() -> {
            List<WorkerSnapshot> out = new ArrayList<>();
            for (WorkerEntry e : workers.values()) {
                if (includeDeparted || !e.state.isDeparted()) {
                    out.add(e.snapshot());
                }
            }
            out.sort((a, b) -> a.name().compareTo(b.name()));
            return out;
        });
    }

    /** A task's failed attempt, as the dashboard shows it. */
    public record TaskError(long index, int attempt, String worker, String message, Instant at) {}

    /** What the dashboard shows of an active job beyond its snapshot: task durations by bucket, the latest errors. */
    public record JobDetail(long[] durationBuckets, List<TaskError> errors) {}

    /** The detail of a job the scheduler runs now; empty for a job that ended (read the store then). */
    public Optional<JobDetail> detail(String id) {
        return call(() -> {
            JobRuntime job = jobs.get(id);
            return job == null ? Optional.<JobDetail>empty()
                    : Optional.of(new JobDetail(job.durationBuckets.clone(), new ArrayList<>(job.errors)));
        });
    }

    private static void noteError(JobRuntime job, long index, int attempt, String worker, String message, Instant at) {
        job.errors.addLast(new TaskError(index, attempt, worker, message, at));
        while (job.errors.size() > JobRuntime.ERRORS_KEPT) {
            job.errors.removeFirst();
        }
    }

    /** A task attempt running now, as the dashboard shows it. */
    public record RunningAttempt(String jobId, String jobClass, long index, int attempt, boolean speculative,
            Instant startedAt) {}

    /** The attempts a worker (by name or id) holds now, oldest first, at most {@code limit}. */
    public List<RunningAttempt> runningOn(String worker, int limit) {
        return call(() -> {
            List<RunningAttempt> out = new ArrayList<>();
            for (Attempt a : attempts.values()) {
                WorkerEntry w = a.session.worker;
                if ((w.name.equals(worker) || w.id.equals(worker)) && !a.completing) {
                    out.add(new RunningAttempt(a.job.id, a.job.row.jobClass(), a.task.index, a.number, a.speculative,
                            a.startedAt));
                }
            }
            out.sort(java.util.Comparator.comparing(RunningAttempt::startedAt));
            return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
        });
    }

    /** Up to {@code limit} recent worker events, oldest first. */
    public List<WorkerEvent> recentWorkerEvents(int limit) {
        return call(() -> new ArrayList<>(liveness.recent(limit)));
    }

    /**
     * Drains a worker (by name or id): it gets no new tasks and its running ones finish; its state shows DRAINING.
     * Undraining lets it take tasks again. The choice is stored and outlives the worker's and the master's restarts.
     */
    public WorkerSnapshot drain(String worker, boolean drain, String by) {
        return call(() -> {
            WorkerEntry w = workers.get(worker);
            if (w == null) {
                for (WorkerEntry e : workers.values()) {
                    if (e.name.equals(worker)) {
                        w = e;
                    }
                }
            }
            if (w == null) {
                throw CoreException.notFound("worker: no worker named " + worker);
            }
            if (w.drainRequested != drain) {
                w.drainRequested = drain;
                liveness.drainRequested(w, drain, by == null || by.isEmpty() ? "an operator" : by);
                persistWorker(w);
                if (w.session != null) {
                    if (drain) {
                        // tasks it holds but has not started go elsewhere; the running ones finish
                        hungry.remove(w.session);
                        w.session.outbox.releaseUnstarted = true;
                        markDirty(w.session);
                    } else {
                        dispatch(w.session);
                    }
                }
            }
            return w.snapshot();
        });
    }

    // =====================================================================================================
    // worker side

    /**
     * Records a worker's registration: a new incarnation, which fences off its older streams. Of the tasks it
     * says it holds, those still assigned to it are kept (after a master restart: taken back, if no one else has
     * them); the others it must drop. Tasks it no longer holds went down with its previous process or stream and
     * go elsewhere.
     */
    public RegisterOutcome register(WorkerRegistration registration, List<Messages.TaskKey> held) {
        if (!accepting) {
            throw CoreException.unavailable("the master is shutting down");
        }
        WorkerRow row = store.registerWorker(registration);
        long base = epochBase;
        Map<Messages.TaskKey, StoredTask> fromBefore = new HashMap<>();
        for (Messages.TaskKey key : held) {
            if (key.attemptId() < base) {
                store.pendingTask(key.jobId(), key.index()).ifPresent(t -> fromBefore.put(key, t));
            }
        }
        return call(() -> {
            Instant now = clock.instant();
            WorkerEntry entry = workers.get(row.id());
            WorkerState before = entry == null ? null : entry.state;
            if (entry == null) {
                entry = new WorkerEntry(row, now);
                workers.put(row.id(), entry);
            } else {
                if (entry.session != null) {
                    closeSession(entry.session, "the worker registered again", true);
                }
                entry.update(row);
            }
            entry.lastHeartbeat = now;
            List<Messages.TaskKey> keep = new ArrayList<>();
            List<Messages.TaskKey> drop = new ArrayList<>();
            Set<Long> kept = new HashSet<>();
            for (Messages.TaskKey key : held) {
                Attempt a = attempts.get(key.attemptId());
                boolean ours = a != null && a.session.worker == entry && !a.completing && a.job.id.equals(key.jobId())
                        && a.task.index == key.index();
                if (ours || (fromBefore.containsKey(key) && adopt(entry, key, fromBefore.get(key), now))) {
                    keep.add(key);
                    kept.add(key.attemptId());
                } else {
                    drop.add(key);
                    JobRuntime job = jobs.get(key.jobId());
                    if (job != null) {
                        job.rejected++;
                        metrics.rejected.increment();
                        markDirty(job);
                    }
                }
            }
            boolean crashed = entry.streamBroke;
            for (Attempt a : orphans(entry)) {
                if (!kept.contains(a.id)) {
                    lose(a, "worker " + entry.name + " came back without it", crashed);
                }
            }
            entry.streamBroke = false;
            liveness.registered(entry, before, row.incarnation());
            persistWorker(entry);
            if (awaited.remove(entry.id) && awaited.isEmpty()) {
                releaseAdoption("every worker that was alive before the restart is back");
            }
            if (!keep.isEmpty() || !drop.isEmpty()) {
                log.atInfo().addKeyValue("worker", row.name()).log("worker holds {} tasks: keeps {}, drops {} (reassigned or done)",
                        held.size(), keep.size(), drop.size());
            }
            dispatchHungry();
            return new RegisterOutcome(row.id(), row.incarnation(), keep, drop);
        });
    }

    /** Takes back a task that was running before the master restarted, for the worker that still holds it. */
    private boolean adopt(WorkerEntry entry, Messages.TaskKey key, StoredTask stored, Instant now) {
        JobRuntime job = jobs.get(key.jobId());
        if (job == null || !job.dispatchable() || job.adopted.contains(key.index())) {
            return false;
        }
        for (Attempt a : job.attempts.values()) {
            if (a.task.index == key.index()) {
                return false; // already running elsewhere in this epoch
            }
        }
        for (QueuedTask t : job.retries) {
            if (t.index == key.index()) {
                return false;
            }
        }
        for (Iterator<QueuedTask> it = job.ready.iterator(); it.hasNext(); ) {
            QueuedTask t = it.next();
            if (t.index == key.index()) {
                it.remove();
                job.readyBytes -= t.input.length;
            }
        }
        QueuedTask task = new QueuedTask(stored.index(), stored.input(), stored.failures(), stored.losses(), stored.crashes());
        task.attempts++;
        if (entry.parked == null) {
            entry.parked = new Session(entry, entry.incarnation, NO_LINK);
            entry.parked.open = false;
        }
        Attempt a = new Attempt(key.attemptId(), job, task, entry.parked, task.attempts, now);
        attempts.put(a.id, a);
        job.attempts.put(a.id, a);
        entry.parked.attempts.put(a.id, a);
        track(a);
        job.adopted.add(key.index());
        markDirty(job);
        return true;
    }

    /** Resumed jobs may dispatch: their workers had their chance to take back what they were running. */
    private void releaseAdoption(String why) {
        if (adoptionUntil == null) {
            return;
        }
        adoptionUntil = null;
        for (String id : new ArrayList<>(awaited)) {
            WorkerEntry w = workers.get(id);
            if (w != null && w.session == null && !w.state.isDeparted()) {
                liveness.dead(w, "it did not reconnect within " + options.adoptionGrace().toSeconds()
                        + " s of the master restart", false);
            }
        }
        awaited.clear();
        int resumed = 0;
        for (JobRuntime job : jobs.values()) {
            if (job.held) {
                job.held = false;
                resumed++;
                markDirty(job);
            }
        }
        if (resumed > 0) {
            log.info("{} resumed jobs dispatch again: {}", resumed, why);
        }
        dispatchHungry();
    }

    private static final Messages.WorkerLink NO_LINK = new Messages.WorkerLink() {
        @Override
        public void send(Messages.Outbound message) {
        }

        @Override
        public void close(String reason) {
        }
    };

    /**
     * Opens the stream of a registered worker incarnation; the returned session identifies it from then on.
     * {@code name}, if not null, is the worker's authenticated name: the stream must be its own.
     */
    public Session connect(String workerId, long incarnation, String name, Messages.WorkerLink link) {
        return call(() -> {
            WorkerEntry entry = workers.get(workerId);
            if (entry == null) {
                throw CoreException.notFound("hello.worker_id: unknown worker " + workerId + "; register first");
            }
            if (name != null && !name.equals(entry.name)) {
                throw new CoreException(CoreException.Kind.PERMISSION_DENIED, "hello.worker_id: " + workerId
                        + " is worker " + entry.name + ", not " + name);
            }
            if (entry.incarnation != incarnation) {
                throw CoreException.precondition("hello.incarnation " + incarnation + " of worker " + entry.name
                        + " is not current (" + entry.incarnation + "); register again");
            }
            if (entry.session != null) {
                closeSession(entry.session, "replaced by a newer stream", true);
            }
            Session session = new Session(entry, incarnation, link);
            entry.session = session;
            entry.lastHeartbeat = clock.instant();
            // attempts the worker kept when it registered again move to the new stream
            for (Attempt a : orphans(entry)) {
                a.session.attempts.remove(a.id);
                if (!a.untracked) {
                    a.session.heldUnits -= a.units();
                    session.heldUnits += a.units();
                }
                a.session = session;
                session.attempts.put(a.id, a);
                session.jobsSent.add(a.job.id);
                a.job.knownBy.add(session);
            }
            entry.parked = null;
            persistWorker(entry);
            return session;
        });
    }

    /** A message from a worker's stream. */
    public void onMessage(Session session, Messages.Inbound message) {
        post(() -> handleMessage(session, message));
    }

    /**
     * The worker's stream ended: {@code clean} if the worker closed it (after saying it was draining, a clean
     * departure); otherwise it broke, and the worker is probed at once.
     */
    public void onClosed(Session session, String cause, boolean clean) {
        post(() -> {
            if (!session.open) {
                return;
            }
            WorkerEntry w = session.worker;
            if (clean && session.draining) {
                closeSession(session, cause, false);
                if (w.session == null) {
                    liveness.left(w, "it drained and left");
                }
            } else {
                closeSession(session, cause, true);
                if (w.session == null) {
                    liveness.streamBroke(w, cause);
                }
            }
        });
    }

    /**
     * Calls {@code listener} with up to {@code history} recent worker events, then with each new one, until the
     * returned handle is run.
     */
    public Runnable watchWorkers(int history, Consumer<WorkerEvent> listener) {
        AtomicBoolean stopped = new AtomicBoolean();
        Consumer<WorkerEvent> guarded = e -> {
            if (!stopped.get()) {
                listener.accept(e);
            }
        };
        post(() -> {
            for (WorkerEvent e : liveness.recent(history)) {
                guarded.accept(e);
            }
            liveness.watch(guarded);
        });
        return () -> {
            stopped.set(true);
            post(() -> liveness.unwatch(guarded));
        };
    }

    // =====================================================================================================
    // loop: worker messages

    private void handleMessage(Session s, Messages.Inbound m) {
        WorkerEntry w = s.worker;
        if (!s.open || w.session != s) {
            return;
        }
        Instant now = clock.instant();
        liveness.heard(w, now);
        if (m.heartbeatSeq() >= 0) {
            s.outbox.heartbeatAck = m.heartbeatSeq();
            markDirty(s);
        }
        for (Messages.ProbeResult p : m.probeResults()) {
            liveness.probeResult(p);
        }
        for (Messages.Result r : m.results()) {
            onResult(s, r, now);
        }
        for (Messages.Progress p : m.progress()) {
            Attempt a = s.attempts.get(p.key().attemptId());
            if (a != null) {
                a.started = true;
                a.progress = p.fraction();
                a.lastProgress = now;
            }
        }
        for (Messages.TaskKey key : m.crashed()) {
            Attempt a = s.attempts.get(key.attemptId());
            if (a != null) {
                lose(a, "it called System.exit on worker " + w.name, true);
            }
        }
        if (m.draining() && !s.draining) {
            s.draining = true;
            hungry.remove(s);
            liveness.draining(w, "it is shutting down");
        }
        for (Messages.TaskKey key : m.released()) {
            Attempt a = s.attempts.get(key.attemptId());
            if (a != null) {
                detach(a);
                requeue(a.job, a.task, null, null);
            }
        }
        if (m.credit() > 0) {
            int capacity = w.slots + w.prefetch - s.heldUnits;
            s.credits = Math.max(0, Math.min(s.credits + m.credit(), capacity));
            dispatch(s);
        }
        if (!m.released().isEmpty() || !m.crashed().isEmpty()) {
            dispatchHungry();
        }
    }

    private void onResult(Session s, Messages.Result r, Instant now) {
        Attempt a = s.attempts.get(r.key().attemptId());
        if (a == null || !a.job.id.equals(r.key().jobId()) || a.task.index != r.key().index()) {
            s.outbox.rejections.add(new Messages.Rejection(r.key(), rejectionReason(r.key())));
            markDirty(s);
            JobRuntime job = jobs.get(r.key().jobId());
            if (job != null) {
                job.rejected++;
                metrics.rejected.increment();
                markDirty(job);
            }
            log.atInfo().addKeyValue("job", r.key().jobId()).addKeyValue("task", r.key().index())
                    .addKeyValue("worker", s.worker.name).log("refused a result from {}: {}", s, rejectionReason(r.key()));
            return;
        }
        JobRuntime job = a.job;
        if (!job.dispatchable() && !job.merging) {
            // the job is ending: nothing more of it is stored
            detach(a);
            s.outbox.acks.add(r.key());
            markDirty(s);
            return;
        }
        if (a.task.completing || a.task.done) {
            // another attempt of the task (a speculative one, or the original) finished first
            detach(a);
            s.outbox.rejections.add(new Messages.Rejection(r.key(), "task " + a.task.index + " of job " + job.id
                    + " already finished on another worker"));
            markDirty(s);
            job.rejected++;
            metrics.rejected.increment();
            markDirty(job);
            return;
        }
        s.attempts.remove(a.id);
        if (r.succeeded() && r.output().length > options.maxOutputBytes()) {
            onFailure(a, new Messages.Failure("its output of " + r.output().length + " bytes exceeds the limit "
                    + "max-output-bytes=" + options.maxOutputBytes(), "io.gridwork.LimitExceeded", false, ""), now);
        } else if (r.succeeded()) {
            a.completing = true;
            a.task.completing = true;
            job.completing++;
            untrack(a);
            recordDuration(a, r.durationMs());
            if (a.task.live > 0) {
                cancelOtherAttempts(a);
            }
            pendingWrites.success(new StoreBatch.TaskSuccess(job.id, a.task.index, r.output(), s.worker.id,
                    r.durationMs()));
            pendingSuccesses.add(a);
            scheduleFlush();
        } else {
            onFailure(a, r.failure(), now);
        }
        markDirty(job);
    }

    private String rejectionReason(Messages.TaskKey key) {
        if (key.attemptId() < epochBase) {
            return "attempt " + key.attemptId() + " of task " + key.index() + " of job " + key.jobId()
                    + " was assigned before the master restarted and has been reassigned";
        }
        return "attempt " + key.attemptId() + " of task " + key.index() + " of job " + key.jobId()
                + " is not current (it was superseded, or the job ended)";
    }

    /** Measures the job's tasks and the worker's speed against them (a moving average of mean / duration). */
    private void recordDuration(Attempt a, long durationMs) {
        JobRuntime job = a.job;
        long d = Math.max(1, durationMs);
        double mean = job.meanTaskMillis();
        job.durationBuckets[Store.durationBucket(Math.max(0, durationMs))]++;
        job.durationCount++;
        job.durationSumMs += d;
        if (job.durationCount > 2 && Math.max(mean, d) >= MIN_TIMED_TASK_MS) {
            double ratio = Math.max(0.01, Math.min(100, mean / d));
            WorkerEntry w = a.session.worker;
            w.speed = w.speed * (1 - SPEED_WEIGHT) + ratio * SPEED_WEIGHT;
        }
    }

    /** The first result of a task wins: its other attempts are cancelled, and their results refused if they come. */
    private void cancelOtherAttempts(Attempt winner) {
        for (Attempt o : new ArrayList<>(winner.job.attempts.values())) {
            if (o == winner || o.task != winner.task || o.completing) {
                continue;
            }
            detach(o);
            if (o.session.open) {
                o.session.outbox.cancels.add(o.key());
                markDirty(o.session);
            }
            log.atInfo().addKeyValue("job", winner.job.id).addKeyValue("task", winner.task.index)
                    .addKeyValue("worker", o.session.worker.name)
                    .log("attempt {} on {} finished first; attempt {} on {} is cancelled", winner.number,
                            winner.session.worker.name, o.number, o.session.worker.name);
        }
    }

    /** A result whose output is now stored (or was already: {@code written} false). */
    private void onStored(Attempt a, boolean written) {
        JobRuntime job = a.job;
        job.completing--;
        attempts.remove(a.id);
        job.attempts.remove(a.id);
        if (written) {
            a.task.done = true;
            job.succeeded++;
            metrics.succeeded.increment();
            a.session.worker.completed++;
        } else {
            log.atWarn().addKeyValue("job", job.id).addKeyValue("task", a.task.index).addKeyValue("worker", a.session.worker.name)
                    .log("a second output arrived from {} and was not stored", a.session);
        }
        if (a.session.open) {
            a.session.outbox.acks.add(a.key());
            markDirty(a.session);
        }
        markDirty(job);
        if (job.allTasksDone() && job.dispatchable()) {
            startMerge(job);
        }
    }

    private void onFailure(Attempt a, Messages.Failure f, Instant now) {
        detach(a);
        JobRuntime job = a.job;
        QueuedTask t = a.task;
        WorkerEntry w = a.session.worker;
        t.failures++;
        t.lastError = f.message();
        w.failed++;
        noteError(job, t.index, a.number, w.name, f.message(), now);
        if (!f.retryable()) {
            log.atInfo().addKeyValue("job", job.id).addKeyValue("task", t.index).addKeyValue("worker", w.name)
                    .log("task failed on {} and is not retryable: {}", w.name, f.message());
            failJobForTask(job, t, "task " + t.index + " failed and is not retryable: " + f.message(), w.id);
        } else if (t.failures >= job.maxAttempts) {
            log.atInfo().addKeyValue("job", job.id).addKeyValue("task", t.index).addKeyValue("worker", w.name)
                    .log("task failed on {} ({} of {} attempts): {}", w.name, t.failures, job.maxAttempts, f.message());
            failJobForTask(job, t, "task " + t.index + " failed " + t.failures + " times; last error: " + f.message(), w.id);
        } else {
            log.atInfo().addKeyValue("job", job.id).addKeyValue("task", t.index).addKeyValue("worker", w.name)
                    .log("task failed on {} (attempt {} of {}), retrying: {}", w.name, t.failures, job.maxAttempts, f.message());
            job.retried++;
            metrics.retried.increment();
            pendingWrites.attemptFailed(new StoreBatch.TaskAttemptFailed(job.id, t.index, t.failures, t.losses,
                    t.crashes, f.message()), w.id);
            scheduleFlush();
            requeue(job, t, w.id, now.plus(options.retryDelay(t.failures)));
        }
    }

    // =====================================================================================================
    // loop: dispatch

    private boolean canTake(Session s) {
        return s.open && !s.draining && s.credits > 0 && s.worker.state == WorkerState.ALIVE;
    }

    /** Gives a worker as many tasks as it has credits for and there are tasks. */
    void dispatch(Session s) {
        while (canTake(s) && assignOne(s)) {
            // keep going
        }
        if (canTake(s)) {
            hungry.add(s);
        } else {
            hungry.remove(s);
        }
    }

    /** Gives waiting workers tasks, one each in turn, so new work spreads over all of them. */
    private void dispatchHungry() {
        boolean assigned = true;
        while (assigned && !hungry.isEmpty()) {
            assigned = false;
            for (Iterator<Session> it = hungry.iterator(); it.hasNext(); ) {
                Session s = it.next();
                if (canTake(s) && assignOne(s)) {
                    assigned = true;
                }
                if (!canTake(s)) {
                    it.remove();
                }
            }
        }
    }

    /**
     * Gives the worker one task: of the jobs it may run tasks of, the one first in line by priority (higher first),
     * then by fair share (the job whose user holds the fewest slots, then the job holding the fewest), then by
     * submission. With nothing queued for it, it may run a second attempt of a slow task instead.
     */
    private boolean assignOne(Session s) {
        if (dispatchOrder.isEmpty()) {
            return false;
        }
        Instant now = clock.instant();
        List<JobRuntime> eligible = candidates;
        eligible.clear();
        for (JobRuntime job : dispatchOrder) {
            if (job.dispatchable() && !job.held && (!job.ready.isEmpty() || !job.retries.isEmpty())
                    && s.credits >= job.slotsPerTask && runsOn(job, s.worker)) {
                eligible.add(job);
            }
        }
        if (eligible.size() > 1) {
            eligible.sort(dispatchPriority);
        }
        try {
            for (JobRuntime job : eligible) {
                QueuedTask task = take(job, s, now);
                if (task != null) {
                    assign(job, task, s, now, false);
                    return true;
                }
            }
        } finally {
            eligible.clear();
        }
        return speculate(s, now);
    }

    private final List<JobRuntime> candidates = new ArrayList<>();

    private final Comparator<JobRuntime> dispatchPriority = Comparator
            .comparingInt((JobRuntime j) -> -j.priority)
            .thenComparingInt(j -> unitsByOwner.getOrDefault(j.owner, 0))
            .thenComparingInt(j -> j.runningUnits);

    /** Whether the worker may run the job's tasks: it matches the job's requirement and has enough slots. */
    private static boolean runsOn(JobRuntime job, WorkerEntry w) {
        return w.slots >= job.slotsPerTask && (job.requirement.isAny() || job.requirement.matches(w.attributes()));
    }

    /**
     * Speculative execution: a worker with a free slot and nothing queued for it runs a second attempt of the task
     * that is most overdue, once that task has run {@code speculationMultiplier} times its job's mean (and at least
     * {@code speculationMinRuntime}). The first result wins; the other attempt is cancelled.
     */
    private boolean speculate(Session s, Instant now) {
        WorkerEntry w = s.worker;
        Attempt best = null;
        double bestOverdue = 1.0;
        for (JobRuntime job : dispatchOrder) {
            if (!maySpeculate(job) || s.heldUnits + job.slotsPerTask > w.slots || s.credits < job.slotsPerTask
                    || !runsOn(job, w)) {
                continue;
            }
            double threshold = Math.max(options.speculationMinRuntime().toMillis(),
                    job.meanTaskMillis() * options.speculationMultiplier());
            for (Attempt a : job.attempts.values()) {
                if (a.completing || a.task.live != 1 || a.session.worker == w || w.speed < a.session.worker.speed) {
                    continue;
                }
                double overdue = Duration.between(a.startedAt, now).toMillis() / threshold;
                if (overdue >= bestOverdue && (best == null || overdue > bestOverdue)) {
                    best = a;
                    bestOverdue = overdue;
                }
            }
        }
        if (best == null) {
            return false;
        }
        JobRuntime job = best.job;
        job.speculated++;
        log.atInfo().addKeyValue("job", job.id).addKeyValue("task", best.task.index).addKeyValue("worker", w.name)
                .log("task has run {} ms on {} (mean {} ms): a second attempt starts on {}",
                        Duration.between(best.startedAt, now).toMillis(), best.session.worker.name,
                        Math.round(job.meanTaskMillis()), w.name);
        assign(job, best.task, s, now, true);
        return true;
    }

    /** A job whose slow tasks may get a second attempt: nothing of it is queued, and its tasks have been timed. */
    private static boolean maySpeculate(JobRuntime job) {
        return job.speculation && job.dispatchable() && !job.held && job.splitComplete && !job.recovering
                && job.ready.isEmpty() && job.retries.isEmpty() && job.durationCount > 0 && !job.attempts.isEmpty();
    }

    /** Why a job that has tasks queued runs none of them; empty if it does run, or will as soon as it can. */
    private String waitingReason(JobRuntime job) {
        if (job.ending || job.state.isTerminal()) {
            return "";
        }
        if (job.held) {
            return "waiting for its workers to reconnect after the master restarted";
        }
        if (job.runningUnits > 0 || (job.ready.isEmpty() && job.retries.isEmpty())) {
            return "";
        }
        int connected = 0;
        int matching = 0;
        int bigEnough = 0;
        int available = 0;
        for (WorkerEntry w : workers.values()) {
            if (w.session == null || !w.session.open) {
                continue;
            }
            connected++;
            if (!job.requirement.isAny() && !job.requirement.matches(w.attributes())) {
                continue;
            }
            matching++;
            if (w.slots < job.slotsPerTask) {
                continue;
            }
            bigEnough++;
            if (w.state == WorkerState.ALIVE && !w.session.draining) {
                available++;
            }
        }
        if (connected == 0) {
            return "no worker is connected";
        }
        if (matching == 0) {
            return "no worker matches " + job.requirement;
        }
        if (bigEnough == 0) {
            return "no matching worker has " + job.slotsPerTask + " slots";
        }
        if (available == 0) {
            return "every matching worker is draining or suspected";
        }
        if (job.ready.isEmpty()) {
            return "waiting to retry failed tasks";
        }
        return "waiting for a free slot on " + available + (available == 1 ? " matching worker" : " matching workers");
    }

    private JobSnapshot live(JobRuntime job) {
        return job.snapshot(null, null, null, null, 0, waitingReason(job));
    }

    /** Counts a new current attempt: the slots it occupies on its worker, for its job and for its job's user. */
    private void track(Attempt a) {
        int units = a.units();
        a.session.heldUnits += units;
        a.job.runningUnits += units;
        unitsByOwner.merge(a.job.owner, units, Integer::sum);
        if (++a.task.live > 1) {
            a.job.extraAttempts++;
        }
    }

    /** The attempt no longer occupies slots (it ended, or was cancelled or lost). Once per attempt. */
    private void untrack(Attempt a) {
        if (a.untracked) {
            return;
        }
        a.untracked = true;
        int units = a.units();
        a.session.heldUnits -= units;
        a.job.runningUnits -= units;
        unitsByOwner.computeIfPresent(a.job.owner, (k, v) -> v - units == 0 ? null : v - units);
        if (a.task.live-- > 1) {
            a.job.extraAttempts--;
        }
    }

    private QueuedTask take(JobRuntime job, Session s, Instant now) {
        for (Iterator<QueuedTask> it = job.retries.iterator(); it.hasNext(); ) {
            QueuedTask t = it.next();
            if (t.notBefore != null && t.notBefore.isAfter(now)) {
                wakeAt(t.notBefore);
                continue;
            }
            if (s.worker.id.equals(t.avoidWorker) && t.notBefore != null
                    && now.isBefore(t.notBefore.plus(AVOID_FAILED_WORKER_FOR)) && otherWorkerCanTake(s)) {
                wakeAt(t.notBefore.plus(AVOID_FAILED_WORKER_FOR));
                continue;
            }
            it.remove();
            return t;
        }
        QueuedTask t = job.ready.pollFirst();
        if (t != null) {
            job.readyBytes -= t.input.length;
            refill(job);
        }
        return t;
    }

    private boolean otherWorkerCanTake(Session s) {
        for (WorkerEntry w : workers.values()) {
            if (w != s.worker && w.session != null && w.state == WorkerState.ALIVE && !w.session.draining) {
                return true;
            }
        }
        return false;
    }

    private void assign(JobRuntime job, QueuedTask task, Session s, Instant now, boolean speculative) {
        long id = nextAttemptId++;
        task.attempts++;
        Attempt a = new Attempt(id, job, task, s, task.attempts, now);
        a.speculative = speculative;
        metrics.dispatched.increment();
        if (speculative) {
            metrics.speculated.increment();
        } else if (task.readyNanos != 0) {
            metrics.dispatchLatency.record(System.nanoTime() - task.readyNanos, TimeUnit.NANOSECONDS);
            task.readyNanos = 0;
        }
        attempts.put(id, a);
        job.attempts.put(id, a);
        s.attempts.put(id, a);
        track(a);
        s.credits -= a.units();
        if (s.jobsSent.add(job.id)) {
            s.outbox.jobs.add(new Messages.JobSpec(job.id, job.row.jarSha256(), job.row.jobClass(), job.taskTimeoutMs,
                    job.row.args()));
            job.knownBy.add(s);
        }
        s.outbox.assignments.add(new Messages.Assignment(a.key(), a.number, task.input, a.units()));
        markDirty(s);
        if (job.state == JobState.QUEUED) {
            job.state = job.state.moveTo(JobState.RUNNING);
            job.startedAt = now;
            pendingWrites.job(StoreBatch.JobUpdate.started(job.id, now));
            scheduleFlush();
            log.atInfo().addKeyValue("job", job.id).log("job started");
        }
        markDirty(job);
    }

    /** Removes an attempt from every index (not from its job's task accounting). */
    private void detach(Attempt a) {
        attempts.remove(a.id);
        a.job.attempts.remove(a.id);
        a.session.attempts.remove(a.id);
        untrack(a);
    }

    /**
     * Puts a task back in its job's queue; {@code avoid} is a worker it should not go back to at once. The caller
     * dispatches afterwards (a task due later is dispatched by a timer).
     */
    private void requeue(JobRuntime job, QueuedTask task, String avoid, Instant notBefore) {
        if (!job.dispatchable() || task.done || task.completing || task.live > 0) {
            return; // ... or another attempt of it runs on
        }
        task.avoidWorker = avoid;
        task.notBefore = notBefore;
        task.readyNanos = System.nanoTime();
        job.retries.add(task);
        markDirty(job);
        if (notBefore != null) {
            wakeAt(notBefore);
        }
    }

    /** Dispatches again at {@code at} (a retry falls due), unless a wake-up no later than that is scheduled. */
    private void wakeAt(Instant at) {
        Instant now = clock.instant();
        if (nextWake != null && !nextWake.isAfter(at) && nextWake.isAfter(now)) {
            return;
        }
        nextWake = at;
        long delayMs = Math.max(1, Duration.between(now, at).toMillis() + 1);
        timer.schedule(() -> post(() -> {
            if (nextWake != null && !nextWake.isAfter(clock.instant())) {
                nextWake = null;
            }
            dispatchHungry();
        }), delayMs, TimeUnit.MILLISECONDS);
    }

    // =====================================================================================================
    // loop: jobs

    private void addJob(JobRuntime job) {
        jobs.put(job.id, job);
        dispatchOrder.add(job);
        markDirty(job);
        if (job.allTasksDone()) {
            startMerge(job);
            return;
        }
        if (!job.ready.isEmpty()) {
            dispatchHungry(); // its first tasks came with it
        }
        refill(job);
    }

    /** Takes the next batch of tasks from the split (or, after a restart, from the store) if the job runs low. */
    private void refill(JobRuntime job) {
        if (job.feeding || !job.dispatchable() || (job.splitComplete && !job.recovering)) {
            return;
        }
        if (job.ready.size() >= options.readyTasks() / 2 || job.readyBytes >= options.readyBytes() / 2) {
            return;
        }
        job.feeding = true;
        boolean recovering = job.recovering;
        long cursor = job.recoveryCursor;
        long first = job.produced;
        LoadedJob.TaskSource source = job.source;
        int batch = options.splitBatch();
        long maxBytes = options.readyBytes() / 2;
        runJobCode(job.id + " split", options.splitTimeout(), () -> {
            if (recovering) {
                return new Fed(store.pendingTasks(job.id, cursor, batch), null, first, false);
            }
            List<byte[]> inputs = source.next(batch, maxBytes);
            boolean exhausted = source.isExhausted();
            store.insertTasks(job.id, first, inputs, exhausted);
            return new Fed(null, inputs, first, exhausted);
        }, (fed, error) -> onFed(job, fed, error));
    }

    private record Fed(List<StoredTask> stored, List<byte[]> inputs, long first, boolean exhausted) {}

    private void onFed(JobRuntime job, Fed fed, Throwable error) {
        job.feeding = false;
        if (!job.dispatchable()) {
            releaseCodeIfIdle(job);
            return;
        }
        if (error != null) {
            log.atWarn().addKeyValue("job", job.id).log("split failed: {}", LoadedJob.describe(error));
            endJob(job, JobState.FAILED, "split failed: " + LoadedJob.describe(unwrap(error)), null);
            return;
        }
        if (fed.stored() != null) {
            for (StoredTask st : fed.stored()) {
                job.recoveryCursor = st.index();
                if (job.adopted.contains(st.index())) {
                    continue; // its worker took it back
                }
                job.ready.add(new QueuedTask(st.index(), st.input(), st.failures(), st.losses(), st.crashes()));
                job.readyBytes += st.input().length;
            }
            if (fed.stored().size() < options.splitBatch()) {
                job.recovering = false;
            }
        } else {
            long index = fed.first();
            if (index + fed.inputs().size() > options.maxTasksPerJob()) {
                endJob(job, JobState.FAILED, "the split produced more than max-tasks-per-job=" + options.maxTasksPerJob()
                        + " tasks", null);
                return;
            }
            for (byte[] input : fed.inputs()) {
                job.ready.add(new QueuedTask(index++, input, 0, 0, 0));
                job.readyBytes += input.length;
            }
            job.produced = index;
            if (fed.exhausted()) {
                job.splitComplete = true;
                closeSource(job);
            }
        }
        markDirty(job);
        if (job.allTasksDone()) {
            startMerge(job);
            return;
        }
        dispatchHungry();
        refill(job);
    }

    private void startMerge(JobRuntime job) {
        job.merging = true;
        markDirty(job);
        log.atInfo().addKeyValue("job", job.id).log("all {} tasks succeeded, merging", job.succeeded);
        LoadedJob code = job.code;
        runJobCode(job.id + " merge", options.mergeTimeout(), () -> {
            try (Stream<byte[]> outputs = store.outputs(job.id)) {
                return code.merge(outputs, job.args);
            }
        }, (result, error) -> onMerged(job, result, error));
    }

    private void onMerged(JobRuntime job, EncodedResult result, Throwable error) {
        job.merging = false;
        if (job.ending || job.state.isTerminal()) {
            releaseCodeIfIdle(job);
            return;
        }
        if (error != null) {
            log.atWarn().addKeyValue("job", job.id).log("merge failed: {}", LoadedJob.describe(unwrap(error)));
            endJob(job, JobState.FAILED, "merge failed: " + LoadedJob.describe(unwrap(error)), null);
            return;
        }
        if (result.bytes().length > options.maxResultBytes()) {
            endJob(job, JobState.FAILED, "its result of " + result.bytes().length + " bytes exceeds the limit "
                    + "max-result-bytes=" + options.maxResultBytes(), null);
            return;
        }
        String text = result.text();
        if (text != null && text.length() > MAX_RESULT_TEXT) {
            text = text.substring(0, MAX_RESULT_TEXT - 1) + "…";
        }
        job.ending = true;
        Instant now = clock.instant();
        String finalText = text;
        pendingWrites.job(StoreBatch.JobUpdate.ended(job.id, JobState.SUCCEEDED, now, null, job.succeeded,
                job.failed, job.retried, job.lost, job.rejected, job.speculated,
                new StoreBatch.JobResultData(result.bytes(), text, result.mediaType()), job.durationBuckets));
        afterCommit.add(() -> {
            job.state = job.state.moveTo(JobState.SUCCEEDED);
            log.atInfo().addKeyValue("job", job.id).log("job succeeded: {}", finalText == null ? result.bytes().length + " bytes of "
                    + result.mediaType() : abbreviate(finalText));
            finished(job, job.snapshot(now, null, finalText, result.mediaType(), result.bytes().length));
        });
        scheduleFlush();
    }

    private void failJobForTask(JobRuntime job, QueuedTask t, String message, String workerId) {
        job.failed++;
        metrics.failed.increment();
        t.done = true;
        pendingWrites.taskFailed(new StoreBatch.TaskFailed(job.id, t.index, t.failures, t.losses, t.crashes, message),
                workerId);
        endJob(job, JobState.FAILED, message, null);
    }

    /** Ends a job that has not ended: cancels its running attempts and stores the final state. */
    private void endJob(JobRuntime job, JobState state, String error, Consumer<JobSnapshot> then) {
        if (job.ending || job.state.isTerminal()) {
            return;
        }
        job.ending = true;
        for (Attempt a : new ArrayList<>(job.attempts.values())) {
            if (a.completing) {
                continue;
            }
            detach(a);
            if (a.session.open) {
                a.session.outbox.cancels.add(a.key());
                markDirty(a.session);
            }
        }
        job.ready.clear();
        job.retries.clear();
        job.readyBytes = 0;
        Instant now = clock.instant();
        pendingWrites.job(StoreBatch.JobUpdate.ended(job.id, state, now, error, job.succeeded, job.failed,
                job.retried, job.lost, job.rejected, job.speculated, null, job.durationBuckets));
        afterCommit.add(() -> {
            job.state = job.state.moveTo(state);
            JobSnapshot last = job.snapshot(now, error, null, null, 0);
            finished(job, last);
            if (then != null) {
                then.accept(last);
            }
        });
        scheduleFlush();
        dispatchHungry();
    }

    /** After the final state is stored: tell watchers and workers, and let go of the job. */
    private void finished(JobRuntime job, JobSnapshot last) {
        jobs.remove(job.id);
        dispatchOrder.remove(job);
        dirtyJobs.remove(job);
        activeSnapshots.remove(job.id);
        List<Consumer<JobSnapshot>> list = watchers.remove(job.id);
        if (list != null) {
            for (Consumer<JobSnapshot> w : list) {
                notifyWatcher(w, last);
            }
        }
        for (Session s : job.knownBy) {
            if (s.open) {
                s.outbox.endedJobs.add(job.id);
                s.jobsSent.remove(job.id);
                markDirty(s);
            }
        }
        job.knownBy.clear();
        if (job.state == JobState.FAILED) {
            log.atInfo().addKeyValue("job", job.id).log("job failed: {}", last.error());
        }
        releaseCodeIfIdle(job);
    }

    private void releaseCodeIfIdle(JobRuntime job) {
        if (job.state.isTerminal() && !job.feeding && !job.merging && job.code != null) {
            closeSource(job);
            job.code.close();
            job.code = null;
        }
    }

    private void closeSource(JobRuntime job) {
        if (job.source != null) {
            try {
                job.source.close();
            } catch (RuntimeException e) {
                log.atDebug().addKeyValue("job", job.id).log("closing the split: {}", e.toString());
            }
            job.source = null;
        }
    }

    /** Resumes a job found unfinished at start. */
    private void resume(JobRow row) {
        LoadedJob code = null;
        try {
            String sha = row.jarSha256();
            if (jars.find(sha).isEmpty()) {
                throw new IllegalStateException("its jar " + sha + " is missing");
            }
            code = callJobCode(() -> LoadedJob.load(classLoaders.acquire(sha, jars.path(sha)), row.jobClass()),
                    options.splitTimeout(), "loading " + row.jobClass());
            JobRuntime job = new JobRuntime(row, code);
            long[] counts = store.countTasks(row.id());
            job.succeeded = counts[1];
            job.failed = counts[2];
            long[] durations = store.durationHistogram(row.id()); // its tasks before the restart, read once
            System.arraycopy(durations, 0, job.durationBuckets, 0, durations.length);
            job.recovering = counts[0] > 0;
            if (!job.splitComplete) {
                LoadedJob loaded = code;
                LoadedJob.TaskSource source = callJobCode(() -> loaded.split(job.args), options.splitTimeout(),
                        row.jobClass() + ".split");
                long skipped = callJobCode(() -> source.skip(job.produced), options.splitTimeout(), "skipping tasks");
                if (skipped < job.produced) {
                    throw new IllegalStateException("its split now produces " + skipped + " tasks, fewer than the "
                            + job.produced + " stored: split must give the same tasks for the same arguments");
                }
                job.source = source;
                job.expectedTotal = source.knownSize() < 0 ? -1 : source.knownSize() + skipped;
            }
            log.atInfo().addKeyValue("job", row.id()).log("resuming job ({}): {} of {} tasks done{}", row.jobClass(),
                    job.succeeded, job.produced, job.splitComplete ? "" : ", split continues");
            call(() -> {
                job.held = adoptionUntil != null;
                addJob(job);
                publish(job);
                if (job.failed > 0) {
                    endJob(job, JobState.FAILED, store.firstTaskError(job.id).orElse("a task failed"), null);
                }
                return null;
            });
        } catch (RuntimeException e) {
            if (code != null) {
                code.close();
            }
            String reason = e instanceof CoreException ? e.getMessage() : LoadedJob.describe(e);
            log.atWarn().addKeyValue("job", row.id()).log("job cannot be resumed: {}", reason);
            store.apply(new StoreBatch().job(StoreBatch.JobUpdate.failedOnResume(row.id(), clock.instant(),
                    "could not be resumed after a master restart: " + reason)));
        }
    }

    // =====================================================================================================
    // loop: workers

    /**
     * Ends a stream: its attempts are lost and go back to their jobs, except those in {@code keep} (tasks the
     * worker still holds as it registers again). {@code closeLink}: also end the stream on the wire.
     */
    void closeSession(Session s, String cause, boolean keepTasks) {
        s.open = false;
        s.link.close(cause);
        hungry.remove(s);
        dirtySessions.remove(s);
        WorkerEntry w = s.worker;
        if (w.session == s) {
            w.session = null;
        }
        for (String jobId : s.jobsSent) {
            JobRuntime job = jobs.get(jobId);
            if (job != null) {
                job.knownBy.remove(s);
            }
        }
        if (!keepTasks && !s.attempts.isEmpty()) {
            for (Attempt a : new ArrayList<>(s.attempts.values())) {
                lose(a, cause, false);
            }
            dispatchHungry();
        }
        scheduleFlush();
    }

    /**
     * An attempt lost with its worker: it goes back to its job without using up the task's attempts. If the
     * worker died under it ({@code crashed}) often enough, the task is quarantined and its job fails.
     */
    private void lose(Attempt a, String cause, boolean crashed) {
        detach(a);
        JobRuntime job = a.job;
        QueuedTask t = a.task;
        if (!job.dispatchable() || t.done) {
            return;
        }
        t.losses++;
        job.lost++;
        metrics.lost.increment();
        markDirty(job);
        if (crashed) {
            t.crashes++;
            if (t.crashes >= options.quarantineAfterCrashes()) {
                log.atWarn().addKeyValue("job", job.id).addKeyValue("task", t.index)
                        .log("{} workers died running the task; quarantined", t.crashes);
                noteError(job, t.index, t.attempts, a.session.worker.name, "quarantined: its worker died under it "
                        + t.crashes + " times (last: " + cause + ")", clock.instant());
                failJobForTask(job, t, "task " + t.index + " was running when its worker died " + t.crashes
                        + " times (last: " + cause + "); it is quarantined", null);
                return;
            }
        }
        pendingWrites.attemptFailed(new StoreBatch.TaskAttemptFailed(job.id, t.index, t.failures, t.losses, t.crashes,
                "lost: " + cause), null);
        requeue(job, t, a.session.worker.id, null);
        scheduleFlush();
    }

    /** Attempts of a worker kept from streams that have ended (link failure, or held across a re-registration). */
    private List<Attempt> orphans(WorkerEntry w) {
        List<Attempt> out = new ArrayList<>();
        for (Attempt a : attempts.values()) {
            if (a.session.worker == w && !a.session.open && !a.completing) {
                out.add(a);
            }
        }
        return out;
    }

    /** The worker is gone: the tasks it kept go elsewhere. */
    void loseOrphans(WorkerEntry w, String cause, boolean crashed) {
        List<Attempt> orphans = orphans(w);
        for (Attempt a : orphans) {
            lose(a, cause, crashed);
        }
        if (!orphans.isEmpty()) {
            dispatchHungry();
        }
    }

    /** How many tasks a worker holds (on its stream, or kept while it is away). */
    int tasksOf(WorkerEntry w) {
        int n = 0;
        for (Attempt a : attempts.values()) {
            if (a.session.worker == w && !a.completing) {
                n++;
            }
        }
        return n;
    }

    /** Periodic: the failure detector, task timeouts, the end of the adoption window after a restart. */
    private void tick() {
        Instant now = clock.instant();
        liveness.tick(now);
        if (adoptionUntil != null && now.isAfter(adoptionUntil)) {
            releaseAdoption("the adoption grace period ended");
        }
        if (!hungry.isEmpty()) {
            for (JobRuntime job : dispatchOrder) {
                if (maySpeculate(job)) {
                    dispatchHungry(); // a running task may have become slow enough for a second attempt
                    break;
                }
            }
        }
        for (JobRuntime job : new ArrayList<>(dispatchOrder)) {
            if (job.taskTimeoutMs <= 0 || !job.dispatchable()) {
                continue;
            }
            for (Attempt a : new ArrayList<>(job.attempts.values())) {
                if (!a.completing && a.started && a.session.open
                        && Duration.between(a.lastProgress, now).toMillis() > job.taskTimeoutMs) {
                    timedOut(a, now);
                }
            }
        }
    }

    /** An attempt ran longer than its job's task timeout without progress: cancel it and retry elsewhere. */
    private void timedOut(Attempt a, Instant now) {
        detach(a);
        if (a.session.open) {
            a.session.outbox.cancels.add(a.key());
            markDirty(a.session);
        }
        JobRuntime job = a.job;
        QueuedTask t = a.task;
        WorkerEntry w = a.session.worker;
        t.failures++;
        w.failed++;
        String message = "timed out on worker " + w.name + " (no progress for " + job.taskTimeoutMs + " ms)";
        t.lastError = message;
        log.atInfo().addKeyValue("job", job.id).addKeyValue("task", t.index).addKeyValue("worker", w.name).log("task {}", message);
        if (t.failures >= job.maxAttempts) {
            failJobForTask(job, t, "task " + t.index + " timed out " + t.failures + " times; last: " + message, w.id);
            return;
        }
        job.retried++;
        markDirty(job);
        pendingWrites.attemptFailed(new StoreBatch.TaskAttemptFailed(job.id, t.index, t.failures, t.losses, t.crashes,
                message), w.id);
        scheduleFlush();
        requeue(job, t, w.id, now.plus(options.retryDelay(t.failures)));
    }

    // ---- what the failure detector uses

    Collection<WorkerEntry> workerEntries() {
        return workers.values();
    }

    Instant now() {
        return clock.instant();
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    void sendProbe(Session peer, Messages.ProbeRequest probe) {
        peer.outbox.probes.add(probe);
        markDirty(peer);
    }

    void persist(WorkerEntry w, WorkerEventRow event) {
        pendingWrites.worker(Liveness.update(w));
        pendingWrites.workerEvent(event);
        scheduleFlush();
    }

    private void persistWorker(WorkerEntry w) {
        pendingWrites.worker(Liveness.update(w));
        scheduleFlush();
    }

    // =====================================================================================================
    // loop: publishing and flushing

    private void markDirty(Session s) {
        if (s.open) {
            dirtySessions.add(s);
            scheduleFlush();
        }
    }

    private void markDirty(JobRuntime job) {
        dirtyJobs.add(job);
    }

    private JobSnapshot publish(JobRuntime job) {
        JobSnapshot snapshot = live(job);
        job.lastWaitingReason = snapshot.waitingReason();
        activeSnapshots.put(job.id, snapshot);
        List<Consumer<JobSnapshot>> list = watchers.get(job.id);
        if (list != null) {
            for (Consumer<JobSnapshot> w : list) {
                notifyWatcher(w, snapshot);
            }
        }
        return snapshot;
    }

    private void publishDirty() {
        for (JobRuntime job : dispatchOrder) {
            if (job.runningUnits == 0 && !waitingReason(job).equals(job.lastWaitingReason)) {
                dirtyJobs.add(job);
            }
        }
        for (JobRuntime job : dirtyJobs) {
            if (jobs.containsKey(job.id)) {
                publish(job);
            }
        }
        dirtyJobs.clear();
    }

    private static void notifyWatcher(Consumer<JobSnapshot> watcher, JobSnapshot snapshot) {
        try {
            watcher.accept(snapshot);
        } catch (RuntimeException e) {
            log.debug("a job watcher failed: {}", e.toString());
        }
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(this::flush);
        }
    }

    /** Sends each worker what accumulated for it and hands the accumulated writes to the store writer. */
    private void flush() {
        flushScheduled = false;
        for (Session s : dirtySessions) {
            flushSession(s);
        }
        dirtySessions.clear();
        if (!pendingWrites.isEmpty() || !afterCommit.isEmpty()) {
            StoreBatch batch = pendingWrites;
            List<Attempt> successes = pendingSuccesses;
            List<Runnable> then = afterCommit;
            pendingWrites = new StoreBatch();
            pendingSuccesses = new ArrayList<>();
            afterCommit = new ArrayList<>();
            writer.submit(batch, written -> {
                for (int i = 0; i < successes.size(); i++) {
                    onStored(successes.get(i), written[i]);
                }
                for (Runnable r : then) {
                    r.run();
                }
            });
        }
    }

    private void flushSession(Session s) {
        if (s.outbox.isEmpty()) {
            return;
        }
        Messages.Outbound out = s.outbox;
        s.outbox = new Messages.Outbound();
        try {
            s.link.send(out);
        } catch (RuntimeException e) {
            log.atDebug().addKeyValue("worker", s.worker.name).log("sending to {} failed: {}", s, e.toString());
        }
    }

    // =====================================================================================================
    // plumbing

    /** Runs an event on the loop; an event that throws is logged and the loop carries on. */
    void post(Runnable event) {
        try {
            loop.execute(() -> {
                try {
                    event.run();
                } catch (Throwable t) {
                    log.error("scheduler event failed", t);
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("scheduler loop stopped; event dropped");
        }
    }

    /** Runs {@code work} on the loop and waits for its outcome; a {@link CoreException} it throws is rethrown. */
    <T> T call(Callable<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                done.complete(work.call());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CoreException.unavailable("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Runs job code on the job-code executor and waits, with a time limit, on the calling (non-loop) thread. */
    private <T> T callJobCode(Callable<T> work, Duration timeout, String what) {
        Future<T> future;
        try {
            future = jobCode.submit(work);
        } catch (RejectedExecutionException e) {
            throw CoreException.exhausted("too much job code is running on the master; try again later");
        }
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw CoreException.invalid(what + " did not finish within " + human(timeout));
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw CoreException.unavailable("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof JobLoadException) {
                throw CoreException.invalid("job_class: " + cause.getMessage());
            }
            if (cause instanceof IllegalArgumentException) {
                throw CoreException.invalid("args: " + cause.getMessage());
            }
            if (cause instanceof CoreException) {
                throw (CoreException) cause;
            }
            throw CoreException.invalid(what + " failed: " + LoadedJob.describe(cause));
        }
    }

    /**
     * Runs job code on the job-code executor without waiting; posts {@code then} to the loop with the outcome, or
     * with a {@link TimeoutException} once {@code timeout} passes (the code is then interrupted).
     */
    private <T> void runJobCode(String what, Duration timeout, Callable<T> work, BiConsumer<T, Throwable> then) {
        AtomicBoolean reported = new AtomicBoolean();
        BiConsumer<T, Throwable> report = (value, error) -> {
            if (reported.compareAndSet(false, true)) {
                post(() -> then.accept(value, error));
            }
        };
        Future<?> future;
        try {
            future = jobCode.submit(() -> {
                try {
                    report.accept(work.call(), null);
                } catch (Throwable t) {
                    report.accept(null, t);
                }
            });
        } catch (RejectedExecutionException e) {
            report.accept(null, e);
            return;
        }
        timer.schedule(() -> {
            if (!reported.get()) {
                report.accept(null, new TimeoutException(what + " did not finish within " + human(timeout)));
                future.cancel(true);
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** A duration for messages: 500 ms, 5 s, 3 min. */
    static String human(Duration d) {
        if (d.toMillis() < 1000) {
            return d.toMillis() + " ms";
        }
        if (d.toSeconds() < 120 || d.toSeconds() % 60 != 0) {
            return d.toSeconds() + " s";
        }
        return d.toMinutes() + " min";
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() > 120 ? oneLine.substring(0, 119) + "…" : oneLine;
    }

    // ---- for tests: commit what is queued and run what that posts, without the background threads

    int drainWriter() {
        return writer.drainOnce();
    }
}
