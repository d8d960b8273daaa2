package io.gridwork.master.core;

import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.StoredTask;
import io.gridwork.master.store.WorkerEventRow;
import io.gridwork.master.store.WorkerRegistration;
import io.gridwork.master.store.WorkerRow;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every worker the master knows, by id, across its incarnations: registration (through the journal, in the order
 * registrations reach the loop), streams and their outboxes, the messages that come on them, drains, and, after a
 * master restart, taking back the tasks workers still hold (adoption). It applies the {@link Liveness} verdicts.
 * Loop-confined.
 */
final class WorkerRegistry {

    private static final Logger log = LoggerFactory.getLogger(WorkerRegistry.class);

    /** A closed stream that holds tasks adopted after a restart until the worker's stream opens. */
    private static final Messages.WorkerLink NO_LINK = new Messages.WorkerLink() {
        @Override
        public void send(Messages.Outbound message) {
        }

        @Override
        public void close(String reason) {
        }
    };

    private final SchedulerOptions options;
    private final Loop loop;
    private final Flusher flusher;
    private final Map<String, WorkerEntry> workers;
    private final AttemptTable attempts;
    private final Dispatcher dispatcher;
    private final TaskOutcomes outcomes;
    private final Jobs jobs;
    private final Liveness liveness;
    private final WorkerEvents events;
    private final Prober prober;
    private final Supplier<CoreMetrics> metrics;
    /** Task checkpoints ({@link #checkpoints(Checkpoints)}; set once, before the first message). */
    private Checkpoints checkpoints;
    /** After a restart: workers that were alive before and have not registered again yet. */
    private final Set<String> awaited = new HashSet<>();
    private Instant adoptionUntil;
    /**
     * Takeovers announced within the last adoption grace period, with when: told again to each worker whose stream
     * opens meanwhile, so a worker that was away brings back the tasks of those jobs too.
     */
    private final Map<Messages.Takeover, Instant> recentTakeovers = new java.util.LinkedHashMap<>();
    /** Health checks of another master that workers make for this one (ids below zero), by probe id. */
    private final Map<Long, PeerProbe> peerProbes = new HashMap<>();
    private long nextPeerProbe = -1;
    /** Who answers registrations: this master's id and epoch, and the grid's live masters. */
    private String selfId = "";
    private long selfEpoch;
    private List<Messages.MasterEndpoint> masters = List.of();

    /** One check of another master through workers: reachable by any, or by none of those asked. */
    private static final class PeerProbe {
        final CompletableFuture<Optional<Boolean>> done;
        int pending;

        PeerProbe(CompletableFuture<Optional<Boolean>> done, int pending) {
            this.done = done;
            this.pending = pending;
        }
    }

    WorkerRegistry(SchedulerOptions options, Loop loop, Flusher flusher, Map<String, WorkerEntry> workers, AttemptTable attempts, Dispatcher dispatcher, TaskOutcomes outcomes,
            Jobs jobs, Liveness liveness, WorkerEvents events, Prober prober, Supplier<CoreMetrics> metrics) {
        this.options = options;
        this.loop = loop;
        this.flusher = flusher;
        this.workers = workers;
        this.attempts = attempts;
        this.dispatcher = dispatcher;
        this.outcomes = outcomes;
        this.jobs = jobs;
        this.liveness = liveness;
        this.events = events;
        this.prober = prober;
        this.metrics = metrics;
    }

    /** Where the tasks' checkpoints go (the scheduler sets it once, as it builds the core). */
    void checkpoints(Checkpoints checkpoints) {
        this.checkpoints = checkpoints;
    }

    /** The workers known before a restart; those that were alive have {@code adoptionGrace} to come back. */
    void restore(List<WorkerRow> rows) {
        Instant now = loop.now();
        for (WorkerRow row : rows) {
            workers.put(row.id(), new WorkerEntry(row, now));
            if (!row.state().isDeparted()) {
                awaited.add(row.id());
            }
        }
        if (!awaited.isEmpty()) {
            adoptionUntil = now.plus(options.adoptionGrace());
        }
    }

    /** Who answers registrations from now on (at start, and after stepping down under a new identity). */
    void identity(String id, long epoch) {
        selfId = id;
        selfEpoch = epoch;
    }

    /**
     * After a takeover: the workers connected now may hold tasks of the jobs taken over; the jobs resumed from now on
     * are held until each of them registered again (with the tasks it holds) or {@code adoptionGrace} passed.
     * Returns whether there is anyone to wait for.
     */
    boolean openAdoption() {
        Set<String> connected = new HashSet<>();
        for (WorkerEntry w : workers.values()) {
            if (w.session != null && w.session.open && !w.state.isDeparted()) {
                connected.add(w.id);
            }
        }
        if (connected.isEmpty()) {
            return false;
        }
        awaited.addAll(connected);
        Instant until = loop.now().plus(options.adoptionGrace());
        if (adoptionUntil == null || adoptionUntil.isBefore(until)) {
            adoptionUntil = until;
        }
        return true;
    }

    /** Sends every open stream the grid's live masters, if they changed. */
    void masters(List<Messages.MasterEndpoint> live) {
        if (live.equals(masters)) {
            return;
        }
        masters = List.copyOf(live);
        for (WorkerEntry w : workers.values()) {
            if (w.session != null && w.session.open) {
                w.session.outbox.masters = masters;
                flusher.markDirty(w.session);
            }
        }
    }

    /** Tells every open stream that this master took over jobs of a failed one. Returns how many were told. */
    int announce(Messages.Takeover takeover) {
        recentTakeovers.put(takeover, loop.now()); // and to each worker that connects in the grace period
        int n = 0;
        for (WorkerEntry w : workers.values()) {
            if (w.session != null && w.session.open) {
                w.session.outbox.takeovers.add(takeover);
                flusher.markDirty(w.session);
                n++;
            }
        }
        return n;
    }

    /**
     * Asks up to {@code max} connected workers to health-check another master at {@code host:port}; {@code done}
     * completes with whether one reached it, or empty if no worker could be asked. Never fails.
     */
    void probeMaster(String host, int port, Duration timeout, int max, CompletableFuture<Optional<Boolean>> done) {
        List<Session> asked = new ArrayList<>();
        for (WorkerEntry w : workers.values()) {
            if (asked.size() < max && w.session != null && w.session.open && !w.session.draining
                    && w.state == WorkerState.ALIVE) {
                asked.add(w.session);
            }
        }
        if (asked.isEmpty()) {
            done.complete(Optional.empty());
            return;
        }
        PeerProbe probe = new PeerProbe(done, asked.size());
        List<Long> ids = new ArrayList<>();
        for (Session s : asked) {
            long id = nextPeerProbe--;
            ids.add(id);
            peerProbes.put(id, probe);
            s.outbox.probes.add(new Messages.ProbeRequest(id, "master", host, port, timeout.toMillis()));
            flusher.markDirty(s);
        }
        loop.schedule(timeout.multipliedBy(2), () -> {
            ids.forEach(peerProbes::remove);
            done.complete(Optional.of(false));
        });
    }

    private void peerProbeAnswered(Messages.ProbeResult p) {
        PeerProbe probe = peerProbes.remove(p.probeId());
        if (probe == null) {
            return;
        }
        probe.pending--;
        if (p.reachable()) {
            probe.done.complete(Optional.of(true));
        } else if (probe.pending == 0) {
            probe.done.complete(Optional.of(false));
        }
    }

    /**
     * The master was fenced: every stream is closed (its workers register again, with the tasks they hold) without a
     * write, and the adoption window is forgotten. The tasks the streams held belong to the jobs dropped.
     */
    void dropStreams(String reason) {
        for (WorkerEntry e : workers.values()) {
            e.parked = null;
            Session s = e.session;
            if (s != null) {
                e.session = null;
                if (s.open) {
                    s.open = false;
                    dispatcher.forget(s);
                    flusher.forget(s);
                    s.link.close(reason);
                }
            }
        }
        awaited.clear();
        adoptionUntil = null;
        recentTakeovers.clear();
        peerProbes.clear();
    }

    /** How many workers have an open stream. */
    int connected() {
        int n = 0;
        for (WorkerEntry w : workers.values()) {
            if (w.session != null && w.session.open) {
                n++;
            }
        }
        return n;
    }

    /** Whether resumed jobs wait for their workers to come back. */
    boolean adopting() {
        return adoptionUntil != null;
    }

    WorkerEntry find(String idOrName) {
        WorkerEntry w = workers.get(idOrName);
        if (w == null) {
            for (WorkerEntry e : workers.values()) {
                if (e.name.equals(idOrName)) {
                    w = e;
                }
            }
        }
        return w;
    }

    // ------------------------------------------------------------------------------------------ registration

    /**
     * Records a registration through the journal, then admits the new incarnation: of the tasks it holds, those
     * still assigned to it (or, from before a restart, {@code fromBefore}, if no one else has them) are kept.
     */
    void register(WorkerRegistration registration, List<Messages.TaskKey> held,
            Map<Messages.TaskKey, StoredTask> fromBefore, CompletableFuture<RegisterOutcome> done) {
        register(registration, held, fromBefore, Set.of(), done);
    }

    /**
     * The same; {@code othersJobs} are held tasks of jobs another live master owns: neither kept nor dropped here (the
     * worker keeps them for their owner).
     */
    void register(WorkerRegistration registration, List<Messages.TaskKey> held,
            Map<Messages.TaskKey, StoredTask> fromBefore, Set<Messages.TaskKey> othersJobs,
            CompletableFuture<RegisterOutcome> done) {
        StoreBatch.Generated<WorkerRow> row = flusher.writes().registerWorker(registration);
        flusher.afterCommit(() -> {
            try {
                RegisterOutcome outcome = admit(row.get(), held, fromBefore, othersJobs);
                WorkerEntry entry = workers.get(row.get().id());
                if (entry != null) {
                    entry.costFactor = registration.costFactor();
                }
                done.complete(outcome);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                throw e;
            }
        });
        flusher.onFailure(done::completeExceptionally);
    }

    private RegisterOutcome admit(WorkerRow row, List<Messages.TaskKey> held, Map<Messages.TaskKey, StoredTask> fromBefore,
            Set<Messages.TaskKey> othersJobs) {
        Instant now = loop.now();
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
            if (othersJobs.contains(key) && jobs.active(key.jobId()) == null) {
                continue; // another master's job: the worker keeps it for its owner
            }
            Attempt a = attempts.get(key.attemptId());
            boolean ours = a != null && a.session.worker == entry && !a.completing && a.job.id.equals(key.jobId())
                    && a.task.index == key.index();
            if (ours || (fromBefore.containsKey(key) && adopt(entry, key, fromBefore.get(key), now))) {
                keep.add(key);
                kept.add(key.attemptId());
            } else {
                drop.add(key);
                outcomes.reject(null, key, null);
            }
        }
        boolean crashed = entry.streamBroke;
        for (Attempt a : attempts.orphans(entry)) {
            if (!kept.contains(a.id)) {
                outcomes.lose(a, "worker " + entry.name + " came back without it", crashed);
            }
        }
        entry.streamBroke = false;
        apply(liveness.registered(entry, before, row.incarnation()));
        persist(entry);
        if (awaited.remove(entry.id) && awaited.isEmpty()) {
            releaseAdoption("every worker that was alive before the restart is back");
        }
        if (!keep.isEmpty() || !drop.isEmpty()) {
            log.atInfo().addKeyValue("worker", row.name()).log("worker holds {} tasks: keeps {}, drops {} (reassigned or done)",
                    held.size(), keep.size(), drop.size());
        }
        dispatcher.dispatchHungry();
        return new RegisterOutcome(row.id(), row.incarnation(), keep, drop, selfId, selfEpoch, masters);
    }

    /** Takes back a task that was running before the master restarted, for the worker that still holds it. */
    private boolean adopt(WorkerEntry entry, Messages.TaskKey key, StoredTask stored, Instant now) {
        JobRunner job = jobs.active(key.jobId());
        if (job == null || !job.adoptable(key.index())) {
            return false;
        }
        QueuedTask task = job.adopt(stored);
        if (entry.parked == null) {
            entry.parked = new Session(entry, entry.incarnation, NO_LINK);
            entry.parked.open = false;
        }
        attempts.add(key.attemptId(), job, task, entry.parked, now);
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
                apply(liveness.dead(w, "it did not reconnect within " + options.adoptionGrace().toSeconds()
                        + " s of the master restart", false, attempts::heldBy));
            }
        }
        awaited.clear();
        int resumed = jobs.releaseHeld();
        if (resumed > 0) {
            log.info("{} resumed jobs dispatch again: {}", resumed, why);
        }
        dispatcher.dispatchHungry();
    }

    // ------------------------------------------------------------------------------------------ streams

    /** Opens the stream of a registered incarnation; {@code name}, if not null, must be the worker's. */
    Session connect(String workerId, long incarnation, String name, Messages.WorkerLink link) {
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
        flusher.opened(session);
        if (!recentTakeovers.isEmpty()) {
            // a worker that was away when jobs were taken over learns it now, so it brings back their tasks
            session.outbox.takeovers.addAll(recentTakeovers.keySet());
            flusher.markDirty(session);
        }
        entry.lastHeartbeat = loop.now();
        attempts.moveOrphans(entry, session); // attempts it kept when it registered again
        entry.parked = null;
        persist(entry);
        return session;
    }

    /**
     * Idle owners (issue 19): what a worker says of its owner, at registration (by id) or on its current stream. A busy
     * owner: the worker gets no tasks (it withdraws its credits and hands back what it has not started itself); it
     * stays ALIVE for the failure detector, and shows OWNER_BUSY. Idle again: it takes tasks again.
     */
    void owner(String workerId, Session session, boolean policy, boolean busy, String reason) {
        WorkerEntry w;
        if (session != null) {
            if (!session.open || session.worker.session != session) {
                return; // an older stream's
            }
            w = session.worker;
        } else {
            w = workers.get(workerId);
            if (w == null) {
                return;
            }
        }
        boolean was = w.ownerBusy;
        w.ownerPolicy = policy;
        w.ownerBusy = policy && busy;
        String why = reason == null || reason.isBlank() ? "owner busy" : reason;
        w.ownerReason = w.ownerBusy ? (why.length() > 1000 ? why.substring(0, 1000) : why) : "";
        if (w.ownerBusy == was) {
            return;
        }
        log.atInfo().addKeyValue("worker", w.name).log("worker ({}) {}", w.id,
                w.ownerBusy ? "takes no tasks, its owner is busy: " + w.ownerReason : "is back: its owner is idle");
        if (w.session != null && w.session.open) {
            if (w.ownerBusy) {
                dispatcher.forget(w.session);
            } else {
                dispatcher.dispatch(w.session);
            }
        }
    }

    /** The stream ended: cleanly after draining (the worker left), or it broke (the worker is probed at once). */
    void closed(Session session, String cause, boolean clean) {
        if (!session.open) {
            return;
        }
        WorkerEntry w = session.worker;
        if (clean && session.draining) {
            closeSession(session, cause, false);
            if (w.session == null) {
                apply(liveness.left(w, "it drained and left"));
            }
        } else {
            closeSession(session, cause, true);
            if (w.session == null) {
                apply(liveness.streamBroke(w, cause, loop.now(), workers.values(), attempts::heldBy));
            }
        }
    }

    /**
     * Ends a stream: its attempts are lost and go back to their jobs, unless {@code keepTasks} (the worker may come
     * back for them). The stream is closed on the wire too.
     */
    void closeSession(Session s, String cause, boolean keepTasks) {
        s.open = false;
        s.link.close(cause);
        dispatcher.forget(s);
        flusher.forget(s);
        WorkerEntry w = s.worker;
        if (w.session == s) {
            w.session = null;
        }
        for (String jobId : s.jobsSent) {
            JobRunner job = jobs.active(jobId);
            if (job != null) {
                job.knownBy.remove(s);
            }
        }
        if (!keepTasks && !s.attempts.isEmpty()) {
            for (Attempt a : new ArrayList<>(s.attempts.values())) {
                outcomes.lose(a, cause, false);
            }
            dispatcher.dispatchHungry();
        }
        flusher.schedule();
    }

    /** A message on a worker's stream (ignored unless the stream is its worker's current one). */
    void message(Session s, Messages.Inbound m) {
        WorkerEntry w = s.worker;
        if (!s.open || w.session != s) {
            return;
        }
        Instant now = loop.now();
        apply(liveness.heard(w, now));
        if (m.heartbeatSeq() >= 0) {
            s.outbox.heartbeatAck = m.heartbeatSeq();
            flusher.markDirty(s);
        }
        for (Messages.ProbeResult p : m.probeResults()) {
            if (p.probeId() < 0) {
                peerProbeAnswered(p);
                continue;
            }
            apply(liveness.probeResult(p, now, attempts::heldBy));
        }
        for (Messages.Checkpoint c : m.checkpoints()) {
            checkpoints.received(s, c, now); // before the results: a task's last save comes before its end
        }
        for (Messages.Result r : m.results()) {
            outcomes.result(s, r, now);
        }
        for (Messages.TaskKey key : m.started()) {
            Attempt a = s.attempts.get(key.attemptId());
            if (a != null) {
                attempts.started(a, now);
            }
        }
        for (Messages.Progress p : m.progress()) {
            Attempt a = s.attempts.get(p.key().attemptId());
            if (a != null) {
                attempts.started(a, now);
                a.progress = p.fraction();
                a.lastProgress = now;
            }
        }
        for (Messages.TaskKey key : m.crashed()) {
            Attempt a = s.attempts.get(key.attemptId());
            if (a != null) {
                outcomes.lose(a, "it called System.exit on worker " + w.name, true);
            }
        }
        if (m.draining() && !s.draining) {
            s.draining = true;
            dispatcher.forget(s);
            apply(liveness.draining(w, "it is shutting down"));
        }
        if (m.credit() < 0) {
            // the worker withdraws credits it no longer wants (first, so that what it releases goes elsewhere)
            s.credits = Math.max(0, s.credits + m.credit());
            if (s.credits == 0) {
                dispatcher.forget(s);
            }
        }
        for (Messages.TaskKey key : m.released()) {
            Attempt a = s.attempts.get(key.attemptId());
            if (a != null) {
                outcomes.released(a);
            }
        }
        if (m.credit() > 0) {
            int capacity = w.slots + w.prefetch - s.heldUnits;
            s.credits = Math.max(0, Math.min(s.credits + m.credit(), capacity));
            dispatcher.dispatch(s);
        }
        if (!m.released().isEmpty() || !m.crashed().isEmpty()) {
            dispatcher.dispatchHungry();
        }
    }

    /** An operator drains (or undrains) a worker; stored, so it outlives restarts. */
    WorkerSnapshot drain(String worker, boolean drain, String by) {
        WorkerEntry w = find(worker);
        if (w == null) {
            throw CoreException.notFound("worker: no worker named " + worker);
        }
        if (w.drainRequested != drain) {
            w.drainRequested = drain;
            List<Liveness.Verdict> verdicts = liveness.drainRequested(w, drain, by == null || by.isEmpty() ? "an operator" : by);
            if (verdicts.isEmpty()) {
                log.atInfo().addKeyValue("worker", w.name).log("worker ({}) {} by {} while {}", w.id,
                        drain ? "drained" : "undrained", by, w.state);
            }
            apply(verdicts);
            persist(w);
            if (w.session != null) {
                if (drain) {
                    // tasks it holds but has not started go elsewhere; the running ones finish
                    dispatcher.forget(w.session);
                    w.session.outbox.releaseUnstarted = true;
                    flusher.markDirty(w.session);
                } else {
                    dispatcher.dispatch(w.session);
                }
            }
        }
        return w.snapshot(WorkerSpeeds.gridLogPace(workers.values()));
    }

    /** Periodic: the failure detector, and the end of the adoption window after a restart. */
    void tick(Instant now) {
        apply(liveness.tick(workers.values(), now, attempts::heldBy));
        recentTakeovers.values().removeIf(at -> now.isAfter(at.plus(options.adoptionGrace())));
        if (adoptionUntil != null && now.isAfter(adoptionUntil)) {
            releaseAdoption("the adoption grace period ended");
        }
    }

    /** At shutdown: every stream is told, after what is queued for it. */
    void closeAll() {
        for (WorkerEntry e : workers.values()) {
            if (e.session != null && e.session.open) {
                Session s = e.session;
                flusher.send(s);
                s.open = false;
                e.session = null;
                s.link.close("the master is shutting down");
            }
        }
    }

    // ------------------------------------------------------------------------------------------ verdicts

    /** Applies what the failure detector decided, in order. */
    void apply(List<Liveness.Verdict> verdicts) {
        for (Liveness.Verdict v : verdicts) {
            if (v instanceof Liveness.Verdict.Changed c) {
                changed(c);
            } else if (v instanceof Liveness.Verdict.ProbeDirect p) {
                prober.probe(p.address(), p.port(), p.timeout()).whenComplete((outcome, error) -> loop.post(() ->
                        apply(liveness.answered(p.worker(), p.suspicion(), p.round(), "direct",
                                outcome != null && outcome.reachable(),
                                outcome != null ? outcome.detail() : String.valueOf(error), loop.now(),
                                attempts::heldBy))));
            } else if (v instanceof Liveness.Verdict.ProbeViaPeer p) {
                p.peer().session.outbox.probes.add(p.probe());
                flusher.markDirty(p.peer().session);
                loop.schedule(p.answerWithin(), () -> apply(liveness.unanswered(p.probe().probeId(), loop.now(),
                        attempts::heldBy)));
            } else if (v instanceof Liveness.Verdict.ProbeAgain p) {
                loop.schedule(p.after(), () -> apply(liveness.nextRound(p.worker(), p.suspicion(), loop.now(),
                        workers.values(), attempts::heldBy)));
            } else if (v instanceof Liveness.Verdict.CloseStream c) {
                if (c.worker().session != null && c.worker().session.open) {
                    closeSession(c.worker().session, c.reason(), true);
                }
            } else if (v instanceof Liveness.Verdict.Dead d) {
                dead(d);
            }
        }
    }

    private void changed(Liveness.Verdict.Changed c) {
        WorkerEntry w = c.worker();
        if (c.state() != null && w.state != c.state()) {
            w.state = w.state.moveTo(c.state());
        }
        Instant now = loop.now();
        WorkerEvent e = events.record(w, c.type(), c.reason(), now);
        flusher.writes().worker(update(w)).workerEvent(new WorkerEventRow(0, w.id, w.name, c.type(), c.reason(),
                w.incarnation, e.at()));
        if (c.state() == WorkerState.ALIVE && w.session != null && w.session.open) {
            dispatcher.dispatch(w.session);
        }
    }

    /** A dead worker: its stream is closed and the tasks it kept go elsewhere at once. */
    private void dead(Liveness.Verdict.Dead d) {
        WorkerEntry w = d.worker();
        if (w.session != null) {
            closeSession(w.session, "declared dead: " + d.reason(), true);
        }
        List<Attempt> orphans = attempts.orphans(w);
        for (Attempt a : orphans) {
            outcomes.lose(a, "worker " + w.name + " died: " + d.reason(), d.crashed());
        }
        if (!orphans.isEmpty()) {
            dispatcher.dispatchHungry();
        }
        if (d.troubleSince() != 0) {
            metrics.get().detectionToReassignment.record(System.nanoTime() - d.troubleSince(), TimeUnit.NANOSECONDS);
        }
    }

    private void persist(WorkerEntry w) {
        flusher.writes().worker(update(w));
    }

    static StoreBatch.WorkerUpdate update(WorkerEntry w) {
        return new StoreBatch.WorkerUpdate(w.id, w.state, w.lastHeartbeat, w.drainRequested);
    }
}
