package io.gridwork.master.core;

import io.gridwork.master.model.WorkerEventType;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.WorkerEventRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failure detector, following the design's procedure. When a worker's heartbeats stop (for
 * {@code missedHeartbeats} intervals) or its stream breaks, it becomes SUSPECT and gets no new tasks; the master
 * then health-checks it over a connection of its own (the direct path) and asks up to {@code indirectProbes}
 * other live workers to do the same (the indirect path), and repeats this once more before it concludes:
 * <ul>
 *   <li>answers on some path but not over its stream: LINK_FAILED; its tasks are kept for {@code linkGrace} so
 *       it can reconnect and take them back, and it is probed again while the grace lasts;</li>
 *   <li>answers on no path: DEAD; its tasks go elsewhere at once.</li>
 * </ul>
 * A worker whose heartbeats resume is ALIVE again; one that registers again after LINK_FAILED or DEAD is
 * RECOVERED. Every change is an event: logged, stored, and sent to everyone who watches.
 *
 * <p>Loop-confined, like the {@link Scheduler} it belongs to.
 */
final class Liveness {

    private static final Logger log = LoggerFactory.getLogger(Liveness.class);
    private static final int RECENT_EVENTS = 1000;

    /** One probe cycle of a suspected worker. */
    static final class Suspicion {
        final long id;
        final boolean streamBroke;
        final boolean reprobe;
        int round;
        int pending;
        boolean reachable;
        final List<String> findings = new ArrayList<>();

        Suspicion(long id, boolean streamBroke, boolean reprobe) {
            this.id = id;
            this.streamBroke = streamBroke;
            this.reprobe = reprobe;
        }
    }

    private record PendingProbe(WorkerEntry target, Suspicion suspicion, int round, String via) {}

    private final Scheduler scheduler;
    private final SchedulerOptions options;
    private final Prober prober;
    private final Map<Long, PendingProbe> pendingProbes = new HashMap<>();
    private final Deque<WorkerEvent> recent = new ArrayDeque<>();
    private final List<Consumer<WorkerEvent>> watchers = new ArrayList<>();
    private long nextSuspicionId = 1;
    private long nextProbeId = 1;
    private long nextEventSeq = 1;

    Liveness(Scheduler scheduler, SchedulerOptions options, Prober prober) {
        this.scheduler = scheduler;
        this.options = options;
        this.prober = prober;
    }

    // ------------------------------------------------------------------------------------------ signals

    /** Any message on a worker's current stream: it is alive. */
    void heard(WorkerEntry w, Instant now) {
        w.lastHeartbeat = now;
        if ((w.state == WorkerState.SUSPECT || w.state == WorkerState.LINK_FAILED) && w.session != null && w.session.open) {
            WorkerState before = w.state;
            w.suspicion = null;
            change(w, WorkerState.ALIVE, before == WorkerState.LINK_FAILED ? WorkerEventType.RECOVERED : WorkerEventType.ALIVE,
                    "heartbeats resumed");
            scheduler.dispatch(w.session);
        }
    }

    /** A worker registered (first time, or again); {@code before} is its state before, null if new. */
    void registered(WorkerEntry w, WorkerState before, long incarnation) {
        w.suspicion = null;
        w.linkFailedAt = null;
        if (before == null) {
            w.state = WorkerState.ALIVE;
            event(w, WorkerEventType.ALIVE, "joined (incarnation " + incarnation + ")");
            return;
        }
        WorkerEventType type = before == WorkerState.LINK_FAILED || before == WorkerState.DEAD
                ? WorkerEventType.RECOVERED : WorkerEventType.ALIVE;
        String reason = (before == WorkerState.ALIVE ? "registered again" : "back after " + before)
                + " (incarnation " + incarnation + ")";
        if (before == WorkerState.ALIVE) {
            event(w, type, reason);
        } else {
            change(w, WorkerState.ALIVE, type, reason);
        }
    }

    /** The worker's stream ended without a clean goodbye: probe it at once. */
    void streamBroke(WorkerEntry w, String cause) {
        w.streamBroke = true;
        suspect(w, cause, true);
    }

    /** The worker left cleanly (it drained and closed its stream). */
    void left(WorkerEntry w, String why) {
        w.suspicion = null;
        change(w, WorkerState.LEFT, WorkerEventType.LEFT, why);
    }

    /** The worker takes no new tasks. */
    void draining(WorkerEntry w, String why) {
        if (w.state == WorkerState.ALIVE) {
            change(w, WorkerState.DRAINING, WorkerEventType.DRAINING, why);
        }
    }

    /** An operator drained or undrained the worker: no new tasks while drained, running ones finish. */
    void drainRequested(WorkerEntry w, boolean drain, String by) {
        if (drain && w.state == WorkerState.ALIVE) {
            change(w, WorkerState.DRAINING, WorkerEventType.DRAINING, "drained by " + by + "; its running tasks finish");
        } else if (!drain && w.state == WorkerState.DRAINING && w.session != null && w.session.open
                && !w.session.draining) {
            change(w, WorkerState.ALIVE, WorkerEventType.ALIVE, "undrained by " + by);
        } else {
            log.atInfo().addKeyValue("worker", w.name).log("worker ({}) {} by {} while {}", w.id, drain ? "drained" : "undrained",
                    by, w.state);
        }
    }

    /** Periodic: start probing silent workers, end link failures whose grace ran out, probe them again meanwhile. */
    void tick(Instant now) {
        for (WorkerEntry w : new ArrayList<>(scheduler.workerEntries())) {
            switch (w.state) {
                case ALIVE:
                case DRAINING: {
                    if (w.session == null || w.suspicion != null) {
                        break;
                    }
                    Duration silent = Duration.between(w.lastHeartbeat, now);
                    if (silent.compareTo(options.suspectAfter()) > 0) {
                        suspect(w, "no heartbeat for " + silent.toMillis() + " ms", false);
                    }
                    break;
                }
                case LINK_FAILED: {
                    if (w.linkFailedAt != null && now.isAfter(w.linkFailedAt.plus(options.linkGrace()))) {
                        dead(w, "its link failure lasted longer than the " + options.linkGrace().toSeconds()
                                + " s grace period", false);
                    } else if (w.suspicion == null && (w.lastProbeAt == null
                            || now.isAfter(w.lastProbeAt.plus(options.linkReprobeInterval())))) {
                        startCycle(w, false, true);
                    }
                    break;
                }
                default:
                    break;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ probing

    private void suspect(WorkerEntry w, String reason, boolean streamBroke) {
        if (w.state.isDeparted()) {
            return;
        }
        if (w.suspicion != null && !w.suspicion.reprobe) {
            return; // a cycle is under way
        }
        if (w.state == WorkerState.ALIVE || w.state == WorkerState.DRAINING) {
            change(w, WorkerState.SUSPECT, WorkerEventType.SUSPECT, reason + "; probing it");
        }
        if (w.troubleNanos == 0) {
            w.troubleNanos = System.nanoTime();
        }
        startCycle(w, streamBroke, false);
    }

    private void startCycle(WorkerEntry w, boolean streamBroke, boolean reprobe) {
        w.suspicion = new Suspicion(nextSuspicionId++, streamBroke, reprobe);
        round(w, w.suspicion);
    }

    private void round(WorkerEntry w, Suspicion s) {
        s.round++;
        s.pending = 0;
        s.reachable = false;
        w.lastProbeAt = scheduler.now();
        int round = s.round;
        if (w.healthPort > 0 && w.address != null && !w.address.isEmpty()) {
            s.pending++;
            String via = "direct";
            prober.probe(w.address, w.healthPort, options.probeTimeout())
                    .whenComplete((outcome, error) -> scheduler.post(() -> answered(w, s, round, via,
                            outcome != null && outcome.reachable(),
                            outcome != null ? outcome.detail() : String.valueOf(error))));
        } else {
            s.findings.add("direct: the worker has no health port");
        }
        for (WorkerEntry peer : peers(w)) {
            long id = nextProbeId++;
            String via = "via " + peer.name;
            pendingProbes.put(id, new PendingProbe(w, s, round, via));
            s.pending++;
            scheduler.sendProbe(peer.session, new Messages.ProbeRequest(id, w.id, w.address, w.healthPort,
                    options.probeTimeout().toMillis()));
            scheduler.timer().schedule(() -> scheduler.post(() -> {
                PendingProbe p = pendingProbes.remove(id);
                if (p != null) {
                    answered(p.target(), p.suspicion(), p.round(), p.via(), false, "no answer in time");
                }
            }), options.probeTimeout().toMillis() + 500, TimeUnit.MILLISECONDS);
        }
        if (s.pending == 0) {
            concluded(w, s);
        }
    }

    private List<WorkerEntry> peers(WorkerEntry target) {
        List<WorkerEntry> peers = new ArrayList<>();
        if (target.healthPort <= 0) {
            return peers;
        }
        for (WorkerEntry w : scheduler.workerEntries()) {
            if (peers.size() >= options.indirectProbes()) {
                break;
            }
            // a drained worker is healthy and connected: it takes no tasks but can still check on others
            boolean live = w.state == WorkerState.ALIVE || (w.state == WorkerState.DRAINING && w.drainRequested);
            if (w != target && live && w.session != null && w.session.open) {
                peers.add(w);
            }
        }
        return peers;
    }

    /** A worker answered an indirect probe. */
    void probeResult(Messages.ProbeResult result) {
        PendingProbe p = pendingProbes.remove(result.probeId());
        if (p != null) {
            answered(p.target(), p.suspicion(), p.round(), p.via(), result.reachable(), result.detail());
        }
    }

    private void answered(WorkerEntry w, Suspicion s, int round, String via, boolean reachable, String detail) {
        if (w.suspicion != s || s.round != round) {
            return; // a finished or superseded cycle
        }
        s.pending--;
        s.findings.add(via + ": " + (reachable ? "reachable" : detail));
        if (reachable) {
            s.reachable = true;
            concluded(w, s);
        } else if (s.pending == 0) {
            concluded(w, s);
        }
    }

    private void concluded(WorkerEntry w, Suspicion s) {
        if (s.reachable) {
            w.suspicion = null;
            boolean streamFine = w.session != null && w.session.open && Duration.between(w.lastHeartbeat,
                    scheduler.now()).compareTo(options.suspectAfter()) <= 0;
            if (streamFine) {
                if (w.state != WorkerState.ALIVE) {
                    change(w, WorkerState.ALIVE, w.state == WorkerState.LINK_FAILED ? WorkerEventType.RECOVERED
                            : WorkerEventType.ALIVE, "answered its probes and heartbeats resumed");
                    scheduler.dispatch(w.session);
                }
                return;
            }
            if (w.state != WorkerState.LINK_FAILED) {
                w.linkFailedAt = scheduler.now();
                int held = scheduler.tasksOf(w);
                change(w, WorkerState.LINK_FAILED, WorkerEventType.LINK_FAILED, "reachable by health check ("
                        + String.join(", ", s.findings) + ") but not over its stream; keeping its " + held
                        + " tasks for " + options.linkGrace().toSeconds() + " s");
            }
            if (w.session != null && w.session.open) {
                scheduler.closeSession(w.session, "its stream is silent; reconnect", true);
            }
            return;
        }
        if (s.round < options.probeRounds()) {
            scheduler.timer().schedule(() -> scheduler.post(() -> {
                if (w.suspicion == s) {
                    round(w, s);
                }
            }), options.probeInterval().toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        w.suspicion = null;
        dead(w, "unreachable on every path (" + String.join(", ", s.findings) + ")", s.streamBroke || w.streamBroke);
    }

    /** Declares a worker dead: its stream is closed and its tasks go elsewhere at once. */
    void dead(WorkerEntry w, String reason, boolean crashed) {
        if (w.state.isDeparted()) {
            return;
        }
        w.suspicion = null;
        if (w.session != null) {
            scheduler.closeSession(w.session, "declared dead: " + reason, true);
        }
        int lost = scheduler.tasksOf(w);
        change(w, WorkerState.DEAD, WorkerEventType.DEAD, reason + (lost > 0 ? "; reassigning its " + lost + " tasks" : ""));
        scheduler.loseOrphans(w, "worker " + w.name + " died: " + reason, crashed);
        if (lost > 0 && w.troubleNanos != 0) {
            scheduler.metrics().detectionToReassignment.record(System.nanoTime() - w.troubleNanos, TimeUnit.NANOSECONDS);
        }
        w.troubleNanos = 0;
    }

    // ------------------------------------------------------------------------------------------ events

    private void change(WorkerEntry w, WorkerState state, WorkerEventType type, String reason) {
        if (state == WorkerState.ALIVE) {
            w.troubleNanos = 0;
        }
        if (state == WorkerState.ALIVE && w.drainRequested) {
            state = WorkerState.DRAINING;
            reason = reason + "; it stays drained";
        }
        if (w.state != state) {
            w.state = w.state.moveTo(state);
        }
        event(w, type, reason);
    }

    private void event(WorkerEntry w, WorkerEventType type, String reason) {
        WorkerEvent e = new WorkerEvent(nextEventSeq++, w.id, w.name, type, reason, w.incarnation, scheduler.now());
        log.atInfo().addKeyValue("worker", w.name).log("worker ({}) {}: {}", w.id, type, reason);
        recent.addLast(e);
        while (recent.size() > RECENT_EVENTS) {
            recent.removeFirst();
        }
        scheduler.persist(w, new WorkerEventRow(0, w.id, w.name, type, reason, w.incarnation, e.at()));
        for (Consumer<WorkerEvent> watcher : new ArrayList<>(watchers)) {
            try {
                watcher.accept(e);
            } catch (RuntimeException ex) {
                log.debug("a worker event watcher failed: {}", ex.toString());
            }
        }
    }

    /** The most recent events, oldest first, at most {@code limit}. */
    List<WorkerEvent> recent(int limit) {
        List<WorkerEvent> all = new ArrayList<>(recent);
        return all.subList(Math.max(0, all.size() - limit), all.size());
    }

    /** Recent events from before a master restart, from the store. */
    void restore(List<WorkerEvent> events) {
        for (WorkerEvent e : events) {
            recent.addLast(e);
            nextEventSeq = Math.max(nextEventSeq, e.seq() + 1);
        }
        while (recent.size() > RECENT_EVENTS) {
            recent.removeFirst();
        }
    }

    void watch(Consumer<WorkerEvent> watcher) {
        watchers.add(watcher);
    }

    void unwatch(Consumer<WorkerEvent> watcher) {
        watchers.remove(watcher);
    }

    /** A row for the store (unused fields of the batch API kept in one place). */
    static StoreBatch.WorkerUpdate update(WorkerEntry w) {
        return new StoreBatch.WorkerUpdate(w.id, w.state, w.lastHeartbeat, w.drainRequested);
    }
}
