package io.gridwork.master.store;

import io.gridwork.master.model.WorkerState;
import java.time.Instant;
import java.util.Map;

/** A worker as stored: the last registration of a worker name. */
public record WorkerRow(
        String id,
        String name,
        long incarnation,
        WorkerState state,
        int slots,
        int prefetch,
        Map<String, String> labels,
        String address,
        int healthPort,
        Map<String, String> platform,
        long completed,
        long failed,
        Instant registeredAt,
        Instant lastSeen,
        boolean drainRequested) {}
