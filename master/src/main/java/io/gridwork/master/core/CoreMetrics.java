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

    /** Per user: its slot-seconds and cost counters (the usage ledger's records as this master wrote them). */
    private final java.util.concurrent.ConcurrentHashMap<String, Counter[]> usage =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * An attempt of {@code user}'s job ended having used {@code slotSeconds} and {@code cost}:
     * {@code gridwork_usage_slot_seconds_total{user}} and {@code gridwork_usage_cost_total{user}}.
     */
    void usage(String user, double slotSeconds, double cost) {
        Counter[] c = usage.computeIfAbsent(user == null ? "" : user, u -> new Counter[] {
            Counter.builder("gridwork.usage.slot.seconds").tag("user", u)
                    .description("slot-seconds of the task attempts that ended, by their job's user (the usage ledger)")
                    .register(registry),
            Counter.builder("gridwork.usage.cost").tag("user", u)
                    .description("cost units (slot-seconds x the worker's cost factor) of the task attempts that "
                            + "ended, by their job's user (the usage ledger)").register(registry)});
        c[0].increment(slotSeconds);
        c[1].increment(cost);
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
