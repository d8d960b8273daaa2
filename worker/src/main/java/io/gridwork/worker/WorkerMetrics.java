package io.gridwork.worker;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A worker's own metrics on {@code http://HOST:PORT/metrics} in the Prometheus text format: tasks finished and
 * failed, slots busy, tasks held, its prefetch window, whether it is connected, job class loaders, and the JVM's
 * memory, threads and CPU. Read-only counters with no job data, served without authentication (bind it to an
 * address only your Prometheus reaches). Served by Jetty: a connection silent for 30 s is closed, and stalled clients
 * hold sockets, not the threads that answer.
 */
public final class WorkerMetrics implements AutoCloseable {

    private final Server server;

    private WorkerMetrics(Server server) {
        this.server = server;
    }

    /** Serves the metrics of {@code worker} on {@code bindHost:port} (0: a free port). */
    public static WorkerMetrics start(GridWorker worker, String bindHost, int port) throws IOException {
        return start(worker, bindHost, port, Limits.DEFAULT);
    }

    /** As {@link #start(GridWorker, String, int)}, with other limits (tests). */
    static WorkerMetrics start(GridWorker worker, String bindHost, int port, Limits limits) throws IOException {
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
        // idle owners (issue 19)
        Gauge.builder("gridwork.worker.owner.busy", worker, w -> w.ownerBusyReason().isEmpty() ? 0 : 1)
                .description("1 while the owner's policy keeps the worker from taking tasks").register(registry);
        FunctionCounter.builder("gridwork.worker.tasks.vacated", worker, GridWorker::vacatedTasks)
                .description("running tasks handed back because the machine's owner came back").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Server server = server(bindHost, port, limits, registry);
        try {
            server.start();
        } catch (IOException e) {
            stop(server);
            throw e;
        } catch (Exception e) {
            stop(server);
            throw new IOException(e.getMessage(), e);
        }
        return new WorkerMetrics(server);
    }

    /**
     * The limits of the port: a connection silent for {@code idleTimeout} is closed, a request line over
     * {@code maxHeadBytes} gets 414 and headers over it 431, at most {@code maxConnections} at once.
     */
    record Limits(Duration idleTimeout, int maxHeadBytes, int maxConnections) {
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(30), 8 * 1024, 256);
    }

    /**
     * Jetty's core server: it reads requests without a thread per connection, so a client that sends half a request
     * (or a TLS hello) holds a socket until the idle timeout, never one of the few threads that answer scrapes.
     */
    private static Server server(String bindHost, int port, Limits limits, PrometheusMeterRegistry registry) {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("gridwork-worker-metrics");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeadBytes());
        http.setSendServerVersion(false);
        http.setIdleTimeout(limits.idleTimeout().toMillis());
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(bindHost);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        server.addConnector(connector);
        NetworkConnectionLimit cap = new NetworkConnectionLimit(limits.maxConnections(), connector);
        cap.setEndPointIdleTimeout(Math.min(limits.idleTimeout().toMillis(), 2_000));
        server.addBean(cap);
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setDefaultResponseMimeType("text/plain");
        server.setErrorHandler(errors);
        server.setStopTimeout(0);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String method = request.getMethod();
                byte[] body;
                if (!request.getHttpURI().getDecodedPath().equals("/metrics")) {
                    response.setStatus(404);
                    body = "no page here: the metrics are at /metrics\n".getBytes(StandardCharsets.UTF_8);
                } else if (method.equals("GET") || method.equals("HEAD")) {
                    response.setStatus(200);
                    body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                } else {
                    response.setStatus(405);
                    response.getHeaders().put("Allow", "GET, HEAD");
                    body = "use GET\n".getBytes(StandardCharsets.UTF_8);
                }
                response.getHeaders().put("Content-Type", response.getStatus() == 200
                        ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
                response.getHeaders().put("Content-Length", Integer.toString(body.length));
                response.write(true, method.equals("HEAD") ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
                return true;
            }
        });
        return server;
    }

    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() {
        stop(server);
    }

    private static void stop(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // closing: nothing left to do with it
        }
    }
}
