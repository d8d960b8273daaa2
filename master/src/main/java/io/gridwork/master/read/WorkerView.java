package io.gridwork.master.read;

import io.gridwork.master.core.WorkerSnapshot;
import io.gridwork.master.model.WorkerState;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A worker as readers see it, at one moment.
 *
 * @param lastHeartbeat null before its first heartbeat
 * @param heartbeatAgeMs how long ago its last heartbeat was, when it was read; null before its first heartbeat
 * @param running tasks executing on it now
 * @param speed its relative speed: its measured pace over the average of the live workers' (1.0: average, 2.0:
 *     twice as fast; see {@code WorkerInfo.speed})
 * @param held tasks it holds and has not started (prefetched)
 * @param healthAddress host:port of its gRPC health service, "" if it has none
 * @param costFactor what a slot-second on it costs in the usage ledger (grid worker --cost-factor)
 */
public record WorkerView(
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
        Platform platform,
        double speed,
        boolean drainRequested,
        Long heartbeatAgeMs,
        int held,
        String healthAddress,
        /* what a slot-second on it costs in the usage ledger (grid worker --cost-factor) */
        double costFactor,
        /* its trust record from quorum jobs: replicas agreed and disagreed, excluded from quorum jobs */
        long agreed,
        long disagreed,
        boolean untrusted,
        /* idle owners (issue 19): why its owner is deemed busy ("" if not), and whether it runs under an owner's policy */
        String ownerReason,
        boolean whenIdle) {

    /** What the worker runs on, as it reported it; empty or 0 where it did not say. */
    public record Platform(String os, String arch, String javaVersion, long memoryBytes, int cores, String gridworkVersion) {

        /** From the key-value form a worker registers and the store keeps; a missing or bad number reads as 0. */
        public static Platform of(Map<String, String> p) {
            return new Platform(p.getOrDefault("os", ""), p.getOrDefault("arch", ""), p.getOrDefault("java", ""),
                    number(p.get("memory")), (int) number(p.get("cores")), p.getOrDefault("gridwork", ""));
        }

        private static long number(String s) {
            try {
                return s == null ? 0 : Long.parseLong(s);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    public WorkerView {
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** The view of a core snapshot, with its heartbeat's age at {@code now}. */
    public static WorkerView of(WorkerSnapshot s, Instant now) {
        return of(s, now, io.gridwork.master.core.Scheduler.TrustRecord.NONE);
    }

    /** The view of a core snapshot with its trust record from quorum jobs. */
    public static WorkerView of(WorkerSnapshot s, Instant now, io.gridwork.master.core.Scheduler.TrustRecord trust) {
        return new WorkerView(s.id(), s.name(), s.state(), s.slots(), s.prefetch(), s.labels(), s.running(),
                s.completed(), s.failed(), s.address(), s.incarnation(), s.lastHeartbeat(), s.registeredAt(),
                Platform.of(s.platform()), s.speed(), s.drainRequested(),
                s.lastHeartbeat() == null ? null : Duration.between(s.lastHeartbeat(), now).toMillis(), s.held(),
                healthAddress(s.address(), s.healthPort()), s.costFactor(), trust.agreed(), trust.disagreed(),
                trust.untrusted(), s.ownerReason(), s.whenIdle());
    }

    /** host:port (brackets around an IPv6 host) of a worker's health service; "" without a port or a host. */
    public static String healthAddress(String host, int port) {
        if (port <= 0 || host == null || host.isEmpty()) {
            return "";
        }
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
