package io.gridwork.master.http;

import java.io.IOException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The master's HTTP port on Jetty's core server (no servlets). Jetty reads requests without a thread per connection,
 * so clients that send half a request, or a TLS hello to a plain port, hold a socket and nothing else: the pool's
 * threads only run requests that have arrived whole. The limits:
 * <ul>
 *   <li>a connection that sends nothing for {@link Limits#idleTimeout()} (30 s) is closed, whether it is in the middle
 *       of a request or idle between two;</li>
 *   <li>a request line over {@link Limits#maxHeadBytes()} (16 KiB) is answered 414, headers over it 431;</li>
 *   <li>at most {@link Limits#maxConnections()} (1024) connections at once; past it new ones wait in the backlog and
 *       the open ones get a short idle timeout, so they free their places quickly.</li>
 * </ul>
 */
final class HttpPort {

    /** The limits of the port; {@link #DEFAULT} in production, shorter in tests. */
    record Limits(Duration idleTimeout, int maxHeadBytes, int maxConnections, int maxThreads) {
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(30), 16 * 1024, 1024, 24);
    }

    private HttpPort() {}

    /**
     * A server (not started) for {@code handler} on {@code bindHost:port} (0: a free port): HTTPS with {@code tls},
     * plain HTTP when it is null.
     */
    static Server create(String bindHost, int port, SSLContext tls, Limits limits, String threadName, Handler handler) {
        QueuedThreadPool threads = new QueuedThreadPool(limits.maxThreads(), 2);
        threads.setName(threadName);
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeadBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setIdleTimeout(limits.idleTimeout().toMillis());
        ConnectionFactory plain = new HttpConnectionFactory(http);
        ServerConnector connector;
        if (tls == null) {
            connector = new ServerConnector(server, 1, 1, plain);
        } else {
            SslContextFactory.Server factory = new SslContextFactory.Server();
            factory.setSslContext(tls);
            connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(factory, plain.getProtocol()), plain);
        }
        connector.setHost(bindHost);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.setAcceptQueueSize(128);
        server.addConnector(connector);
        NetworkConnectionLimit cap = new NetworkConnectionLimit(limits.maxConnections(), connector);
        cap.setEndPointIdleTimeout(Math.min(limits.idleTimeout().toMillis(), 2_000));
        server.addBean(cap);
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowCauses(false);
        errors.setDefaultResponseMimeType("text/plain");
        server.setErrorHandler(errors);
        server.setHandler(handler);
        server.setStopTimeout(0);
        return server;
    }

    /** Starts {@code server}; a port that cannot be bound is an {@link IOException} (as with the JDK's server). */
    static void start(Server server) throws IOException {
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly(server);
            throw e;
        } catch (Exception e) {
            stopQuietly(server);
            throw new IOException(e.getMessage(), e);
        }
    }

    static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // closing: nothing left to do with it
        }
    }
}
