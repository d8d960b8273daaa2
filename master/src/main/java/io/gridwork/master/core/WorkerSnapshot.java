package io.gridwork.master.core;

import io.gridwork.master.model.WorkerState;
import java.time.Instant;
import java.util.Map;

/** A worker's status at one moment, immutable: what clients see. */
public record WorkerSnapshot(
        String id,
        String name,
        WorkerState state,
        int slots,
        int prefetch,
        Map<String, String> labels,
        int running,
        long completed,
        long failed,
        String address,
        long incarnation,
        Instant lastHeartbeat,
        Instant registeredAt,
        Map<String, String> platform,
        double speed,
        boolean drainRequested,
        /** Tasks it holds that it has not started (prefetched); {@code running} counts those executing now. */
        int held,
        /** The port of its gRPC health service, at {@code address} (0: none). */
        int healthPort,
        /** What a slot-second on it costs in the usage ledger (grid worker --cost-factor). */
        double costFactor) {

    public WorkerSnapshot(String id, String name, WorkerState state, int slots, int prefetch, Map<String, String> labels,
            int running, long completed, long failed, String address, long incarnation, Instant lastHeartbeat,
            Instant registeredAt, Map<String, String> platform, double speed, boolean drainRequested, int held,
            int healthPort) {
        this(id, name, state, slots, prefetch, labels, running, completed, failed, address, incarnation, lastHeartbeat,
                registeredAt, platform, speed, drainRequested, held, healthPort, 1.0);
    }
}
