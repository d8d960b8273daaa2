package io.gridwork.master.store;

import java.time.Instant;
import java.util.Map;

/** What a worker says about itself when it registers. */
public record WorkerRegistration(
        String name,
        int slots,
        int prefetch,
        Map<String, String> labels,
        String address,
        int healthPort,
        Map<String, String> platform,
        Instant at,
        /** What a slot-second on it costs in the usage ledger (grid worker --cost-factor). */
        double costFactor) {

    /** An older worker's (it sends none): a slot-second costs one unit. */
    public static final double DEFAULT_COST_FACTOR = 1.0;
    /** The largest cost factor a worker may register with. */
    public static final double MAX_COST_FACTOR = 1000;

    public WorkerRegistration(String name, int slots, int prefetch, Map<String, String> labels, String address,
            int healthPort, Map<String, String> platform, Instant at) {
        this(name, slots, prefetch, labels, address, healthPort, platform, at, DEFAULT_COST_FACTOR);
    }
}
