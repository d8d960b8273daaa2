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
 */
public enum WorkerState {
    ALIVE,
    SUSPECT,
    LINK_FAILED,
    DEAD,
    DRAINING,
    LEFT;

    private static final Map<WorkerState, Set<WorkerState>> ALLOWED = Map.of(
            ALIVE, EnumSet.of(SUSPECT, DRAINING, LEFT, DEAD),
            SUSPECT, EnumSet.of(ALIVE, DRAINING, LINK_FAILED, DEAD, LEFT),
            LINK_FAILED, EnumSet.of(ALIVE, DRAINING, DEAD, LEFT),
            DRAINING, EnumSet.of(ALIVE, SUSPECT, LEFT, DEAD),
            DEAD, EnumSet.of(ALIVE, DRAINING),
            LEFT, EnumSet.of(ALIVE, DRAINING));

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
