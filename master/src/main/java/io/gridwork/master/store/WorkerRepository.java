package io.gridwork.master.store;

import java.util.List;

/** Workers (one row per name, with its incarnation) and their state changes. */
public interface WorkerRepository {

    /**
     * Records a registration: a known name keeps its id and gets the next incarnation; a new name gets a new id and
     * incarnation 1. The worker is ALIVE afterwards.
     */
    WorkerRow register(WorkerRegistration registration);

    /** Every worker, by name. */
    List<WorkerRow> all();

    /** The most recent worker events, oldest first; {@code workerId} null for all workers. */
    List<WorkerEventRow> events(String workerId, int limit);
}
