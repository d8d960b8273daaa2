package io.gridwork.master.model;

/** What happened to a worker, as announced to everyone who watches. */
public enum WorkerEventType {
    /** Joined, or a suspicion was cleared. */
    ALIVE,
    /** Heartbeats stopped or its stream broke; it is being probed and gets no new tasks. */
    SUSPECT,
    /** Reachable by another path but not over its stream; its tasks are kept for a grace period. */
    LINK_FAILED,
    /** Unreachable on every path, or a link failure outlasted its grace period; its tasks were reassigned. */
    DEAD,
    /** Back after LINK_FAILED or DEAD. */
    RECOVERED,
    /** Takes no new tasks. */
    DRAINING,
    /** Shut down cleanly. */
    LEFT
}
