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
        /** Idle owners (issue 19): why its owner is deemed busy ("" if not). */
        String ownerReason,
        /** Idle owners (issue 19): it runs under its owner's policy (--when-idle, --hours, --max-cpu-percent). */
        boolean whenIdle,
        /** What a slot-second on it costs in the usage ledger (grid worker --cost-factor). */
        double costFactor) {

    /** A worker under an owner's policy, at the default cost. */
    public WorkerSnapshot(String id, String name, WorkerState state, int slots, int prefetch, Map<String, String> labels,
            int running, long completed, long failed, String address, long incarnation, Instant lastHeartbeat,
            Instant registeredAt, Map<String, String> platform, double speed, boolean drainRequested, int held,
            int healthPort, String ownerReason, boolean whenIdle) {
        this(id, name, state, slots, prefetch, labels, running, completed, failed, address, incarnation, lastHeartbeat,
                registeredAt, platform, speed, drainRequested, held, healthPort, ownerReason, whenIdle, 1.0);
    }

    /** A worker without an owner's policy. */
    public WorkerSnapshot(String id, String name, WorkerState state, int slots, int prefetch, Map<String, String> labels,
            int running, long completed, long failed, String address, long incarnation, Instant lastHeartbeat,
            Instant registeredAt, Map<String, String> platform, double speed, boolean drainRequested, int held,
            int healthPort) {
        this(id, name, state, slots, prefetch, labels, running, completed, failed, address, incarnation, lastHeartbeat,
                registeredAt, platform, speed, drainRequested, held, healthPort, "", false, 1.0);
    }
}
