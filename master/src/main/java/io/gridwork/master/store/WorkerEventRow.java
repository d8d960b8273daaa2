package io.gridwork.master.store;

import io.gridwork.master.model.WorkerEventType;
import java.time.Instant;

/** A worker state change, as stored. */
public record WorkerEventRow(long seq, String workerId, String workerName, WorkerEventType type, String reason,
        long incarnation, Instant at) {}
