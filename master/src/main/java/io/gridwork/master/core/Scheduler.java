package io.gridwork.master.core;

import io.gridwork.master.code.JarRepository;
import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.MasterRepository;
import io.gridwork.master.store.Store;
import io.gridwork.master.store.StoredTask;
import io.gridwork.master.store.WorkerEventRow;
import io.gridwork.master.store.WorkerRegistration;
import io.gridwork.master.store.WorkerRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's core, as the RPC layer, the dashboard and the schedules see it: a facade over the rooms of the
 * core (see the package documentation), all of whose state is confined to one thread, the {@link Loop}. Callers on
 * other threads post events to it, or call it and wait with a time limit. After the events queued at one moment
 * have run, one flush sends each worker a single message and hands the writes to the {@link Journal}, which
 * commits them together; acknowledgements, submissions and registrations complete only after that commit.
 *
 * <p>User code ({@code split}, {@code merge}, job construction) never runs on the loop: it runs in the
 * {@link JobCodeHost} with a time limit, and its outcome is posted back.
 */
public final class Scheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    /** A task's failed attempt, as the dashboard shows it. */
    public record TaskError(long index, int attempt, String worker, String message, Instant at) {}

    /** What the dashboard shows of an active job beyond its snapshot: task durations by bucket, the latest errors. */
    public record JobDetail(long[] durationBuckets, List<TaskError> errors) {}

    /** A task attempt of a job that runs now, for its task's history: which, where, since when. */
    public record LiveAttempt(long index, int attempt, String workerId, String workerName, Instant startedAt,
            boolean speculative) {}

    /**
     * A task attempt a worker holds now, as the dashboard shows it: {@code assignedAt} when it was given to the worker;
     * {@code executing} whether the worker said it runs (else it is prefetched), since {@code runningSince}.
     */
    public record RunningAttempt(String jobId, String jobClass, long index, int attempt, boolean speculative,
            Instant startedAt, boolean executing, Instant runningSince) {}

    private final SchedulerOptions options;
    private final Store store;
    private final Loop loop;
    private final Journal journal;
    private final Flusher flusher;
    private final JobCodeHost host;
    private final AttemptTable attempts;
    private final Checkpoints checkpoints;
    private final Jobs jobs;
    private final Dispatcher dispatcher;
    private final TaskOutcomes outcomes;
    private final Quorum quorum;
    private final WorkerRegistry registry;
    private final WorkerEvents events = new WorkerEvents();
    private final StatusBoard board;
    private volatile CoreMetrics metrics = CoreMetrics.detached();
    private volatile DataSets dataSets = DataSets.NONE;
    /** The first attempt id of this master's epoch: older ones are from before a restart. */
    private volatile long epochBase;
    private final List<ScheduledFuture<?>> ticks = new ArrayList<>();
    private volatile boolean accepting = true;
    // high availability (see membership(...)): who this master is, which jobs it adopts at start, whether it is a standby
    private volatile MasterRepository masters;
    private volatile String selfId;
    private volatile long configuredEpoch = -1;
    private volatile Duration leaseTimeout = Duration.ofSeconds(2);
    private volatile boolean standby;
    private volatile Supplier<String> activeMasters = () -> "none known";
    private volatile int connectedWorkers;

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
        this.loop = new Loop(loop, timer, clock, options.callTimeout());
        this.journal = new Journal(store::apply, this.loop::post, Duration.ofMillis(100));
        this.flusher = new Flusher(this.loop, journal);
        FairShare fairShare = new FairShare();
        this.attempts = new AttemptTable(fairShare, flusher);
        this.host = new JobCodeHost(jars, jobCode, this.loop);
        this.jobs = new Jobs(options, this.loop, store, host);
        Map<String, WorkerEntry> workers = new LinkedHashMap<>();
        this.dispatcher = new Dispatcher(this.loop, attempts, flusher, fairShare, new Speculation(options),
                jobs.dispatchOrder(), workers.values(), this::metrics, this::dataSets, options.localityWait());
        flusher.onBacklogCleared(dispatcher::dispatchHungry);
        this.quorum = new Quorum(attempts, flusher, new Trust(options));
        dispatcher.quorum(quorum);
        this.outcomes = new TaskOutcomes(options, this.loop, attempts, dispatcher, flusher, new RetryPolicy(options),
                jobs::active, this::metrics, quorum);
        this.board = new StatusBoard(this.loop, store, jobs, workers.values(), attempts, events);
        board.quorumTrust(quorum.trust());
        jobs.wire(new JobRunner.Services(options, this.loop, flusher, journal, host, attempts, store, this::metrics, jobs,
                this::dataSets),
                dispatcher, board);
        this.registry = new WorkerRegistry(options, this.loop, flusher, workers, attempts, dispatcher,
                outcomes, jobs, new Liveness(options), events, prober, this::metrics);
        this.checkpoints = new Checkpoints(options, this.loop, flusher, attempts, this::dataSets);
        registry.checkpoints(checkpoints);
    }

    public SchedulerOptions options() {
        return options;
    }

    // =====================================================================================================
    // lifecycle

    /** Where the scheduler's counters and timers go; call before {@link #start}. */
    public void metrics(CoreMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        journal.metrics(metrics);
        metrics.mailbox(loop::depth);
    }

    CoreMetrics metrics() {
        return metrics;
    }

    /** Where jobs' data sets are looked up (the data grid); call before {@link #start}. Default: none. */
    public void dataSets(DataSets dataSets) {
        this.dataSets = Objects.requireNonNull(dataSets, "dataSets");
    }

    DataSets dataSets() {
        return dataSets;
    }

    /**
     * Where this master's identity and its jobs' ownership come from when masters share the store; call before
     * {@link #start}. Without it the scheduler is a single master: a new epoch from the store, every unfinished job
     * resumed at start. With it, the scheduler runs at {@code epoch} as {@code selfId}, and at start adopts the jobs
     * of masters that are gone ({@link MasterRepository#adoptOrphans}); a {@code standby} adopts and accepts nothing
     * until {@link #promote() promoted}.
     */
    public void membership(MasterRepository masters, String selfId, long epoch, Duration leaseTimeout, boolean standby) {
        this.masters = Objects.requireNonNull(masters, "masters");
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.configuredEpoch = epoch;
        this.leaseTimeout = Objects.requireNonNull(leaseTimeout, "leaseTimeout");
        this.standby = standby;
    }

    /** What a standby's refusals name as the masters to go to instead (addresses of the active masters). */
    public void activeMasters(Supplier<String> describe) {
        this.activeMasters = Objects.requireNonNull(describe, "describe");
    }

    /** This master's id: the owner of the jobs it runs. */
    public String selfId() {
        return selfId != null ? selfId : store.masterId();
    }

    /** This master's lease epoch: the high half of the attempt ids it issues, and the epoch of the jobs it owns. */
    public long epoch() {
        return epochBase >>> 32;
    }

    /** Whether this master is a standby now. */
    public boolean standby() {
        return standby;
    }

    /** Workers with an open stream to this master (as of the last periodic check). */
    public int connectedWorkers() {
        return connectedWorkers;
    }

    /** Loads the workers and resumes the jobs that had not ended, then starts the journal and the periodic checks. */
    public void start() {
        recover();
        journal.start();
        reloadQuotas();
        scheduleTicks();
    }

    // =====================================================================================================
    // quotas (the usage ledger): read from the store on the caller's thread, applied on the loop

    /** How often the cost used under cost limits is read again from the ledger (other masters' attempts count too). */
    static final Duration QUOTA_REFRESH = Duration.ofSeconds(30);

    /**
     * Reads the quotas and, for cost limits, each user's cost this period from the ledger, and applies them; jobs a
     * quota held may go on. Call after a quota changed. Not on the loop.
     */
    public void reloadQuotas() {
        List<io.gridwork.master.store.QuotaRow> rows = store.usage().quotas();
        Instant now = loop.now();
        Map<io.gridwork.master.store.QuotaPeriod, Map<String, Double>> costs = new java.util.EnumMap<>(
                io.gridwork.master.store.QuotaPeriod.class);
        for (io.gridwork.master.store.QuotaPeriod p : Quotas.periods(rows)) {
            costs.put(p, store.usage().costSince(p.start(now)));
        }
        loop.call(() -> {
            attempts.quotas().replace(rows, costs, loop.now());
            dispatcher.dispatchHungry();
            return null;
        });
    }

    /** The usage ledger's reports and the stored quotas. */
    public io.gridwork.master.store.UsageRepository usage() {
        return store.usage();
    }

    /** Every quota with what it counts now on this master. */
    public List<QuotaStatus> quotas() {
        return loop.call(() -> attempts.quotas().statuses());
    }

    /** Periodic (on the loop): cost periods that ended begin anew, and the jobs they held go on. */
    private void quotaTick() {
        if (attempts.quotas().rollOver(loop.now())) {
            dispatcher.dispatchHungry();
        }
    }

    /** Loads the workers and resumes unfinished jobs (part of {@link #start()}; tests call it alone). */
    void recover() {
        MasterRepository shared = masters;
        long epoch = shared != null ? configuredEpoch : store.masterInfo().nextEpoch();
        String self = selfId();
        List<WorkerRow> workerRows = store.workers().all();
        // a standby adopts nothing; an active master the jobs of masters that are gone (on one master: all unfinished)
        List<JobRow> unfinished = shared == null ? store.jobs().unfinished()
                : standby ? List.of() : shared.adoptOrphans(self, epoch, leaseTimeout);
        List<WorkerEventRow> recentEvents = store.workers().events(null, 1000);
        List<io.gridwork.master.store.TrustRow> trustRows = store.trust().all();
        loop.call(() -> {
            quorum.trust().load(trustRows);
            attempts.epoch(epoch);
            epochBase = attempts.epochBase();
            registry.identity(self, epoch);
            flusher.demand(() -> (int) Math.min(Integer.MAX_VALUE, jobs.demand()));
            registry.restore(workerRows);
            List<WorkerEvent> history = new ArrayList<>();
            for (WorkerEventRow e : recentEvents) {
                history.add(new WorkerEvent(e.seq(), e.workerId(), e.workerName(), e.type(), e.reason(), e.incarnation(),
                        e.at()));
            }
            events.restore(history);
            return null;
        });
        for (JobRow row : unfinished) {
            jobs.resume(row, registry::adopting);
        }
        log.info("scheduler started{} (master {}, epoch {}, {} known workers, {} jobs resumed)",
                standby ? " as a standby" : "", self, epoch, workerRows.size(), unfinished.size());
    }

    /** Schedules the periodic checks on the timer (part of {@link #start()}). */
    void scheduleTicks() {
        ticks.add(loop.every(options.publishInterval(), board::publishChanged));
        ticks.add(loop.every(Duration.ofSeconds(1), () -> jobs.pipelines().periodic())); // nothing while none waits
        ticks.add(loop.every(Duration.ofMillis(Math.max(50, options.heartbeatInterval().toMillis() / 4)), this::tick));
        ticks.add(loop.every(Duration.ofSeconds(1), this::quotaTick));
        ticks.add(loop.timer().scheduleWithFixedDelay(() -> {
            try {
                if (accepting && !attempts.quotas().none()) {
                    reloadQuotas();
                }
            } catch (RuntimeException e) {
                log.debug("quotas not refreshed: {}", e.toString());
            }
        }, QUOTA_REFRESH.toMillis(), QUOTA_REFRESH.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    /** Periodic: the failure detector, the adoption window, slow tasks, task timeouts. */
    private void tick() {
        Instant now = loop.now();
        registry.tick(now);
        connectedWorkers = registry.connected();
        if (dispatcher.anyHungry() && dispatcher.anySpeculative()) {
            dispatcher.dispatchHungry(); // a running task may have become slow enough for a second attempt
        }
        outcomes.checkTimeouts(jobs.dispatchOrder(), now);
    }

    /** Stops taking work and tells the workers; the journal commits what is queued (with a time limit). Idempotent. */
    @Override
    public void close() {
        if (!accepting) {
            return;
        }
        accepting = false;
        ticks.forEach(t -> t.cancel(false));
        try {
            loop.call(() -> {
                registry.closeAll();
                flusher.flush();
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("while stopping the scheduler: {}", e.toString());
        }
        journal.close(options.journalCloseTimeout());
        jobs.close();
        host.close();
    }

    // =====================================================================================================
    // client side

    /**
     * Stores a new job and starts it, without blocking the caller: the job's class is loaded and its split started
     * (with a time limit) on the job-code executor, so a bad class or bad arguments store nothing; the future
     * completes with the job's status once the job is committed, or with the {@link CoreException} that refuses it.
     */
    public CompletableFuture<JobSnapshot> submit(Submission submission) {
        return submit(submission, null);
    }

    /**
     * As {@link #submit(Submission)}, for a submitter that follows the job to its end on the same call (SubmitAndWatch):
     * {@code follower} gets the job's status on the loop, first once it is stored, then as it changes, to the final
     * one, without a hand-off to another thread. The future completes as for {@link #submit(Submission)}, after the
     * follower's first status.
     */
    public CompletableFuture<JobSnapshot> submit(Submission submission, Follower follower) {
        if (!accepting) {
            return CompletableFuture.failedFuture(CoreException.unavailable("the master is shutting down"));
        }
        if (standby) {
            return CompletableFuture.failedFuture(standbyRefusal());
        }
        return jobs.submit(submission, follower);
    }

    /**
     * Checks a job as {@link #submit} would (its jar, class, arguments and options) without storing or starting it:
     * for a schedule, whose jobs are submitted later. Blocks the caller while the job's code runs (with a time limit).
     */
    public void check(Submission submission) {
        if (!accepting) {
            throw CoreException.unavailable("the master is shutting down");
        }
        if (standby) {
            throw standbyRefusal();
        }
        jobs.check(submission);
    }

    private CoreException standbyRefusal() {
        return CoreException.unavailable("this master is a standby; active masters: " + activeMasters.get());
    }

    /** The job's status: live for a job that runs, as stored for one that has ended. */
    public Optional<JobSnapshot> job(String id) {
        return board.job(id);
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
        return jobs(limit, states, owner, schedule, null);
    }

    /** The same, only those of class {@code jobClass} (its full or simple name) if it is not null. */
    public List<JobSnapshot> jobs(int limit, Collection<JobState> states, String owner, String schedule, String jobClass) {
        return board.jobs(limit, states, owner, schedule, jobClass);
    }

    /** Cancels a job that has not ended; completes with its status once the cancellation is stored. */
    public CompletableFuture<JobSnapshot> cancel(String id, String reason) {
        CompletableFuture<JobSnapshot> done = new CompletableFuture<>();
        loop.post(() -> {
            if (!jobs.cancel(id, reason, done) && !jobs.pipelines().cancel(id, reason, done)) {
                done.completeExceptionally(board.endedOrUnknown(id));
            }
        });
        return done;
    }

    /**
     * Calls {@code listener} with the job's status now and each time it changes, at most every publish interval,
     * until the job ends (the last call has the final state). Returns a handle that stops the calls.
     */
    public Runnable watch(String id, Consumer<JobSnapshot> listener) {
        return board.watch(id, listener);
    }

    /**
     * As {@link #watch(String, Consumer)}, for a job whose status the caller has just read ({@link #job} or
     * {@link #published}): the watcher gets it (if the job has ended), or the job's live status, without reading it
     * again.
     */
    public Runnable watch(String id, JobSnapshot current, Consumer<JobSnapshot> listener) {
        return board.watch(id, current, listener);
    }

    /**
     * The status last published of a job that runs on this master, read without waiting for the loop (it may be a
     * moment old; the job's owner and class never change); empty if the job does not run here.
     */
    public Optional<JobSnapshot> published(String id) {
        return board.published(id);
    }

    /**
     * Why a WAITING job this master owns waits ("waiting for job-3 (RUNNING) to succeed"), as of its last check;
     * empty for any other job. Reads no store and does not wait for the loop.
     */
    public Optional<String> waitingFor(String id) {
        return jobs.pipelines().reason(id);
    }

    /** The jobs a job runs after ({@code grid submit --after}), by job id, for each of {@code ids} that has some. */
    public Map<String, List<String>> upstream(Collection<String> ids) {
        return ids.isEmpty() ? Map.of() : store.dependencies().upstream(ids);
    }

    /** The jobs that run after each of {@code ids} (those that have some), oldest first. */
    public Map<String, List<String>> downstream(Collection<String> ids) {
        return ids.isEmpty() ? Map.of() : store.dependencies().downstream(ids);
    }

    /** The result of a job that succeeded. */
    public ResultData result(String id) {
        return board.result(id);
    }

    /** The workers the master knows, by name; departed ones only if asked for. */
    public List<WorkerSnapshot> workers(boolean includeDeparted) {
        return board.workers(includeDeparted);
    }

    /** The detail of a job the scheduler runs now; empty for a job that ended (read the store then). */
    public Optional<JobDetail> detail(String id) {
        return board.detail(id);
    }

    /**
     * Ended attempts of a job with their logs, in the order they ended, after {@code afterSeq} (see
     * {@link io.gridwork.master.store.TaskRepository#attempts}): read from the store, so every master sharing it
     * answers for every job.
     */
    public List<io.gridwork.master.store.TaskAttemptRow> endedAttempts(String jobId, Long index, int attempt,
            boolean failuresOnly, long afterSeq, int limit) {
        return store.tasks().attempts(jobId, index, attempt, failuresOnly, afterSeq, limit);
    }

    /**
     * The attempts of a job this master runs that run now (of one task if {@code index} is not null), by task and
     * attempt; empty for a job it does not run.
     */
    public List<LiveAttempt> runningAttempts(String jobId, Long index) {
        return board.runningAttempts(jobId, index);
    }

    /** The attempts a worker (by name or id) holds now, oldest first, at most {@code limit}. */
    public List<RunningAttempt> runningOn(String worker, int limit) {
        return board.runningOn(worker, limit);
    }

    /** Up to {@code limit} recent worker events, oldest first. */
    public List<WorkerEvent> recentWorkerEvents(int limit) {
        return board.recentWorkerEvents(limit);
    }

    /**
     * Calls {@code listener} with up to {@code history} recent worker events, then with each new one, until the
     * returned handle is run.
     */
    public Runnable watchWorkers(int history, Consumer<WorkerEvent> listener) {
        return board.watchWorkers(history, listener);
    }

    /**
     * Why a checkpoint of {@code size} bytes from this attempt would be refused now (too large, or the attempt is not
     * current), or null: checked before a large state is uploaded, and again when it is saved.
     */
    public String checkpointRefusal(Messages.TaskKey key, long size) {
        return loop.call(() -> checkpoints.refusal(key, size));
    }

    /**
     * Drains a worker (by name or id): it gets no new tasks and its running ones finish; its state shows DRAINING.
     * Undraining lets it take tasks again. The choice is stored and outlives the worker's and the master's restarts.
     */
    public WorkerSnapshot drain(String worker, boolean drain, String by) {
        return loop.call(() -> registry.drain(worker, drain, by));
    }

    /** A worker's trust record from quorum jobs: replicas agreed and disagreed; untrusted: excluded from them. */
    public record TrustRecord(long agreed, long disagreed, boolean untrusted) {
        public static final TrustRecord NONE = new TrustRecord(0, 0, false);
    }

    /** A worker's trust record, by name (any thread). */
    public TrustRecord trust(String workerName) {
        Trust trust = quorum.trust();
        Trust.Record r = trust.of(workerName);
        return r.samples() == 0 ? TrustRecord.NONE : new TrustRecord(r.agreed(), r.disagreed(), trust.untrusted(r));
    }

    /**
     * Clears a worker's trust record (by the worker's name or id, or the name of a record whose worker is no longer
     * known): it takes quorum jobs' tasks again. Returns the worker's name and the record it had. NOT_FOUND if there
     * is neither.
     */
    public TrustReset resetTrust(String worker) {
        String name = loop.call(() -> {
            WorkerEntry w = registry.find(worker);
            return w != null ? w.name : quorum.trust().of(worker).samples() > 0 ? worker : null;
        });
        if (name == null) {
            throw CoreException.notFound("worker: no worker or trust record named " + worker);
        }
        TrustRecord was = trust(name);
        store.trust().delete(name);
        loop.call(() -> {
            quorum.trust().reset(name);
            dispatcher.dispatchHungry(); // it may take quorum jobs' tasks now
            return null;
        });
        log.atInfo().addKeyValue("worker", name).log("trust record of {} reset (was {} agreed, {} disagreed)", name,
                was.agreed(), was.disagreed());
        return new TrustReset(name, was);
    }

    /** A trust record reset: the worker's name, and the record it had. */
    public record TrustReset(String name, TrustRecord was) {}

    // =====================================================================================================
    // worker side

    /**
     * Records a worker's registration: a new incarnation, which fences off its older streams. Of the tasks it
     * says it holds, those still assigned to it are kept (after a master restart: taken back, if no one else has
     * them); the others it must drop. Waits, with the call time limit, for the registration to be committed.
     */
    public RegisterOutcome register(WorkerRegistration registration, List<Messages.TaskKey> held) {
        return Loop.await(registerAsync(registration, held), options.callTimeout(), "the master's store");
    }

    /** The same, completing once the registration is committed (in the order registrations reach the loop). */
    public CompletableFuture<RegisterOutcome> registerAsync(WorkerRegistration registration,
            List<Messages.TaskKey> held) {
        if (!accepting) {
            return CompletableFuture.failedFuture(CoreException.unavailable("the master is shutting down"));
        }
        // tasks from another epoch (before a restart, or a master whose jobs this one took over) may be taken back if
        // their job is this master's now; those of jobs another master owns are left to it
        long mine = epoch();
        String self = selfId();
        Map<Messages.TaskKey, StoredTask> fromBefore = new HashMap<>();
        Set<Messages.TaskKey> othersJobs = new java.util.HashSet<>();
        Map<String, Optional<JobRow>> rows = new HashMap<>();
        for (Messages.TaskKey key : held) {
            if (AttemptTable.epochOf(key.attemptId()) != mine) {
                Optional<JobRow> row = masters == null ? Optional.empty()
                        : rows.computeIfAbsent(key.jobId(), id -> store.jobs().find(id));
                if (row.isPresent() && !row.get().state().isTerminal() && row.get().ownerMaster() != null
                        && !row.get().ownerMaster().equals(self)) {
                    othersJobs.add(key);
                    continue;
                }
                store.tasks().pending(key.jobId(), key.index()).ifPresent(t -> fromBefore.put(key, t));
            }
        }
        CompletableFuture<RegisterOutcome> done = new CompletableFuture<>();
        loop.post(() -> registry.register(registration, List.copyOf(held), fromBefore, othersJobs, done));
        return done;
    }

    /**
     * Opens the stream of a registered worker incarnation; the returned session identifies it from then on.
     * {@code name}, if not null, is the worker's authenticated name: the stream must be its own.
     */
    public Session connect(String workerId, long incarnation, String name, Messages.WorkerLink link) {
        return loop.call(() -> registry.connect(workerId, incarnation, name, link));
    }

    /**
     * Idle owners (issue 19): what a worker says of its owner, at registration (by worker id; {@code policy} false: it
     * has none, which clears an earlier incarnation's) or on its stream (by session).
     */
    public void owner(String workerId, boolean policy, boolean busy, String reason) {
        loop.post(() -> registry.owner(workerId, null, policy, busy, reason));
    }

    /** Idle owners (issue 19): the owner's state, from the worker's stream. */
    public void owner(Session session, boolean busy, String reason) {
        loop.post(() -> registry.owner(null, session, true, busy, reason));
    }

    /** A message from a worker's stream. */
    public void onMessage(Session session, Messages.Inbound message) {
        loop.post(() -> registry.message(session, message));
    }

    /**
     * The worker's stream ended: {@code clean} if the worker closed it (after saying it was draining, a clean
     * departure); otherwise it broke, and the worker is probed at once.
     */
    public void onClosed(Session session, String cause, boolean clean) {
        loop.post(() -> registry.closed(session, cause, clean));
    }

    // =====================================================================================================
    // high availability: what the membership (ha/) calls

    /**
     * Takes over jobs of a failed master (already moved to this master in the store, at its epoch): opens the
     * adoption window for the workers connected now, resumes the jobs through the restart path (held until their
     * workers registered again with the tasks they hold, or the grace ends), then tells every connected worker.
     * Blocks the caller (the membership's thread) while the jobs' code loads. Returns how many jobs were resumed.
     */
    public int takeOver(String fromMasterId, String selfAddress, List<JobRow> taken) {
        if (taken.isEmpty()) {
            return 0;
        }
        loop.call(registry::openAdoption);
        int resumed = 0;
        for (JobRow row : taken) {
            if (loop.call(() -> jobs.active(row.id()) != null)) {
                continue; // resumed already (an orphan adopted twice)
            }
            jobs.resume(row, registry::adopting);
            resumed++;
        }
        List<String> ids = taken.stream().map(JobRow::id).toList();
        long leaseEpoch = taken.stream().mapToLong(JobRow::leaseEpoch).max().orElse(epoch());
        Messages.Takeover takeover = new Messages.Takeover(fromMasterId, selfId(), selfAddress, leaseEpoch, ids);
        int told = loop.call(() -> {
            int n = registry.announce(takeover);
            flusher.flush();
            return n;
        });
        log.info("took over {} jobs of master {} ({} resumed); {} connected workers told", ids.size(), fromMasterId,
                resumed, told);
        return resumed;
    }

    /** A standby that took over an active master's jobs becomes active: it accepts submissions from now on. */
    public void promote() {
        standby = false;
    }

    /** Whether the journal was fenced (a commit refused because another master declared this one dead). */
    public boolean fenced() {
        return journal.fenced();
    }

    /** Called (on the journal's thread) when the store fences this master; the membership steps down. */
    public void onFenced(Runnable listener) {
        journal.onFenced(listener);
    }

    /**
     * Steps down after being fenced: nothing more is written, every job is dropped without a write (pending
     * submissions and unacknowledged results fail with UNAVAILABLE; nothing is merged), and every worker stream is
     * closed (the workers register again). Call {@link #rejoined} with the new identity next. Returns the jobs dropped.
     */
    public List<String> stepDown(String why) {
        journal.fence();
        return loop.call(() -> {
            flusher.discard(Journal.FENCED);
            List<String> dropped = jobs.dropAll();
            attempts.clear();
            registry.dropStreams("this master stepped down (" + why + "); register again");
            log.warn("stepped down ({}): {} jobs dropped, every worker stream closed", why, dropped.size());
            return dropped;
        });
    }

    /** After {@link #stepDown}: runs on as {@code newId} at {@code newEpoch}, with no jobs; writes commit again. */
    public void rejoined(String newId, long newEpoch) {
        selfId = newId;
        configuredEpoch = newEpoch;
        loop.call(() -> {
            attempts.epoch(newEpoch);
            epochBase = attempts.epochBase();
            registry.identity(newId, newEpoch);
            journal.unfence();
            return null;
        });
        log.info("rejoined as master {} at epoch {}", newId, newEpoch);
    }

    /**
     * Asks up to 3 connected workers to health-check another master's {@code host:port}: completes with whether
     * one reached it, or empty if no worker was connected to ask. Never fails.
     */
    public CompletableFuture<Optional<Boolean>> probeViaWorkers(String host, int port, Duration timeout) {
        CompletableFuture<Optional<Boolean>> done = new CompletableFuture<>();
        loop.post(() -> registry.probeMaster(host, port, timeout, 3, done));
        return done;
    }

    /** The grid's live masters changed: every connected worker is sent the new list (and so is every new one). */
    public void masters(List<Messages.MasterEndpoint> live) {
        List<Messages.MasterEndpoint> copy = List.copyOf(live);
        loop.post(() -> registry.masters(copy));
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

    // ---- for tests: commit what is queued and run what that posts, without the background threads

    int drainJournal() {
        return journal.drainOnce();
    }

    Journal journal() {
        return journal;
    }
}
