package io.gridwork.master.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;

/**
 * What the scheduler counts and times as it works, in a Micrometer registry: tasks by outcome, how long a ready
 * task waits for a worker, how long from the first sign of a worker's failure to its tasks being reassigned, and
 * how long a store commit takes. Gauges of the current state (tasks queued and running, workers and jobs by state)
 * are read from snapshots when metrics are scraped, not kept here.
 */
public final class CoreMetrics {

    final Counter succeeded;
    final Counter failed;
    final Counter retried;
    final Counter lost;
    final Counter rejected;
    final Counter speculated;
    final Counter dispatched;
    final Timer dispatchLatency;
    final Timer detectionToReassignment;
    final Timer storeCommit;
    private final MeterRegistry registry;

    public CoreMetrics(MeterRegistry registry) {
        this.registry = registry;
        succeeded = tasks(registry, "succeeded", "tasks whose output was stored");
        failed = tasks(registry, "failed", "tasks that failed for good (their job failed)");
        retried = tasks(registry, "retried", "failed attempts that were retried");
        lost = tasks(registry, "lost", "attempts lost with their worker and reassigned");
        rejected = tasks(registry, "rejected", "late or duplicate results refused by fencing");
        speculated = tasks(registry, "speculated", "speculative second attempts started");
        dispatched = Counter.builder("gridwork.attempts.dispatched").description("task attempts sent to workers")
                .register(registry);
        dispatchLatency = Timer.builder("gridwork.dispatch.latency")
                .description("from a task being ready to its assignment to a worker")
                .publishPercentiles(0.5, 0.99).minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
        detectionToReassignment = Timer.builder("gridwork.failure.detection.to.reassignment")
                .description("from the first sign of a worker's failure (a broken stream, missed heartbeats) to its "
                        + "tasks being reassigned")
                .publishPercentiles(0.5, 0.99).register(registry);
        storeCommit = Timer.builder("gridwork.store.commit")
                .description("one group commit of the master's journal").publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    /** The loop's mailbox depth (events posted, not yet run), read when metrics are scraped. */
    void mailbox(java.util.function.Supplier<Number> depth) {
        io.micrometer.core.instrument.Gauge.builder("gridwork.loop.mailbox", depth)
                .description("events waiting for the scheduler's loop").register(registry);
    }

    /** The registry these meters are in (for the masters' membership, which adds its own). */
    public MeterRegistry registry() {
        return registry;
    }

    /** Metrics that go nowhere, for a scheduler nobody scrapes (tests, embedded use). */
    public static CoreMetrics detached() {
        return new CoreMetrics(new SimpleMeterRegistry());
    }

    private static Counter tasks(MeterRegistry registry, String outcome, String description) {
        return Counter.builder("gridwork.tasks").tag("outcome", outcome).description("tasks by outcome: " + description)
                .register(registry);
    }
}
