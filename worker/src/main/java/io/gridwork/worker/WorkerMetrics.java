package io.gridwork.worker;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A worker's own metrics on {@code http://HOST:PORT/metrics} in the Prometheus text format: tasks finished and
 * failed, slots busy, tasks held, its prefetch window, whether it is connected, job class loaders, and the JVM's
 * memory, threads and CPU. Read-only counters with no job data, served without authentication (bind it to an
 * address only your Prometheus reaches).
 */
public final class WorkerMetrics implements AutoCloseable {

    private final HttpServer server;

    private WorkerMetrics(HttpServer server) {
        this.server = server;
    }

    /** Serves the metrics of {@code worker} on {@code bindHost:port} (0: a free port). */
    public static WorkerMetrics start(GridWorker worker, String bindHost, int port) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("worker", worker.options().name());
        FunctionCounter.builder("gridwork.worker.tasks", worker, GridWorker::completedTasks)
                .description("tasks finished with a result (success or failure)").register(registry);
        FunctionCounter.builder("gridwork.worker.tasks.failed", worker, GridWorker::failedTasks)
                .description("tasks whose code failed").register(registry);
        Gauge.builder("gridwork.worker.slots", worker, w -> w.options().slots()).description("slots").register(registry);
        Gauge.builder("gridwork.worker.slots.busy", worker, GridWorker::busySlots).description("slots running a task now")
                .register(registry);
        Gauge.builder("gridwork.worker.tasks.held", worker, GridWorker::heldTasks)
                .description("tasks held: running or ready to start").register(registry);
        Gauge.builder("gridwork.worker.prefetch.window", worker, GridWorker::prefetchWindow)
                .description("tasks asked for beyond the slots").register(registry);
        Gauge.builder("gridwork.worker.connected", worker, w -> w.isConnected() ? 1 : 0)
                .description("1 while the worker has a stream to the master").register(registry);
        Gauge.builder("gridwork.worker.class.loaders", worker, GridWorker::classLoaders)
                .description("job jars' class loaders open").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        System.setProperty("sun.net.httpserver.nodelay", "true"); // else every answer waits 40 ms for a delayed ACK
        HttpServer server = HttpServer.create(new InetSocketAddress(bindHost, port), 16);
        server.createContext("/metrics", x -> {
            try (x) {
                byte[] body = x.getRequestMethod().equals("GET") ? registry.scrape().getBytes(StandardCharsets.UTF_8)
                        : "use GET\n".getBytes(StandardCharsets.UTF_8);
                x.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                x.sendResponseHeaders(x.getRequestMethod().equals("GET") ? 200 : 405, body.length);
                try (OutputStream out = x.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        return new WorkerMetrics(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
