package io.gridwork.worker;

import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.worker.FromMaster.Assignment;
import io.gridwork.worker.FromMaster.MasterInfo;
import io.gridwork.worker.FromMaster.Probe;
import io.gridwork.worker.FromMaster.ProbeAnswer;
import io.gridwork.worker.FromMaster.Registered;
import io.gridwork.worker.FromMaster.Rejection;
import io.gridwork.worker.FromMaster.TaskKey;
import io.gridwork.worker.FromMaster.Takeover;
import io.gridwork.worker.TaskRunner.TaskRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's state and its decisions, confined to one thread, the {@link WorkerLoop}: the tasks it holds, the
 * results not acknowledged yet, who owns each job (leases), the links to the masters, draining, and the credits
 * (through the {@link CreditWindow}). Every method runs on the loop: the links call it there, the
 * {@link TaskRunner}'s events and the timer's ticks are posted there. Nothing here takes a lock, sleeps or reads the
 * wall clock (time is the loop's clock); gRPC stays in the links, which a factory makes (a test says so). What the
 * masters say comes as plain records ({@link FromMaster}); what goes to them is put in each link's outbox. A job's
 * spec and a task's result and progress are the protocol's messages, carried as they are: the core files and
 * resends them, the job cache and the task runner make and read them.
 *
 * <p>What it does with a master's message, in order: takeovers, the masters' list, job specs, assignments, a drain
 * (hand back what has not started), cancels, acknowledgements, rejections, ended jobs, demand; then the credits are
 * shared again. Results, progress and released tasks go to the link of the job's owner; messages about a job from
 * any master but its owner are refused (see {@link GridWorker} for the ownership rules).
 */
final class WorkerCore {

    private static final Logger log = LoggerFactory.getLogger(WorkerCore.class);
    /** How often the worker reports the tasks that started and checks whether a running task is long. */
    static final Duration TICK = Duration.ofMillis(50);

    /** Health-checks another worker for a master (blocking; run on the probe executor, off the loop). */
    interface Prober {
        ProbeAnswer probe(Probe request);
    }

    /** A job's owner as this worker knows it: the address of its master's link and the job's lease epoch. */
    private static final class Lease {
        long epoch;
        String address;

        Lease(long epoch, String address) {
            this.epoch = epoch;
            this.address = address;
        }
    }

    private final WorkerOptions options;
    private final WorkerLoop loop;
    private final MasterLink.Factory linkFactory;
    private final Prober prober;
    private final Executor probeExecutor;
    private final AtomicBoolean stopping;
    private final CreditWindow window;
    private final LinkHost linkHost = new LinkHost();
    private JobCache cache;
    private TaskRunner runner;
    private java.util.function.Supplier<io.gridwork.api.v1.DataReport> dataReports;

    // on the loop
    private final Map<Long, TaskRun> held = new LinkedHashMap<>();
    private final UnackedResults unacked = new UnackedResults();
    /** Slots the held tasks take: the sum over {@code held}, kept as tasks come and go. */
    private int heldSlots;
    /** One link per master, by the address it dials. */
    private final Map<String, MasterLink> links = new LinkedHashMap<>();
    /** Who owns each job this worker has heard of, and the highest lease epoch seen for it. */
    private final Map<String, Lease> leases = new HashMap<>();
    private boolean draining;
    /** Idle owners (issue 19): whether the owner's policy is on, and what its last check said (see {@link #owner}). */
    private final boolean ownerPolicy;
    private io.gridwork.worker.owner.OwnerPolicy.Verdict ownerVerdict;
    /** Raised by every owner verdict, so that a vacate scheduled under an older one does nothing. */
    private long ownerGeneration;
    private long heartbeatSeq;
    private boolean flushPending;
    private final List<Waiter> waiters = new ArrayList<>();

    // written on the loop only, read anywhere
    private volatile int heldCount;
    private volatile int maxHeld;
    private volatile long completed;
    private volatile long failedResults;
    private volatile long refusedStale;
    private volatile long reusedResults;
    private volatile long givenBackTasks;
    private volatile int windowSize;
    private volatile long vacatedTasks;
    private volatile String ownerBusyReason = "";

    private record Waiter(BooleanSupplier condition, CompletableFuture<Void> done) {
    }

    WorkerCore(WorkerOptions options, WorkerLoop loop, MasterLink.Factory linkFactory, Prober prober, Executor probeExecutor, AtomicBoolean stopping) {
        this.options = options;
        this.loop = loop;
        this.linkFactory = linkFactory;
        this.prober = prober;
        this.probeExecutor = probeExecutor;
        this.stopping = stopping;
        this.window = new CreditWindow(options.slots(), options.autoPrefetch(), options.prefetch());
        this.windowSize = window.window();
        this.ownerPolicy = options.owner() != null;
        // until the first check answers, the worker takes nothing (the safe side for the owner)
        this.ownerVerdict = ownerPolicy ? new io.gridwork.worker.owner.OwnerPolicy.Verdict(
                io.gridwork.worker.owner.OwnerPolicy.Mode.PAUSE, "the owner's state is not checked yet")
                : io.gridwork.worker.owner.OwnerPolicy.Verdict.SERVE;
        this.ownerBusyReason = ownerVerdict.reason();
        loop.afterEvent(this::afterEvent);
    }

    /** The job code and the task runner (they need the core's loop and its jar sources, so they come after it). */
    void attach(JobCache cache, TaskRunner runner) {
        this.cache = cache;
        this.runner = runner;
    }

    /** data grid (4): where the data plane's reports come from (taken at every tick). */
    void dataReports(java.util.function.Supplier<io.gridwork.api.v1.DataReport> reports) {
        this.dataReports = reports;
    }

    /** What the task runner tells the core, posted to the loop. */
    TaskRunner.Listener runnerListener() {
        return new TaskRunner.Listener() {
            @Override
            public void startedWithTimeout(TaskRun run) {
                loop.post(() -> {
                    run.startReported = true;
                    MasterLink owner = route(run.key.jobId());
                    if (owner != null) {
                        owner.outbox.progress.add(run.startedProgress());
                    }
                    run.progressSentAt = loop.clock().millis();
                });
            }

            @Override
            public void finished(TaskRun run, TaskResult result) {
                loop.post(() -> WorkerCore.this.finished(run, result));
            }

            @Override
            public void checkpoint(TaskRun run, io.gridwork.api.v1.TaskCheckpoint checkpoint) {
                loop.post(() -> {
                    // to the job's owner; with no link to it now, it goes again when the task is registered with it
                    MasterLink owner = route(run.key.jobId());
                    if (owner != null && held.get(run.attemptId) == run) {
                        owner.outbox.checkpoints.add(checkpoint);
                    }
                });
            }

            @Override
            public io.gridwork.api.v1.DataSetRef uploadCheckpoint(TaskRun run, long seq, byte[] state) {
                // to the job's owner (the master that fences the attempt and will store the save)
                MasterLink owner = loop.call(() -> route(run.key.jobId()), options.callTimeout());
                if (owner == null) {
                    throw new IllegalStateException("the checkpoint of task " + run.key.index() + " of job "
                            + run.key.jobId() + " was not saved: this worker has no link to the job's master now");
                }
                // the call timeout, and a second more per MiB (a 64 MiB state on a slow link)
                java.time.Duration limit = options.callTimeout().plusSeconds(state.length >> 20);
                return owner.putCheckpoint(run.key.toRef(), seq, state, limit);
            }
        };
    }

    /** Links to the masters given and starts the tick (posted to the loop). */
    void start() {
        loop.post(() -> {
            for (String address : options.masters()) {
                links.put(address, newLink(address, true));
            }
            new ArrayList<>(links.values()).forEach(MasterLink::start);
        });
        loop.every(TICK, TICK, this::tick);
    }

    private MasterLink newLink(String address, boolean seed) {
        return linkFactory.create(address, seed, linkHost);
    }

    // ================================================================================== after every event

    private void afterEvent() {
        heldCount = held.size();
        windowSize = window.window();
        if (!flushPending) {
            for (MasterLink l : links.values()) {
                if (l.hasMail()) {
                    // one message per link for everything the events queued before this one produced
                    flushPending = true;
                    loop.post(this::flush);
                    break;
                }
            }
        }
        if (!waiters.isEmpty()) {
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.done().isDone() || w.condition().getAsBoolean()) {
                    w.done().complete(null);
                    it.remove();
                }
            }
        }
    }

    private void flush() {
        flushPending = false;
        for (MasterLink l : new ArrayList<>(links.values())) {
            l.flush();
        }
    }

    /** Completes once the condition holds (checked now and after every event). On the loop. */
    private CompletableFuture<Void> when(BooleanSupplier condition) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (condition.getAsBoolean()) {
            done.complete(null);
        } else {
            waiters.add(new Waiter(condition, done));
        }
        return done;
    }

    // ================================================================================== queries (on the loop)

    String workerId() {
        for (MasterLink l : links.values()) {
            if (l.workerId != null) {
                return l.workerId;
            }
        }
        return null;
    }

    List<String> connectedMasters() {
        return links.values().stream().filter(MasterLink::connected).map(l -> l.address).toList();
    }

    List<String> linkedMasters() {
        return links.values().stream().filter(l -> !l.isRetired()).map(l -> l.address).toList();
    }

    /** The links to fetch jars from: those with a stream first. */
    List<MasterLink> jarSources() {
        List<MasterLink> first = new ArrayList<>();
        List<MasterLink> rest = new ArrayList<>();
        for (MasterLink l : links.values()) {
            if (!l.isRetired()) {
                (l.connected() ? first : rest).add(l);
            }
        }
        first.addAll(rest);
        return first;
    }

    int heldTasks() {
        return heldCount;
    }

    int maxHeldTasks() {
        return maxHeld;
    }

    long completedTasks() {
        return completed;
    }

    long failedTasks() {
        return failedResults;
    }

    long staleMessagesRefused() {
        return refusedStale;
    }

    long reusedResults() {
        return reusedResults;
    }

    long givenBackTasks() {
        return givenBackTasks;
    }

    int prefetchWindow() {
        return windowSize;
    }

    /** Idle owners: running tasks handed back because the owner came back. */
    long vacatedTasks() {
        return vacatedTasks;
    }

    /** Idle owners: why the worker takes no tasks now ("" while it serves). */
    String ownerBusyReason() {
        return ownerBusyReason;
    }

    // ================================================================================== the owner (issue 19)

    private io.gridwork.api.v1.OwnerStatus ownerStatus() {
        return io.gridwork.api.v1.OwnerStatus.newBuilder().setBusy(ownerVerdict.busy())
                .setReason(ownerVerdict.reason()).build();
    }

    /**
     * What the owner's policy says now (on the loop; the {@link io.gridwork.worker.owner.OwnerWatch} posts it when the
     * mode changes). Busy (PAUSE or VACATE): every master is told, the credits they hold are withdrawn and the tasks
     * not started go back at once, so the worker takes nothing more. VACATE: the running tasks go on for the grace
     * period ({@code --vacate-after}), then they are interrupted and handed back (released: not a failure, no
     * attempt used up), unless the owner is idle again by then. Back to SERVE: the credits flow again.
     */
    void owner(io.gridwork.worker.owner.OwnerPolicy.Verdict verdict) {
        boolean wasBusy = ownerVerdict.busy();
        ownerVerdict = verdict;
        ownerBusyReason = verdict.reason();
        long generation = ++ownerGeneration;
        for (MasterLink l : links.values()) {
            l.outbox.owner = ownerStatus();
        }
        if (!verdict.busy()) {
            rebalance();
            return;
        }
        if (!wasBusy) {
            int withdrawn = 0;
            for (MasterLink l : links.values()) {
                if (l.connected() && l.outstanding > 0) {
                    l.outbox.credit -= l.outstanding;
                    withdrawn += l.outstanding;
                    l.outstanding = 0;
                }
            }
            int released = releaseUnstarted();
            log.atInfo().addKeyValue("worker", options.name()).log("{}: taking no tasks ({} credits withdrawn, {} tasks "
                    + "not started handed back, {} running)", verdict.reason(), withdrawn, released, held.size());
        }
        if (verdict.mode() == io.gridwork.worker.owner.OwnerPolicy.Mode.VACATE && !held.isEmpty()) {
            loop.schedule(options.owner().vacateAfter(), () -> vacate(generation));
        }
    }

    /** The tasks held and not started go back to their masters; returns how many. */
    private int releaseUnstarted() {
        int released = 0;
        for (TaskRun t : new ArrayList<>(held.values())) {
            MasterLink owner = route(t.key.jobId());
            if (owner == null || !t.release()) {
                continue; // started already (or cancelled)
            }
            unhold(t.attemptId);
            runner.remove(t);
            owner.outbox.released.add(t.key);
            released++;
        }
        givenBackTasks += released;
        return released;
    }

    /** The grace period is over and the owner is still busy: the running tasks are interrupted and handed back. */
    private void vacate(long generation) {
        if (generation != ownerGeneration || ownerVerdict.mode() != io.gridwork.worker.owner.OwnerPolicy.Mode.VACATE) {
            return;
        }
        int n = 0;
        for (TaskRun t : new ArrayList<>(held.values())) {
            if (t.cancelled) {
                continue;
            }
            t.cancel();
            MasterLink owner = route(t.key.jobId());
            if (owner != null) {
                owner.outbox.released.add(t.key);
            }
            n++;
        }
        vacatedTasks += n;
        if (n > 0) {
            log.atInfo().addKeyValue("worker", options.name()).log("{}: vacated {} running tasks after {} s; they go "
                    + "back to the masters", ownerVerdict.reason(), n, options.owner().vacateAfter().toSeconds());
        }
    }

    // ================================================================================== held tasks

    private void hold(TaskRun task) {
        if (held.put(task.attemptId, task) == null) {
            heldSlots += task.slots;
        }
    }

    /** No longer holds the attempt; returns its task, or null if it was not held. */
    private TaskRun unhold(long attemptId) {
        TaskRun t = held.remove(attemptId);
        if (t != null) {
            heldSlots -= t.slots;
        }
        return t;
    }

    // ================================================================================== links

    /** What the links ask of the worker: registrations, messages, heartbeats (all on the loop). */
    private final class LinkHost implements MasterLink.Host {

        @Override
        public List<TaskKey> registration(MasterLink link) {
            List<TaskKey> tasks = new ArrayList<>();
            // the tasks of the jobs this master owns, running or with results it has not acknowledged
            for (TaskRun t : held.values()) {
                if (routesTo(t.key.jobId(), link)) {
                    tasks.add(t.key);
                }
            }
            for (TaskResult r : unacked.values()) {
                if (routesTo(r.getRef().getJobId(), link)) {
                    tasks.add(TaskKey.of(r.getRef()));
                }
            }
            return tasks;
        }

        @Override
        public boolean registered(MasterLink link, Registered response) {
            if (!link.masterId.isEmpty()) {
                for (MasterLink other : new ArrayList<>(links.values())) {
                    if (other == link || other.isRetired() || !other.masterId.equals(link.masterId)) {
                        continue;
                    }
                    // two addresses of one master (a --master address and the one it advertises): keep one link
                    if (other.connected() && !(link.seed && !other.seed)) {
                        retireDuplicate(link, other);
                        return false;
                    }
                    if (!other.seed || link.seed && !other.connected()) {
                        retireDuplicate(other, link);
                    }
                }
            }
            for (TaskKey ref : response.drop()) {
                if (!routesTo(ref.jobId(), link)) {
                    continue;
                }
                unacked.remove(ref.attemptId());
                TaskRun t = held.get(ref.attemptId());
                if (t != null) {
                    t.cancel();
                }
            }
            if (!response.masters().isEmpty()) {
                learnMasters(response.masters());
            }
            link.outbox.draining = draining;
            if (ownerPolicy) {
                link.outbox.owner = ownerStatus(); // idle owners: the first message of every stream says it
            }
            for (TaskResult r : unacked.values()) {
                if (routesTo(r.getRef().getJobId(), link)) {
                    link.outbox.results.add(r);
                }
            }
            for (TaskRun t : held.values()) {
                // a checkpoint not answered yet goes again (the master answers a repeat as it did the first)
                var unanswered = t.unansweredCheckpoint();
                if (unanswered != null && routesTo(t.key.jobId(), link)) {
                    link.outbox.checkpoints.add(unanswered);
                }
            }
            rebalance();
            return true;
        }

        @Override
        public void received(MasterLink link, FromMaster message) {
            handle(link, message);
        }

        @Override
        public void streamEnded(MasterLink link) {
            // the master forgets the credits of a stream that ended: they are free for the other masters
            link.outstanding = 0;
            for (TaskRun t : held.values()) {
                if (routesTo(t.key.jobId(), link)) {
                    t.startReported = false; // told again on the next stream
                }
            }
            link.demand = null;
            rebalance();
        }

        @Override
        public void heartbeat(MasterLink link) {
            if (!link.connected()) {
                return;
            }
            int running = 0;
            long now = loop.clock().millis();
            for (TaskRun t : held.values()) {
                if (t.started) {
                    running++;
                }
                if (routesTo(t.key.jobId(), link)) {
                    var p = t.takeProgress(now);
                    if (p != null) {
                        link.outbox.progress.add(p);
                    }
                }
            }
            link.outbox.heartbeat(++heartbeatSeq, running, runner.freeSlots());
        }

        @Override
        public void retired(MasterLink link) {
            links.remove(link.address, link);
            rebalance();
        }

        @Override
        public boolean stopping() {
            return stopping.get();
        }

        @Override
        public String workerName() {
            return options.name();
        }

        @Override
        public io.gridwork.api.v1.OwnerStatus owner() {
            return ownerPolicy ? ownerStatus() : null;
        }
    }

    /** Whether results of this job go to this link (its master owns the job). */
    private boolean routesTo(String jobId, MasterLink link) {
        Lease lease = leases.get(jobId);
        return lease == null || lease.address.equals(link.address);
    }

    /** The link of the job's owner, or null if it has none now. */
    private MasterLink route(String jobId) {
        Lease lease = leases.get(jobId);
        return lease == null ? null : links.get(lease.address);
    }

    /**
     * Whether a message about this job from this link must be refused: the job is owned by another master (it took
     * the job over at a higher lease epoch).
     */
    private boolean stale(MasterLink link, String jobId) {
        Lease lease = leases.get(jobId);
        return lease != null && !lease.address.equals(link.address);
    }

    /** Whether a job spec's lease epoch is older than the job's: a former owner's. */
    private boolean staleSpec(JobSpec spec) {
        Lease lease = leases.get(spec.getJobId());
        return lease != null && spec.getLeaseEpoch() < lease.epoch;
    }

    private void refuse(MasterLink link, String what, String jobId) {
        refusedStale++;
        log.atDebug().addKeyValue("job", jobId).addKeyValue("worker", options.name())
                .log("refused {} from the master at {}: the job is owned by the master at {} (lease epoch {})", what,
                        link.address, leases.get(jobId).address, leases.get(jobId).epoch);
    }

    /** The jobs this worker holds tasks or unacknowledged results of. */
    private Set<String> jobsWithWork() {
        Set<String> jobs = new HashSet<>();
        held.values().forEach(t -> jobs.add(t.key.jobId()));
        unacked.values().forEach(r -> jobs.add(r.getRef().getJobId()));
        return jobs;
    }

    /**
     * A message about a job came from this link and was accepted: its master owns the job (at least this epoch). If
     * the job's tasks here came from another master, this one must hear of them: it registers again.
     */
    private void claim(MasterLink link, String jobId, long epoch, Set<MasterLink> registerAgain) {
        Lease lease = leases.get(jobId);
        if (lease == null) {
            leases.put(jobId, new Lease(epoch, link.address));
            return;
        }
        lease.epoch = Math.max(lease.epoch, epoch);
        if (!lease.address.equals(link.address)) {
            lease.address = link.address;
            if (jobsWithWork().contains(jobId)) {
                registerAgain.add(link);
            }
        }
    }

    /** Keeps {@code kept} for a master that both links reach; the other's jobs move to it. */
    private void retireDuplicate(MasterLink gone, MasterLink kept) {
        log.atInfo().addKeyValue("worker", options.name()).log("{} and {} are the same master ({}): keeping the link to {}",
                gone.address, kept.address, kept.masterId, kept.address);
        Set<String> work = jobsWithWork();
        boolean moved = false;
        for (Map.Entry<String, Lease> e : leases.entrySet()) {
            if (e.getValue().address.equals(gone.address)) {
                e.getValue().address = kept.address;
                moved |= work.contains(e.getKey());
            }
        }
        gone.retire();
        if (moved) {
            kept.reregister("tasks moved from " + gone.address);
        }
    }

    /** The masters' list (the whole list, from any master): links to new ones, marks the ones no longer named. */
    private void learnMasters(List<MasterInfo> masters) {
        Set<String> addresses = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (MasterInfo e : masters) {
            addresses.add(e.address());
            ids.add(e.id());
        }
        for (MasterLink l : new ArrayList<>(links.values())) {
            l.listed = addresses.contains(l.address) || (!l.masterId.isEmpty() && ids.contains(l.masterId));
            l.listedChanged();
        }
        if (stopping.get()) {
            return;
        }
        for (MasterInfo e : masters) {
            if (e.address().isBlank() || linkTo(e.id(), e.address()) != null) {
                continue;
            }
            try {
                io.gridwork.client.Addresses.parse(e.address(), "master address");
            } catch (IllegalArgumentException bad) {
                log.warn("a master named a master with a bad address: {}", bad.getMessage());
                continue;
            }
            MasterLink link = newLink(e.address(), false);
            links.put(e.address(), link);
            log.atInfo().addKeyValue("worker", options.name()).log("linking to master {} at {}{}", e.id(),
                    e.address(), e.standby() ? " (standby)" : "");
            link.start();
        }
    }

    /** The live link to the master of this id or address, or null. */
    private MasterLink linkTo(String masterId, String address) {
        for (MasterLink l : links.values()) {
            if (!l.isRetired() && !l.masterId.isEmpty() && l.masterId.equals(masterId)) {
                return l;
            }
        }
        MasterLink l = links.get(address);
        return l == null || l.isRetired() ? null : l;
    }

    // ================================================================================== messages from a master

    void handle(MasterLink link, FromMaster m) {
        List<TaskRun> toRun = new ArrayList<>();
        List<TaskRun> toCancel = new ArrayList<>();
        List<String> ended = new ArrayList<>();
        Set<MasterLink> registerAgain = new HashSet<>();
        for (Takeover t : m.takeovers()) {
            takeover(link, t, registerAgain);
        }
        if (!m.masters().isEmpty()) {
            learnMasters(m.masters());
        }
        for (JobSpec spec : m.jobs()) {
            if (staleSpec(spec)) {
                refuse(link, "a job spec", spec.getJobId());
                continue;
            }
            cache.define(spec);
            claim(link, spec.getJobId(), spec.getLeaseEpoch(), registerAgain);
        }
        for (Assignment a : m.assignments()) {
            link.outstanding = Math.max(0, link.outstanding - Math.max(1, a.slots()));
            String jobId = a.task().jobId();
            if (stale(link, jobId)) {
                refuse(link, "an assignment", jobId);
                continue;
            }
            long attemptId = a.task().attemptId();
            if (held.containsKey(attemptId) || unacked.containsKey(attemptId)) {
                continue; // held already (or ran already): never run twice
            }
            claim(link, jobId, 0, registerAgain);
            if (ownerVerdict.busy()) {
                // idle owners: sent before the master heard the owner is busy; back it goes, unstarted
                link.outbox.released.add(a.task());
                continue;
            }
            if (answerFromEarlierAttempt(a, link)) {
                continue; // it ran here already, for a master that failed before it stored the output
            }
            TaskRun task = runner.newRun(a, cache.spec(jobId));
            hold(task);
            maxHeld = Math.max(maxHeld, held.size());
            toRun.add(task);
        }
        if (m.releaseUnstarted()) {
            // the credits keep flowing, as they always did: the master assigns nothing while the worker is drained,
            // and uses them again once it is undrained (nothing else tells the worker so)
            int released = 0;
            for (TaskRun t : new ArrayList<>(held.values())) {
                if (!t.started && !t.cancelled && routesTo(t.key.jobId(), link)) {
                    t.cancel();
                    link.outbox.released.add(t.key);
                    released++;
                }
            }
            log.atInfo().addKeyValue("worker", options.name())
                    .log("drained by the master at {}: {} tasks not started go back, {} running ones finish",
                            link.address, released, held.size() - released);
        }
        for (TaskKey ref : m.cancels()) {
            if (stale(link, ref.jobId())) {
                refuse(link, "a cancel", ref.jobId());
                continue;
            }
            TaskRun t = held.get(ref.attemptId());
            if (t != null) {
                toCancel.add(t);
            }
        }
        for (TaskKey ref : m.acks()) {
            if (stale(link, ref.jobId())) {
                refuse(link, "an acknowledgement", ref.jobId());
                continue;
            }
            unacked.remove(ref.attemptId());
        }
        for (Rejection r : m.rejections()) {
            if (stale(link, r.task().jobId())) {
                refuse(link, "a rejection", r.task().jobId());
                continue;
            }
            unacked.remove(r.task().attemptId());
            log.atWarn().addKeyValue("job", r.task().jobId()).addKeyValue("task", r.task().index())
                    .addKeyValue("worker", options.name()).log("the master refused the result: {}", r.reason());
        }
        for (FromMaster.CheckpointAck c : m.checkpointAcks()) {
            if (stale(link, c.task().jobId())) {
                refuse(link, "a checkpoint answer", c.task().jobId());
                continue;
            }
            TaskRun t = held.get(c.task().attemptId());
            if (t != null) {
                t.checkpointAnswered(c.seq(), c.ok(), c.reason());
            }
        }
        for (String jobId : m.endedJobs()) {
            if (stale(link, jobId)) {
                refuse(link, "the end of a job", jobId);
                continue;
            }
            ended.add(jobId);
        }
        if (!ended.isEmpty()) {
            Set<String> work = jobsWithWork();
            for (String jobId : ended) {
                if (!work.contains(jobId)) {
                    leases.remove(jobId);
                }
            }
        }
        if (m.demand() != null) {
            link.demand = Math.max(0, m.demand());
        }
        for (MasterLink again : registerAgain) {
            again.reregister("it owns jobs whose tasks this worker holds");
        }
        rebalance();
        for (TaskRun task : toRun) {
            if (!runner.execute(task)) {
                finished(task, null);
            }
        }
        for (TaskRun t : toCancel) {
            log.atInfo().addKeyValue("job", t.key.jobId()).addKeyValue("task", t.key.index())
                    .addKeyValue("worker", options.name()).log("task cancelled by the master");
            t.cancel();
        }
        for (String jobId : ended) {
            cache.ended(jobId);
        }
        for (Probe probe : m.probes()) {
            probeExecutor.execute(() -> {
                ProbeAnswer result = prober.probe(probe);
                loop.post(() -> link.outbox.probeResults.add(result));
            });
        }
    }

    /**
     * A master took over jobs of a failed one: their results go to it from now on, and messages about them from an
     * older epoch are refused. If this worker holds tasks of those jobs (running, or with results not acknowledged),
     * it registers again with the new owner, listing them; the master adopts them (keep) or not (drop), and the
     * results of the kept ones are sent to it.
     */
    private void takeover(MasterLink from, Takeover t, Set<MasterLink> registerAgain) {
        MasterLink target = linkTo(t.toMasterId(), t.toAddress());
        if (target == null && !t.toAddress().isBlank() && !stopping.get()) {
            target = newLink(t.toAddress(), false);
            links.put(t.toAddress(), target);
            target.start();
        }
        if (target == null) {
            log.warn("takeover by master {} announced by {} names no address to reach it; ignored", t.toMasterId(),
                    from.address);
            return;
        }
        Set<String> work = jobsWithWork();
        int mine = 0;
        for (String jobId : t.jobIds()) {
            Lease lease = leases.get(jobId);
            if (lease != null && lease.epoch > t.epoch()) {
                refusedStale++;
                log.atDebug().addKeyValue("job", jobId).log("refused a takeover at epoch {}: the job's epoch is {}",
                        t.epoch(), lease.epoch);
                continue;
            }
            if (lease != null && lease.epoch == t.epoch() && lease.address.equals(target.address)) {
                continue; // heard already (a master tells again every worker whose stream opens soon after)
            }
            if (lease == null) {
                leases.put(jobId, new Lease(t.epoch(), target.address));
            } else {
                lease.epoch = t.epoch();
                lease.address = target.address;
            }
            if (work.contains(jobId)) {
                mine++;
            }
        }
        log.atInfo().addKeyValue("worker", options.name())
                .log("master {} took over {} jobs of master {} (epoch {}); {} of them have tasks here",
                        t.toMasterId(), t.jobIds().size(), t.fromMasterId(), t.epoch(), mine);
        if (mine > 0) {
            registerAgain.add(target);
        }
    }

    // ================================================================================== credits

    /** Offers the free room to the masters as credits, shared as the {@link CreditWindow} says. */
    private void rebalance() {
        if (draining || ownerVerdict.busy()) {
            return;
        }
        List<MasterLink> open = new ArrayList<>();
        int used = heldSlots;
        int known = 0;
        for (MasterLink l : links.values()) {
            if (!l.isRetired()) {
                known++;
            }
            if (l.connected()) {
                used += l.outstanding;
                if (!l.isRetired()) {
                    open.add(l);
                }
            }
        }
        if (open.isEmpty() || used >= window.budget()) {
            return;
        }
        List<CreditWindow.Claimant> claimants = new ArrayList<>(open.size());
        for (MasterLink l : open) {
            int owned = 0;
            if (open.size() > 1) {
                for (TaskRun t : held.values()) {
                    Lease lease = leases.get(t.key.jobId());
                    if (lease != null && lease.address.equals(l.address)) {
                        owned += t.slots;
                    }
                }
            }
            claimants.add(new CreditWindow.Claimant(l.outstanding, l.demand, owned));
        }
        int[] grant = window.grants(used, known, claimants);
        for (int i = 0; i < grant.length; i++) {
            if (grant[i] > 0) {
                MasterLink l = open.get(i);
                l.outbox.credit += grant[i];
                l.outstanding += grant[i];
            }
        }
    }

    // ================================================================================== tasks

    /**
     * A new attempt of a task this worker already ran to a successful output that no master acknowledged (its
     * master failed before storing it, and the master that took the job over could not adopt the attempt): the
     * output is sent again as this attempt's, instead of running the task a second time.
     *
     * @return whether the assignment was answered so
     */
    private boolean answerFromEarlierAttempt(Assignment a, MasterLink link) {
        String jobId = a.task().jobId();
        long index = a.task().index();
        Long earlier = unacked.outputOf(jobId, index);
        if (earlier == null) {
            return false;
        }
        TaskResult again = unacked.remove(earlier).toBuilder().setRef(a.task().toRef()).build();
        unacked.put(a.task().attemptId(), again);
        link.outbox.results.add(again);
        reusedResults++;
        log.atInfo().addKeyValue("job", jobId).addKeyValue("task", index).addKeyValue("worker", options.name())
                .log("task ran here already (attempt {}, not acknowledged): its output answers attempt {}", earlier,
                        a.task().attemptId());
        if (!draining) {
            rebalance(); // the credit the assignment used is free again
        }
        return true;
    }

    /** A task ended (with a result, or with none: cancelled, handed back, given up on). */
    void finished(TaskRun task, TaskResult result) {
        if (unhold(task.attemptId) == null) {
            return;
        }
        if (result != null) {
            unacked.put(task.attemptId, result);
            MasterLink owner = route(task.key.jobId());
            if (owner != null) {
                owner.outbox.results.add(result);
            }
            completed++;
            if (result.hasFailure()) {
                failedResults++;
            }
        }
        if (!draining) {
            // a shrunken window asks for less; what is held beyond it goes back only when tasks have become long: a
            // tiny task slowed by a pause shrinks the window too, and the tiny tasks held run out by themselves
            // (handing them back cost thousands of round trips a job on a loaded machine)
            if (window.taskEnded(task.runNanos) < 0 && CreditWindow.isLong(task.runNanos)) {
                giveBackExcess();
            }
            rebalance();
        }
    }

    /**
     * Every {@link #TICK}: tells each master which of its tasks started since the last tick (so it shows tasks running
     * apart from tasks only held), and, with the automatic prefetch, measures the task running longest: once it is
     * long for what ran so far, the window shrinks at once and what the worker holds beyond it goes back.
     */
    void tick() {
        // data grid (4): the data cache's changes and the corrupt chunks seen go to every connected master
        io.gridwork.api.v1.DataReport report = dataReports == null ? null : dataReports.get();
        if (report != null) {
            for (MasterLink l : links.values()) {
                if (l.connected()) {
                    l.outbox.dataReport = l.outbox.dataReport == null ? report
                            : l.outbox.dataReport.toBuilder().mergeFrom(report).build();
                }
            }
        }
        if (draining) {
            return;
        }
        Instant now = loop.now();
        long longest = 0;
        for (TaskRun t : held.values()) {
            if (!t.started || t.cancelled) {
                continue;
            }
            Instant since = t.startedAt;
            if (since != null) { // null: its job's code is still being fetched or loaded
                longest = Math.max(longest, Duration.between(since, now).toNanos());
            }
            if (!t.startReported) {
                MasterLink owner = route(t.key.jobId());
                if (owner != null && owner.connected()) {
                    owner.outbox.started.add(t.key);
                    t.startReported = true;
                }
            }
        }
        if (window.longestRunning(longest) < 0) {
            giveBackExcess();
        }
    }

    /**
     * The window shrank: what the worker holds beyond its slots plus the window goes back, first the credits the
     * masters hold and have not used (withdrawn with a negative credit), then tasks held but not started, newest
     * first (released: the master gives them to workers with room).
     */
    private void giveBackExcess() {
        int used = heldSlots;
        for (MasterLink l : links.values()) {
            if (l.connected()) {
                used += l.outstanding;
            }
        }
        int excess = window.excess(used);
        if (excess <= 0) {
            return;
        }
        int withdrawn = 0;
        for (MasterLink l : links.values()) {
            if (excess <= 0) {
                break;
            }
            if (l.connected() && l.outstanding > 0) {
                int k = Math.min(l.outstanding, excess);
                l.outstanding -= k;
                l.outbox.credit -= k;
                excess -= k;
                withdrawn += k;
            }
        }
        int released = 0;
        if (excess > 0) {
            List<TaskRun> newestFirst = new ArrayList<>(held.values());
            Collections.reverse(newestFirst);
            for (TaskRun t : newestFirst) {
                if (excess <= 0) {
                    break;
                }
                MasterLink owner = route(t.key.jobId());
                if (owner == null || !owner.connected() || !t.release()) {
                    continue; // started already (or cancelled), or its master cannot be told now
                }
                unhold(t.attemptId);
                runner.remove(t);
                owner.outbox.released.add(t.key);
                excess -= t.slots;
                released++;
            }
        }
        givenBackTasks += released;
        if (released > 0) {
            log.atDebug().addKeyValue("worker", options.name())
                    .log("prefetch window now {}: {} credits withdrawn, {} tasks not started handed back", window.window(),
                            withdrawn, released);
        }
    }

    // ================================================================================== stopping (on the loop)

    /**
     * The first step of stopping: take no more tasks (every master is told the worker is draining), hand back the
     * tasks not started, and report a task that is taking the whole worker down with System.exit. Returns what
     * completes once no task is held.
     */
    CompletableFuture<Void> drain() {
        draining = true;
        for (MasterLink l : links.values()) {
            l.outbox.draining = true;
            l.outbox.credit = 0;
        }
        for (TaskRun t : new ArrayList<>(held.values())) {
            Thread th = t.thread;
            MasterLink owner = route(t.key.jobId());
            if (th != null && callsExit(th)) {
                // the task is taking the whole worker down: tell the master, it is the task's doing
                log.atError().addKeyValue("job", t.key.jobId()).addKeyValue("task", t.key.index())
                        .addKeyValue("worker", options.name()).log("task called System.exit; reporting it to the master");
                unhold(t.attemptId);
                if (owner != null) {
                    owner.outbox.crashed.add(t.key);
                }
            } else if (!t.started) {
                t.cancel();
                if (owner != null) {
                    owner.outbox.released.add(t.key);
                }
            }
        }
        return when(held::isEmpty);
    }

    /**
     * The drain timeout passed: the tasks still running go back to their masters. Returns what completes once every
     * result not acknowledged yet belongs to a master with no stream now.
     */
    CompletableFuture<Void> handBack() {
        if (!held.isEmpty()) {
            log.atInfo().addKeyValue("worker", options.name())
                    .log("handing {} unfinished tasks back to the masters", held.size());
            for (TaskRun t : held.values()) {
                t.cancel();
                MasterLink owner = route(t.key.jobId());
                if (owner != null) {
                    owner.outbox.released.add(t.key);
                }
            }
        }
        return when(this::noResultAwaitsAConnectedMaster);
    }

    /** The last step: every stream is completed after its last message; returns the links to close. */
    List<MasterLink> complete() {
        List<MasterLink> all = new ArrayList<>(links.values());
        for (MasterLink l : all) {
            l.outbox.complete = true;
        }
        return all;
    }

    /** Whether every result not acknowledged yet belongs to a master with no stream now. */
    private boolean noResultAwaitsAConnectedMaster() {
        for (TaskResult r : unacked.values()) {
            MasterLink owner = route(r.getRef().getJobId());
            if (owner != null && owner.connected()) {
                return false;
            }
        }
        return true;
    }

    private static boolean callsExit(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if ((frame.getClassName().equals("java.lang.Runtime") && frame.getMethodName().equals("exit"))
                    || (frame.getClassName().equals("java.lang.Shutdown") && frame.getMethodName().equals("exit"))) {
                return true;
            }
        }
        return false;
    }
}
