package io.gridwork.master.core;

import io.gridwork.master.model.WorkerEventType;
import io.gridwork.master.model.WorkerState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

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
 * RECOVERED.
 *
 * <p>It decides, and does nothing else: each signal, given what it needs (the time, the workers, how many tasks a
 * worker holds), returns {@link Verdict verdicts} that the {@link WorkerRegistry} applies: state changes, probes
 * to send, streams to close, tasks to reassign. It keeps only its own bookkeeping (probe cycles) on the entries.
 * Loop-confined; its tests step it with a settable clock.
 */
final class Liveness {

    /** What the registry is to do. */
    sealed interface Verdict {
        /** The worker moves to {@code state} (or, if it is there already, only the event is recorded). */
        record Changed(WorkerEntry worker, WorkerState state, WorkerEventType type, String reason) implements Verdict {}

        /** Health-check the worker directly; hand the outcome to {@link #answered}. */
        record ProbeDirect(WorkerEntry worker, Suspicion suspicion, int round, String address, int port,
                Duration timeout) implements Verdict {}

        /** Ask {@code peer} to health-check a suspect; without an answer by {@code answerWithin}, call {@link #unanswered}. */
        record ProbeViaPeer(WorkerEntry peer, Messages.ProbeRequest probe, Duration answerWithin) implements Verdict {}

        /** Probe again after {@code after}: call {@link #nextRound}. */
        record ProbeAgain(WorkerEntry worker, Suspicion suspicion, Duration after) implements Verdict {}

        /** Close the worker's silent stream; its tasks stay with it during the grace period. */
        record CloseStream(WorkerEntry worker, String reason) implements Verdict {}

        /**
         * The worker is dead (the Changed verdict before says so), for {@code reason}: close its stream, reassign its
         * tasks ({@code crashed}: it died under them). {@code troubleSince} is when its trouble was first noticed
         * (System.nanoTime), 0 if unknown or if it held no tasks.
         */
        record Dead(WorkerEntry worker, String reason, boolean crashed, long troubleSince) implements Verdict {}
    }

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

    private final SchedulerOptions options;
    private final Map<Long, PendingProbe> pendingProbes = new HashMap<>();
    private long nextSuspicionId = 1;
    private long nextProbeId = 1;

    Liveness(SchedulerOptions options) {
        this.options = options;
    }

    // ------------------------------------------------------------------------------------------ signals

    /** Any message on a worker's current stream: it is alive. */
    List<Verdict> heard(WorkerEntry w, Instant now) {
        w.lastHeartbeat = now;
        List<Verdict> out = new ArrayList<>();
        if ((w.state == WorkerState.SUSPECT || w.state == WorkerState.LINK_FAILED) && w.session != null && w.session.open) {
            WorkerState before = w.state;
            w.suspicion = null;
            change(out, w, WorkerState.ALIVE, before == WorkerState.LINK_FAILED ? WorkerEventType.RECOVERED
                    : WorkerEventType.ALIVE, "heartbeats resumed");
        }
        return out;
    }

    /** A worker registered (first time, or again); {@code before} is its state before, null if new. */
    List<Verdict> registered(WorkerEntry w, WorkerState before, long incarnation) {
        w.suspicion = null;
        w.linkFailedAt = null;
        List<Verdict> out = new ArrayList<>();
        if (before == null) {
            out.add(new Verdict.Changed(w, WorkerState.ALIVE, WorkerEventType.ALIVE, "joined (incarnation " + incarnation
                    + ")"));
            return out;
        }
        WorkerEventType type = before == WorkerState.LINK_FAILED || before == WorkerState.DEAD
                ? WorkerEventType.RECOVERED : WorkerEventType.ALIVE;
        String reason = (before == WorkerState.ALIVE ? "registered again" : "back after " + before)
                + " (incarnation " + incarnation + ")";
        if (before == WorkerState.ALIVE) {
            out.add(new Verdict.Changed(w, null, type, reason));
        } else {
            change(out, w, WorkerState.ALIVE, type, reason);
        }
        return out;
    }

    /** The worker's stream ended without a clean goodbye: probe it at once. */
    List<Verdict> streamBroke(WorkerEntry w, String cause, Instant now, Collection<WorkerEntry> workers,
            ToIntFunction<WorkerEntry> heldBy) {
        w.streamBroke = true;
        List<Verdict> out = new ArrayList<>();
        suspect(out, w, cause, true, now, workers, heldBy);
        return out;
    }

    /** The worker left cleanly (it drained and closed its stream). */
    List<Verdict> left(WorkerEntry w, String why) {
        w.suspicion = null;
        return List.of(new Verdict.Changed(w, WorkerState.LEFT, WorkerEventType.LEFT, why));
    }

    /** The worker takes no new tasks. */
    List<Verdict> draining(WorkerEntry w, String why) {
        if (w.state == WorkerState.ALIVE) {
            return List.of(new Verdict.Changed(w, WorkerState.DRAINING, WorkerEventType.DRAINING, why));
        }
        return List.of();
    }

    /** An operator drained or undrained the worker (its {@code drainRequested} says which, already set). */
    List<Verdict> drainRequested(WorkerEntry w, boolean drain, String by) {
        if (drain && w.state == WorkerState.ALIVE) {
            return List.of(new Verdict.Changed(w, WorkerState.DRAINING, WorkerEventType.DRAINING, "drained by " + by
                    + "; its running tasks finish"));
        }
        if (!drain && w.state == WorkerState.DRAINING && w.session != null && w.session.open && !w.session.draining) {
            return List.of(new Verdict.Changed(w, WorkerState.ALIVE, WorkerEventType.ALIVE, "undrained by " + by));
        }
        return List.of();
    }

    /** Periodic: start probing silent workers, end link failures whose grace ran out, probe them again meanwhile. */
    List<Verdict> tick(Collection<WorkerEntry> workers, Instant now, ToIntFunction<WorkerEntry> heldBy) {
        List<Verdict> out = new ArrayList<>();
        for (WorkerEntry w : new ArrayList<>(workers)) {
            switch (w.state) {
                case ALIVE:
                case DRAINING: {
                    if (w.session == null || w.suspicion != null) {
                        break;
                    }
                    Duration silent = Duration.between(w.lastHeartbeat, now);
                    if (silent.compareTo(options.suspectAfter()) > 0) {
                        suspect(out, w, "no heartbeat for " + silent.toMillis() + " ms", false, now, workers, heldBy);
                    }
                    break;
                }
                case LINK_FAILED: {
                    if (w.linkFailedAt != null && now.isAfter(w.linkFailedAt.plus(options.linkGrace()))) {
                        dead(out, w, "its link failure lasted longer than the " + options.linkGrace().toSeconds()
                                + " s grace period", false, heldBy);
                    } else if (w.suspicion == null && (w.lastProbeAt == null
                            || now.isAfter(w.lastProbeAt.plus(options.linkReprobeInterval())))) {
                        startCycle(out, w, false, true, now, workers, heldBy);
                    }
                    break;
                }
                default:
                    break;
            }
        }
        return out;
    }

    /** The worker did not come back in time after a master restart (or is otherwise known dead). */
    List<Verdict> dead(WorkerEntry w, String reason, boolean crashed, ToIntFunction<WorkerEntry> heldBy) {
        List<Verdict> out = new ArrayList<>();
        dead(out, w, reason, crashed, heldBy);
        return out;
    }

    // ------------------------------------------------------------------------------------------ probing

    private void suspect(List<Verdict> out, WorkerEntry w, String reason, boolean streamBroke, Instant now,
            Collection<WorkerEntry> workers, ToIntFunction<WorkerEntry> heldBy) {
        if (w.state.isDeparted()) {
            return;
        }
        if (w.suspicion != null && !w.suspicion.reprobe) {
            return; // a cycle is under way
        }
        if (w.state == WorkerState.ALIVE || w.state == WorkerState.DRAINING) {
            change(out, w, WorkerState.SUSPECT, WorkerEventType.SUSPECT, reason + "; probing it");
        }
        if (w.troubleNanos == 0) {
            w.troubleNanos = System.nanoTime();
        }
        startCycle(out, w, streamBroke, false, now, workers, heldBy);
    }

    private void startCycle(List<Verdict> out, WorkerEntry w, boolean streamBroke, boolean reprobe, Instant now,
            Collection<WorkerEntry> workers, ToIntFunction<WorkerEntry> heldBy) {
        w.suspicion = new Suspicion(nextSuspicionId++, streamBroke, reprobe);
        round(out, w, w.suspicion, now, workers, heldBy);
    }

    /** The pause between rounds is over: the next round, if the cycle is still the worker's. */
    List<Verdict> nextRound(WorkerEntry w, Suspicion s, Instant now, Collection<WorkerEntry> workers,
            ToIntFunction<WorkerEntry> heldBy) {
        List<Verdict> out = new ArrayList<>();
        if (w.suspicion == s) {
            round(out, w, s, now, workers, heldBy);
        }
        return out;
    }

    private void round(List<Verdict> out, WorkerEntry w, Suspicion s, Instant now, Collection<WorkerEntry> workers,
            ToIntFunction<WorkerEntry> heldBy) {
        s.round++;
        s.pending = 0;
        s.reachable = false;
        w.lastProbeAt = now;
        if (w.healthPort > 0 && w.address != null && !w.address.isEmpty()) {
            s.pending++;
            out.add(new Verdict.ProbeDirect(w, s, s.round, w.address, w.healthPort, options.probeTimeout()));
        } else {
            s.findings.add("direct: the worker has no health port");
        }
        for (WorkerEntry peer : peers(w, workers)) {
            long id = nextProbeId++;
            pendingProbes.put(id, new PendingProbe(w, s, s.round, "via " + peer.name));
            s.pending++;
            out.add(new Verdict.ProbeViaPeer(peer, new Messages.ProbeRequest(id, w.id, w.address, w.healthPort,
                    options.probeTimeout().toMillis()), options.probeTimeout().plusMillis(500)));
        }
        if (s.pending == 0) {
            concluded(out, w, s, now, heldBy);
        }
    }

    private List<WorkerEntry> peers(WorkerEntry target, Collection<WorkerEntry> workers) {
        List<WorkerEntry> peers = new ArrayList<>();
        if (target.healthPort <= 0) {
            return peers;
        }
        for (WorkerEntry w : workers) {
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
    List<Verdict> probeResult(Messages.ProbeResult result, Instant now, ToIntFunction<WorkerEntry> heldBy) {
        PendingProbe p = pendingProbes.remove(result.probeId());
        if (p == null) {
            return List.of();
        }
        return answered(p.target(), p.suspicion(), p.round(), p.via(), result.reachable(), result.detail(), now, heldBy);
    }

    /** An indirect probe got no answer in time. */
    List<Verdict> unanswered(long probeId, Instant now, ToIntFunction<WorkerEntry> heldBy) {
        PendingProbe p = pendingProbes.remove(probeId);
        if (p == null) {
            return List.of();
        }
        return answered(p.target(), p.suspicion(), p.round(), p.via(), false, "no answer in time", now, heldBy);
    }

    /** The outcome of one probe of a round ({@code via} "direct", or "via PEER"). */
    List<Verdict> answered(WorkerEntry w, Suspicion s, int round, String via, boolean reachable, String detail,
            Instant now, ToIntFunction<WorkerEntry> heldBy) {
        List<Verdict> out = new ArrayList<>();
        if (w.suspicion != s || s.round != round) {
            return out; // a finished or superseded cycle
        }
        s.pending--;
        s.findings.add(via + ": " + (reachable ? "reachable" : detail));
        if (reachable) {
            s.reachable = true;
            concluded(out, w, s, now, heldBy);
        } else if (s.pending == 0) {
            concluded(out, w, s, now, heldBy);
        }
        return out;
    }

    private void concluded(List<Verdict> out, WorkerEntry w, Suspicion s, Instant now, ToIntFunction<WorkerEntry> heldBy) {
        if (s.reachable) {
            w.suspicion = null;
            boolean streamFine = w.session != null && w.session.open
                    && Duration.between(w.lastHeartbeat, now).compareTo(options.suspectAfter()) <= 0;
            if (streamFine) {
                if (w.state != WorkerState.ALIVE) {
                    change(out, w, WorkerState.ALIVE, w.state == WorkerState.LINK_FAILED ? WorkerEventType.RECOVERED
                            : WorkerEventType.ALIVE, "answered its probes and heartbeats resumed");
                }
                return;
            }
            if (w.state != WorkerState.LINK_FAILED) {
                w.linkFailedAt = now;
                change(out, w, WorkerState.LINK_FAILED, WorkerEventType.LINK_FAILED, "reachable by health check ("
                        + String.join(", ", s.findings) + ") but not over its stream; keeping its " + heldBy.applyAsInt(w)
                        + " tasks for " + options.linkGrace().toSeconds() + " s");
            }
            if (w.session != null && w.session.open) {
                out.add(new Verdict.CloseStream(w, "its stream is silent; reconnect"));
            }
            return;
        }
        if (s.round < options.probeRounds()) {
            out.add(new Verdict.ProbeAgain(w, s, options.probeInterval()));
            return;
        }
        w.suspicion = null;
        dead(out, w, "unreachable on every path (" + String.join(", ", s.findings) + ")", s.streamBroke || w.streamBroke,
                heldBy);
    }

    private void dead(List<Verdict> out, WorkerEntry w, String reason, boolean crashed, ToIntFunction<WorkerEntry> heldBy) {
        if (w.state.isDeparted()) {
            return;
        }
        w.suspicion = null;
        int lost = heldBy.applyAsInt(w);
        out.add(new Verdict.Changed(w, WorkerState.DEAD, WorkerEventType.DEAD, reason
                + (lost > 0 ? "; reassigning its " + lost + " tasks" : "")));
        out.add(new Verdict.Dead(w, reason, crashed, lost > 0 ? w.troubleNanos : 0));
        w.troubleNanos = 0;
    }

    /** A state change, unless an operator's drain overrides ALIVE with DRAINING. */
    private static void change(List<Verdict> out, WorkerEntry w, WorkerState state, WorkerEventType type, String reason) {
        if (state == WorkerState.ALIVE) {
            w.troubleNanos = 0;
        }
        if (state == WorkerState.ALIVE && w.drainRequested) {
            state = WorkerState.DRAINING;
            reason = reason + "; it stays drained";
        }
        out.add(new Verdict.Changed(w, state, type, reason));
    }
}
