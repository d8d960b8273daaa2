package io.gridwork.master.http;

import io.gridwork.master.core.CoreMetrics;
import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.read.ActiveTasks;
import io.gridwork.master.read.ReadModel;
import io.gridwork.master.read.WorkerView;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The master's metrics in the Prometheus text format: the scheduler's counters and timers ({@link CoreMetrics}) and
 * gauges of the current state, read from the {@link ReadModel} at each scrape: tasks queued and running, workers by
 * state, each live worker's heartbeat age, jobs by state, the grid's masters by state.
 */
public final class MasterMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CoreMetrics core = new CoreMetrics(registry);
    private volatile ReadModel read;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong running = new AtomicLong();
    private final AtomicLong held = new AtomicLong();
    private final Map<WorkerState, AtomicLong> workers = new EnumMap<>(WorkerState.class);
    private final Map<JobState, AtomicLong> jobs = new EnumMap<>(JobState.class);
    private final MultiGauge heartbeatAge;
    private final Map<String, AtomicLong> masters = new java.util.LinkedHashMap<>();
    /** The states of {@code MasterInfo.State} a master can be in, each a value of {@code gridwork_masters{state}}. */
    static final List<String> MASTER_STATES = List.of("ACTIVE", "STANDBY", "SUSPECT", "LINK_FAILED", "DEAD", "LEFT");

    public MasterMetrics(ReadModel read) {
        this();
        bind(read);
    }

    /** Metrics whose state gauges read nothing until {@link #bind} gives them the read model. */
    public MasterMetrics() {
        Gauge.builder("gridwork.tasks.queued", queued, AtomicLong::get).description("tasks of active jobs waiting for a worker")
                .register(registry);
        Gauge.builder("gridwork.tasks.running", running, AtomicLong::get)
                .description("tasks of active jobs executing on a worker now").register(registry);
        Gauge.builder("gridwork.tasks.held", held, AtomicLong::get)
                .description("tasks of active jobs assigned to a worker but not executing (prefetched, or being stored)")
                .register(registry);
        for (WorkerState s : WorkerState.values()) {
            AtomicLong n = new AtomicLong();
            workers.put(s, n);
            Gauge.builder("gridwork.workers", n, AtomicLong::get).tag("state", s.name()).description("workers by state")
                    .register(registry);
        }
        for (JobState s : JobState.values()) {
            AtomicLong n = new AtomicLong();
            jobs.put(s, n);
            Gauge.builder("gridwork.jobs", n, AtomicLong::get).tag("state", s.name()).description("jobs by state")
                    .register(registry);
        }
        for (String s : MASTER_STATES) {
            AtomicLong n = new AtomicLong();
            masters.put(s, n);
            Gauge.builder("gridwork.masters", n, AtomicLong::get).tag("state", s)
                    .description("the grid's masters by state, as this master sees them").register(registry);
        }
        heartbeatAge = MultiGauge.builder("gridwork.worker.heartbeat.age").baseUnit("seconds")
                .description("time since each connected worker's last heartbeat").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
    }

    /** The read model the state gauges are read from at each scrape. */
    public void bind(ReadModel read) {
        this.read = java.util.Objects.requireNonNull(read, "read");
    }

    /** Where the scheduler records its counters and timers. */
    /**
     * The data grid's counters: {@code gridwork_data_bytes_total{source="local|peers|master"}} (bytes tasks read from
     * data sets, by where they came from, as their workers counted them), {@code gridwork_data_served_bytes_total}
     * (chunk bytes the master sent from its own copy), {@code gridwork_data_corrupt_chunks_total} (chunks workers
     * reported corrupt) and the gauge {@code gridwork_data_sets}.
     */
    public void bindData(io.gridwork.master.data.DataGrid grid) {
        io.micrometer.core.instrument.FunctionCounter.builder("gridwork.data.bytes", grid, g -> g.totals().local())
                .tag("source", "local").description("bytes tasks read from data sets, by where they came from")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("gridwork.data.bytes", grid, g -> g.totals().fromPeers())
                .tag("source", "peers").description("bytes tasks read from data sets, by where they came from")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("gridwork.data.bytes", grid, g -> g.totals().fromMaster())
                .tag("source", "master").description("bytes tasks read from data sets, by where they came from")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("gridwork.data.served.bytes", grid, g -> g.bytesServed())
                .description("bytes of chunks the master sent from its own copy (the origin of last resort)")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("gridwork.data.corrupt.chunks", grid,
                g -> g.tracker().corruptReports()).description("chunks workers reported corrupt").register(registry);
        Gauge.builder("gridwork.data.sets", grid, g -> g.all().size()).description("data sets in the data grid")
                .register(registry);
    }

    public CoreMetrics core() {
        return core;
    }

    /** Reads the current state and renders every metric. */
    public String scrape() {
        refresh();
        return registry.scrape();
    }

    private void refresh() {
        ReadModel read = this.read;
        if (read == null) {
            return;
        }
        ActiveTasks active = read.activeTasks();
        queued.set(active.queued());
        running.set(active.running());
        held.set(active.held());
        Map<WorkerState, Long> byState = new EnumMap<>(WorkerState.class);
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (WorkerView w : read.workers(true)) {
            byState.merge(w.state(), 1L, Long::sum);
            if (!w.state().isDeparted() && w.heartbeatAgeMs() != null) {
                rows.add(MultiGauge.Row.of(Tags.of("worker", w.name()), w.heartbeatAgeMs() / 1000.0));
            }
        }
        workers.forEach((s, n) -> n.set(byState.getOrDefault(s, 0L)));
        heartbeatAge.register(rows, true);
        Map<String, Long> byMasterState = new java.util.HashMap<>();
        read.masters().forEach(m -> byMasterState.merge(m.state(), 1L, Long::sum));
        masters.forEach((s, n) -> n.set(byMasterState.getOrDefault(s, 0L)));
        Map<JobState, Long> stored = read.jobsByState();
        jobs.forEach((s, n) -> n.set(stored.getOrDefault(s, 0L)));
    }
}
