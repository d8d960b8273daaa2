package io.gridwork.master.read;

import io.gridwork.master.model.WorkerEventType;
import java.time.Instant;

/**
 * A change of a worker's state, as the failure detector concluded it.
 *
 * @param seq its place in the order of all workers' events
 */
public record WorkerEventView(long seq, String workerId, String name, WorkerEventType type, String reason,
        long incarnation, Instant at) {}
