package io.gridwork.master.core;

import io.gridwork.master.model.WorkerEventType;
import java.time.Instant;

/** A worker state change, as the failure detector concluded it. */
public record WorkerEvent(long seq, String workerId, String name, WorkerEventType type, String reason, long incarnation,
        Instant at) {}
