package io.gridwork.master.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.testing.SlowClients;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP port's limits, on a port with a trivial handler and a short idle timeout. */
class HttpPortTest {

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            HttpPort.stopQuietly(server);
        }
    }

    private int start(HttpPort.Limits limits) throws Exception {
        server = HttpPort.create("127.0.0.1", 0, null, limits, "test-http", new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.write(true, ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        HttpPort.start(server);
        return HttpPort.port(server);
    }

    @Test
    void aConnectionThatStallsInTheMiddleOfARequestIsClosedAfterTheIdleTimeout() throws Exception {
        int port = start(new HttpPort.Limits(Duration.ofMillis(300), 16 * 1024, 1024, 8));
        try (SlowClients slow = new SlowClients("127.0.0.1", port)) {
            slow.halfRequestLines(3).unfinishedHeads(3).tlsHellos(2).silent(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> slow.closedByServer() == 10);
        }
    }

    @Test
    void theDefaultLimitsAreTheDocumentedOnes() {
        assertThat(HttpPort.Limits.DEFAULT.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(HttpPort.Limits.DEFAULT.maxHeadBytes()).isEqualTo(16 * 1024);
        assertThat(HttpPort.Limits.DEFAULT.maxConnections()).isEqualTo(1024);
    }

    @Test
    void aPortInUseIsAnIoException() throws Exception {
        int port = start(HttpPort.Limits.DEFAULT);
        Server second = HttpPort.create("127.0.0.1", port, null, HttpPort.Limits.DEFAULT, "test-http-2", new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                callback.succeeded();
                return true;
            }
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpPort.start(second))
                .isInstanceOf(java.io.IOException.class);
    }
}
