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
        Instant at) {}
