package io.gridwork.master.model;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The states of a worker, with the one table of legal transitions. A worker takes new tasks only when ALIVE.
 *
 * <pre>
 * ALIVE       -> SUSPECT (heartbeats stopped or its stream broke), DRAINING, LEFT, DEAD
 * SUSPECT     -> ALIVE (heartbeats resumed), DRAINING (the same, while an operator's drain stands),
 *                LINK_FAILED (reachable only by another path), DEAD, LEFT
 * LINK_FAILED -> ALIVE (reconnected), DRAINING (the same, drained), DEAD (grace period over), LEFT
 * DRAINING    -> ALIVE (undrained), SUSPECT, LEFT, DEAD
 * DEAD        -> ALIVE (registered again), DRAINING (registered again while an operator's drain stands)
 * LEFT        -> ALIVE (registered again), DRAINING (the same, drained)
 * </pre>
 *
 * A worker an operator drained comes back as DRAINING wherever it would come back as ALIVE: the drain is stored and
 * outlives suspicion, death and restarts.
 *
 * <p>OWNER_BUSY (idle owners, issue 19) is a state shown, never one a worker's entry moves to: an ALIVE worker whose
 * machine's owner is busy shows it (and gets no tasks). The failure detector keeps judging it as ALIVE (its heartbeats
 * go on), so being busy for its owner is neither a failure nor a suspicion; it has no transitions.
 */
public enum WorkerState {
    ALIVE,
    SUSPECT,
    LINK_FAILED,
    DEAD,
    DRAINING,
    LEFT,
    /** Shown for an ALIVE worker whose owner is busy; never a worker entry's own state (no transitions). */
    OWNER_BUSY;

    private static final Map<WorkerState, Set<WorkerState>> ALLOWED = Map.of(
            ALIVE, EnumSet.of(SUSPECT, DRAINING, LEFT, DEAD),
            SUSPECT, EnumSet.of(ALIVE, DRAINING, LINK_FAILED, DEAD, LEFT),
            LINK_FAILED, EnumSet.of(ALIVE, DRAINING, DEAD, LEFT),
            DRAINING, EnumSet.of(ALIVE, SUSPECT, LEFT, DEAD),
            DEAD, EnumSet.of(ALIVE, DRAINING),
            LEFT, EnumSet.of(ALIVE, DRAINING),
            OWNER_BUSY, EnumSet.noneOf(WorkerState.class));

    /** DEAD or LEFT: the worker is gone until it registers again. */
    public boolean isDeparted() {
        return this == DEAD || this == LEFT;
    }

    public boolean canMoveTo(WorkerState next) {
        return ALLOWED.get(this).contains(next);
    }

    public WorkerState moveTo(WorkerState next) {
        if (!canMoveTo(next)) {
            throw new IllegalTransitionException("a worker", this, next);
        }
        return next;
    }
}
