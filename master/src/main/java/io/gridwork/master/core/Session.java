package io.gridwork.master.core;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One stream of one incarnation of a worker. The RPC layer holds it as an opaque handle and passes it back
 * with every message; messages of a session that is no longer its worker's current one are ignored.
 */
public final class Session {
    final WorkerEntry worker;
    final long incarnation;
    final Messages.WorkerLink link;
    /** Tasks the worker has said it can take and has not been given yet. */
    int credits;
    /** Current attempts on this session, by attempt id. */
    final Map<Long, Attempt> attempts = new LinkedHashMap<>();
    /** Slots those attempts occupy. */
    int heldUnits;
    /** Of those attempts, how many the worker said are executing now (the rest are prefetched). */
    int executing;
    /** Jobs whose spec this session has been sent. */
    final Set<String> jobsSent = new HashSet<>();
    Messages.Outbound outbox = new Messages.Outbound();
    boolean open = true;
    boolean draining;
    /** The demand this stream was last sent; -1: none yet. */
    int demandSent = -1;

    Session(WorkerEntry worker, long incarnation, Messages.WorkerLink link) {
        this.worker = worker;
        this.incarnation = incarnation;
        this.link = link;
    }

    public String workerId() {
        return worker.id;
    }

    public String workerName() {
        return worker.name;
    }

    @Override
    public String toString() {
        return worker.name + "#" + incarnation;
    }
}
