package io.gridwork.master.core;

import io.gridwork.master.model.JobState;
import io.gridwork.master.model.TaskState;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.StoreBatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives workers tasks: as many as each has credits for, in the order {@link FairShare} sets, and, with nothing
 * queued for an idle worker, a second attempt of a slow task as {@link Speculation} chooses. Retries that fall due
 * later wake it through the timer. Loop-confined.
 */
final class Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    private static final Duration AVOID_FAILED_WORKER_FOR = Duration.ofSeconds(5);

    private final Loop loop;
    private final AttemptTable attempts;
    private final Flusher flusher;
    private final FairShare fairShare;
    private final Speculation speculation;
    private final List<JobRunner> dispatchOrder;
    private final Collection<WorkerEntry> workers;
    private final Supplier<CoreMetrics> metrics;
    /** Sessions with credits left and nothing to give them yet. */
    private final LinkedHashSet<Session> hungry = new LinkedHashSet<>();
    private final List<JobRunner> candidates = new ArrayList<>();
    private final Supplier<DataSets> dataSets;
    private final Duration localityWait;
    /** Results by quorum: which workers quorum jobs exclude (set once, before the loop starts). */
    private Quorum quorum;
    /** When dispatch runs again for a retry falling due; null if nothing is scheduled. */
    private Instant nextWake;

    /**
     * @param dispatchOrder the active jobs in submission order (owned by {@link Jobs})
     * @param workers every known worker (owned by the {@link WorkerRegistry})
     */
    Dispatcher(Loop loop, AttemptTable attempts, Flusher flusher, FairShare fairShare, Speculation speculation,
            List<JobRunner> dispatchOrder, Collection<WorkerEntry> workers, Supplier<CoreMetrics> metrics) {
        this(loop, attempts, flusher, fairShare, speculation, dispatchOrder, workers, metrics, () -> DataSets.NONE,
                Duration.ZERO);
    }

    /**
     * @param dataSets where the data tasks read is held (placement near the data)
     * @param localityWait how long a task waits for a worker holding its data
     */
    Dispatcher(Loop loop, AttemptTable attempts, Flusher flusher, FairShare fairShare, Speculation speculation,
            List<JobRunner> dispatchOrder, Collection<WorkerEntry> workers, Supplier<CoreMetrics> metrics,
            Supplier<DataSets> dataSets, Duration localityWait) {
        this.dataSets = dataSets;
        this.localityWait = localityWait;
        this.loop = loop;
        this.attempts = attempts;
        this.flusher = flusher;
        this.fairShare = fairShare;
        this.speculation = speculation;
        this.dispatchOrder = dispatchOrder;
        this.workers = workers;
        this.metrics = metrics;
    }

    /** Wires results by quorum in (the scheduler does, before it starts). */
    void quorum(Quorum quorum) {
        this.quorum = quorum;
    }

    /** Whether the worker may run a quorum job's tasks: its trust record does not exclude it (other jobs: always). */
    private boolean trustedFor(JobRunner job, WorkerEntry w) {
        return job.quorum == 1 || quorum == null || quorum.trusted(w);
    }

    static boolean canTake(Session s) {
        return s.open && !s.draining && s.credits > 0 && s.worker.state == WorkerState.ALIVE && !s.worker.ownerBusy;
    }

    /**
     * Gives a worker as many tasks as it has credits for and there are tasks: first what its free slots can start,
     * then (its prefetch) more, unless other workers wait for tasks too: then the queued tasks are shared out in
     * turns, free slots first ({@link #dispatchHungry}), so one worker's prefetch does not take the tasks other
     * workers could start now.
     */
    void dispatch(Session s) {
        while (canTake(s) && hasFreeSlot(s) && assignOne(s, true)) {
            // keep going
        }
        if (!canTake(s)) {
            hungry.remove(s);
            return;
        }
        hungry.add(s);
        if (hungry.size() > 1) {
            dispatchHungry();
            return;
        }
        while (canTake(s) && assignOne(s, false)) {
            // keep going: the only worker waiting for tasks
        }
        if (!canTake(s)) {
            hungry.remove(s);
        }
    }

    /** Whether the worker has a slot not taken by the tasks it holds. */
    private static boolean hasFreeSlot(Session s) {
        return s.heldUnits < s.worker.slots;
    }

    /** The session takes nothing more (closed, draining). */
    void forget(Session s) {
        hungry.remove(s);
    }

    boolean anyHungry() {
        return !hungry.isEmpty();
    }

    /**
     * Gives waiting workers tasks, one each in turn, so new work spreads over all of them: first to the workers with
     * free slots (tasks that start now), then to all of them (their prefetch).
     */
    void dispatchHungry() {
        for (boolean freeSlotsOnly : new boolean[] {true, false}) {
            boolean assigned = true;
            while (assigned && !hungry.isEmpty()) {
                assigned = false;
                for (Iterator<Session> it = hungry.iterator(); it.hasNext(); ) {
                    Session s = it.next();
                    if (canTake(s) && (!freeSlotsOnly || hasFreeSlot(s)) && assignOne(s, freeSlotsOnly)) {
                        assigned = true;
                    }
                    if (!canTake(s)) {
                        it.remove();
                    }
                }
            }
        }
    }

    /**
     * Gives the worker one task of the job first in line that it may run (with {@code freeSlotsOnly}, only if its free
     * slots can start it now); else (not {@code freeSlotsOnly}) perhaps a speculative attempt.
     */
    private boolean assignOne(Session s, boolean freeSlotsOnly) {
        if (dispatchOrder.isEmpty() || flusher.backlogged()) {
            return false; // (backlogged: the store catches up first; the waiting workers get tasks when it has)
        }
        Instant now = loop.now();
        List<JobRunner> eligible = candidates;
        eligible.clear();
        Quotas quotas = attempts.quotas();
        for (JobRunner job : dispatchOrder) {
            if (job.dispatchable() && !job.held && !job.queue.isEmpty()
                    && s.credits >= job.slotsPerTask && runsOn(job, s.worker) && trustedFor(job, s.worker)
                    && (quotas.none() || quotas.allows(job.owner(), job.slotsPerTask))) { // quotas cap users
                eligible.add(job);
            }
        }
        if (eligible.size() > 1) {
            eligible.sort(fairShare.order());
        }
        try {
            for (JobRunner job : eligible) {
                if (freeSlotsOnly && s.heldUnits + job.slotsPerTask > s.worker.slots) {
                    return false; // the job first in line waits for more slots: it is held for them, in its turn
                }
                QueuedTask task = take(job, s, now);
                if (task != null) {
                    assign(job, task, s, now, false);
                    return true;
                }
            }
        } finally {
            eligible.clear();
        }
        return !freeSlotsOnly && speculate(s, now);
    }

    /** Whether the worker may run the job's tasks: it matches the job's requirement and has enough slots. */
    static boolean runsOn(JobRunner job, WorkerEntry w) {
        return w.slots >= job.slotsPerTask && (job.requirement.isAny() || job.requirement.matches(w.attributes()));
    }

    /** The longest a job with no slow attempt goes without its attempts being looked at for speculation. */
    static final Duration SPECULATION_RECHECK = Duration.ofMillis(100);

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private boolean speculate(Session s, Instant now) {
        WorkerEntry w = s.worker;
        List<Speculation.Running<Attempt>> running = new ArrayList<>();
        double grid = Double.NaN;
        for (JobRunner job : dispatchOrder) {
            if (!job.maySpeculate() || s.heldUnits + job.slotsPerTask > w.slots || s.credits < job.slotsPerTask
                    || !runsOn(job, w) || !attempts.quotas().allows(job.owner(), job.slotsPerTask)) {
                continue;
            }
            if (job.speculationCheckAfter != null && now.isBefore(job.speculationCheckAfter)) {
                continue; // none of its attempts can be slow yet
            }
            double mean = job.meanTaskMillis();
            long thresholdMs = (long) Math.ceil(speculation.thresholdMs(mean));
            Instant firstDue = null;
            boolean overdue = false;
            for (Attempt a : job.attempts.values()) {
                if (a.completing || a.task.live != 1) {
                    continue;
                }
                Instant due = a.startedAt.plusMillis(thresholdMs);
                if (now.isBefore(due)) {
                    firstDue = firstDue == null || due.isBefore(firstDue) ? due : firstDue;
                    continue;
                }
                overdue = true;
                if (a.session.worker != w) {
                    if (Double.isNaN(grid)) {
                        grid = WorkerSpeeds.gridLogPace(workers);
                    }
                    running.add(new Speculation.Running<>(a, Duration.between(a.startedAt, now).toMillis(), mean,
                            WorkerSpeeds.relative(a.session.worker, grid)));
                }
            }
            // a job with thousands of tasks in flight and none slow yet is not scanned again on every free slot: not
            // before its first attempt can be slow (its mean may fall meanwhile: looked at again within 100 ms anyway)
            job.speculationCheckAfter = overdue ? null
                    : firstDue == null ? now.plus(SPECULATION_RECHECK) : min(firstDue, now.plus(SPECULATION_RECHECK));
        }
        Attempt best = running.isEmpty() ? null : speculation.choose(WorkerSpeeds.relative(w, grid), running);
        if (best == null) {
            return false;
        }
        JobRunner job = best.job;
        job.speculated++;
        log.atInfo().addKeyValue("job", job.id).addKeyValue("task", best.task.index).addKeyValue("worker", w.name)
                .log("task has run {} ms on {} (mean {} ms): a second attempt starts on {}",
                        Duration.between(best.startedAt, now).toMillis(), best.session.worker.name,
                        Math.round(job.meanTaskMillis()), w.name);
        assign(job, best.task, s, now, true);
        return true;
    }

    /** Whether any active job may start a speculative attempt now. */
    boolean anySpeculative() {
        for (JobRunner job : dispatchOrder) {
            if (job.maySpeculate()) {
                return true;
            }
        }
        return false;
    }

    private QueuedTask take(JobRunner job, Session s, Instant now) {
        for (Iterator<QueuedTask> it = job.queue.retries.iterator(); it.hasNext(); ) {
            QueuedTask t = it.next();
            if (t.notBefore != null && t.notBefore.isAfter(now)) {
                wakeAt(t.notBefore);
                continue;
            }
            if (t.votes != null && !t.votes.mayRunOn(Quorum.host(s.worker))) {
                continue; // a replica of it ran or runs on this worker's host: another host's turn
            }
            if (s.worker.id.equals(t.avoidWorker) && t.notBefore != null
                    && now.isBefore(t.notBefore.plus(AVOID_FAILED_WORKER_FOR)) && otherWorkerCanTake(s)) {
                wakeAt(t.notBefore.plus(AVOID_FAILED_WORKER_FOR));
                continue;
            }
            it.remove();
            return t;
        }
        if (job.readsData() && !localityWait.isZero()) {
            return takeNear(job, s, now);
        }
        return job.pollReady();
    }

    /** Ready tasks of a job looked at for one that reads data the worker holds. */
    static final int LOCALITY_SCAN = 64;

    /**
     * Placement near the data: of the first {@link #LOCALITY_SCAN} ready tasks, the first whose chunks this worker holds
     * (as many as any worker holds); else the first that need not wait: it reads no data, no worker that could take
     * it holds its data, or it has waited {@code localityWait} for one. Null if every task waits (the dispatcher wakes
     * when the first wait ends).
     */
    private QueuedTask takeNear(JobRunner job, Session s, Instant now) {
        if (!startsNow(job, s) && anotherStartsNow(job, s)) {
            // into this worker's prefetch only what no other worker can start now, even if this one holds the data: a
            // broadcast job's tasks would otherwise pile up in the prefetch of the worker holding the most chunks
            return null;
        }
        DataSets data = dataSets.get();
        QueuedTask free = null;
        Instant firstDue = null;
        int scanned = 0;
        for (QueuedTask t : job.queue.ready) {
            if (scanned++ == LOCALITY_SCAN) {
                break;
            }
            List<DataSets.Chunks> needs = job.needs(t);
            if (needs.isEmpty()) {
                if (free == null) {
                    free = t;
                }
                continue;
            }
            java.util.Map<String, Integer> held = data.holdings(needs);
            int best = 0;
            boolean bestCanTake = false;
            for (java.util.Map.Entry<String, Integer> e : held.entrySet()) {
                if (e.getValue() > best) {
                    best = e.getValue();
                    bestCanTake = false;
                }
                if (e.getValue() == best && mayTakeSoon(e.getKey())) {
                    bestCanTake = true;
                }
            }
            if (best > 0 && held.getOrDefault(s.worker.id, 0) == best) {
                job.takeReady(t); // local
                return t;
            }
            if (free != null) {
                continue;
            }
            if (t.localSince == null) {
                t.localSince = now;
            }
            Instant due = t.localSince.plus(localityWait);
            if (best == 0 || !bestCanTake || !now.isBefore(due)) {
                free = t;
            } else if (firstDue == null || due.isBefore(firstDue)) {
                firstDue = due;
            }
        }
        if (free != null) {
            job.takeReady(free);
            return free;
        }
        if (firstDue != null) {
            wakeAt(firstDue);
        }
        return null;
    }

    /** Whether the worker can start one of the job's tasks now: a free slot (not prefetch room) and a credit. */
    private static boolean startsNow(JobRunner job, Session s) {
        return s.heldUnits + job.slotsPerTask <= s.worker.slots && s.credits >= job.slotsPerTask;
    }

    /** Whether a worker other than this session's could start one of the job's tasks now. */
    private boolean anotherStartsNow(JobRunner job, Session s) {
        for (WorkerEntry w : workers) {
            Session other = w.session;
            if (w != s.worker && other != null && other.open && !other.draining && w.state == WorkerState.ALIVE
                    && !w.ownerBusy && runsOn(job, w) && startsNow(job, other)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a worker (by id) is connected, alive and not draining: a task may wait a little for it. */
    private boolean mayTakeSoon(String workerId) {
        for (WorkerEntry w : workers) {
            if (w.id.equals(workerId)) {
                return w.session != null && w.session.open && !w.session.draining && w.state == WorkerState.ALIVE
                        && !w.ownerBusy;
            }
        }
        return false;
    }

    private boolean otherWorkerCanTake(Session s) {
        for (WorkerEntry w : workers) {
            if (w != s.worker && w.session != null && w.state == WorkerState.ALIVE && !w.session.draining
                    && !w.ownerBusy) {
                return true;
            }
        }
        return false;
    }

    private void assign(JobRunner job, QueuedTask task, Session s, Instant now, boolean speculative) {
        Attempt a = attempts.start(job, task, s, now);
        a.speculative = speculative;
        CoreMetrics m = metrics.get();
        m.dispatched.increment();
        if (speculative) {
            m.speculated.increment();
        } else if (task.readyNanos != 0) {
            m.dispatchLatency.record(System.nanoTime() - task.readyNanos, TimeUnit.NANOSECONDS);
            task.readyNanos = 0;
        }
        s.credits -= a.units();
        if (s.jobsSent.add(job.id)) {
            // the job's lease epoch as stored: raised by every takeover, so workers refuse the former owner's messages
            s.outbox.jobs.add(new Messages.JobSpec(job.id, job.row.jarSha256(), job.row.jobClass(), job.taskTimeoutMs,
                    job.row.args(), Math.max(job.row.leaseEpoch(), 0), job.row.dataSets()));
            job.knownBy.add(s);
        }
        s.outbox.assignments.add(new Messages.Assignment(a.key(), a.number, task.input, a.units(), task.checkpoint,
                task.checkpointData));
        if (task.checkpoint != null || task.checkpointData != null) {
            // it starts from the checkpoint an earlier attempt saved; counted with the next commit (nothing waits)
            job.resumed++;
            flusher.deferred().resumed(job.id, 1);
        }
        flusher.markDirty(s);
        if (job.state == JobState.QUEUED) {
            job.state = job.state.moveTo(JobState.RUNNING);
            job.startedAt = now;
            // nothing waits for this write: it goes with the next commit (the task's output, at the latest)
            flusher.deferred().job(StoreBatch.JobUpdate.started(job.id, now));
            log.atInfo().addKeyValue("job", job.id).log("job started");
        }
    }

    /**
     * Puts a task back in its job's queue; {@code avoid} is a worker it should not go back to at once. The caller
     * dispatches afterwards (a task due later is dispatched by a timer).
     */
    void requeue(JobRunner job, QueuedTask task, String avoid, Instant notBefore) {
        if (job.quorum > 1) {
            requeueReplica(job, task, notBefore);
            return;
        }
        if (!job.dispatchable() || task.finished() || task.live > 0) {
            return; // ... or another attempt of it runs on
        }
        task.moveTo(TaskState.QUEUED);
        task.avoidWorker = avoid;
        task.notBefore = notBefore;
        task.readyNanos = System.nanoTime();
        job.queue.retry(task);
        if (notBefore != null) {
            wakeAt(notBefore);
        }
    }

    /**
     * A replica of a quorum job's task failed, was lost or given back: the task waits for another (other replicas of it
     * may run on), after {@code notBefore} if not null.
     */
    private void requeueReplica(JobRunner job, QueuedTask task, Instant notBefore) {
        if (!job.dispatchable() || task.finished()) {
            return;
        }
        if (task.live == 0 && task.state == TaskState.RUNNING) {
            task.moveTo(TaskState.QUEUED);
        }
        task.notBefore = notBefore;
        task.readyNanos = System.nanoTime();
        Quorum.queueIfWanted(job, task);
        if (notBefore != null) {
            wakeAt(notBefore);
        }
    }

    /** Dispatches again at {@code at} (a retry falls due), unless a wake-up no later than that is scheduled. */
    private void wakeAt(Instant at) {
        Instant now = loop.now();
        if (nextWake != null && !nextWake.isAfter(at) && nextWake.isAfter(now)) {
            return;
        }
        nextWake = at;
        loop.schedule(Duration.ofMillis(Math.max(1, Duration.between(now, at).toMillis() + 1)), () -> {
            if (nextWake != null && !nextWake.isAfter(loop.now())) {
                nextWake = null;
            }
            dispatchHungry();
        });
    }
}
