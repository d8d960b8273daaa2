package io.gridwork.master.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.gridwork.testing.SlowClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master's HTTP port under clients that misbehave: stalled requests and TLS hellos on the plain port of an insecure
 * master do not keep the API and the metrics from answering, and requests that are too large or use the wrong method
 * get the status HTTP has for them. (The TLS port is covered in {@link ConsoleAccessTest}.)
 */
class ConsolePortTest {

    @TempDir
    static Path dir;

    static GridMaster master;
    static HttpClient http;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        master = GridMaster.start(MasterOptions.builder().insecure(true).bindHost("127.0.0.1").port(0).httpPort(0)
                .dataDir(dir.resolve("m")).build());
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        base = "http://127.0.0.1:" + master.httpPort();
    }

    @AfterAll
    static void stop() {
        if (master != null) {
            master.close();
        }
    }

    private static HttpResponse<String> call(String method, String path, Duration timeout) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void dozensOfStalledConnectionsDoNotKeepTheApiAndTheMetricsFromAnswering() throws Exception {
        try (SlowClients slow = new SlowClients("127.0.0.1", master.httpPort())) {
            // the JDK's server stopped answering everyone with 4 of these
            slow.halfRequestLines(32).unfinishedHeads(16).tlsHellos(16).silent(16);
            for (int i = 0; i < 3; i++) {
                // a functional limit for one request (each on a new connection): far above what it takes, far below 30 s
                HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
                HttpResponse<String> overview = fresh.send(HttpRequest.newBuilder(URI.create(base + "/api/overview"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(overview.statusCode()).isEqualTo(200);
                assertThat(overview.body()).contains("\"workers\"");
                HttpResponse<String> metrics = fresh.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(metrics.statusCode()).isEqualTo(200);
                assertThat(metrics.body()).contains("gridwork_");
            }
            // the TLS hellos were answered 400 and closed at once, not left to hold anything
            assertThat(slow.closedByServer()).isGreaterThanOrEqualTo(16);
        }
    }

    @Test
    void aMegabyteUrlIs414AndTwoMegabytesOfHeaderIs431() throws Exception {
        String tooLong = SlowClients.rawExchange("127.0.0.1", master.httpPort(), SlowClients.longUrl("/api/jobs", 1 << 20));
        assertThat(tooLong).startsWith("HTTP/1.1 414 ");
        String tooBig = SlowClients.rawExchange("127.0.0.1", master.httpPort(), SlowClients.bigHeader("/api/jobs", 2 << 20));
        assertThat(tooBig).startsWith("HTTP/1.1 431 ");
        // and the port goes on answering
        assertThat(call("GET", "/api/me", Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
    }

    @Test
    void headIsGetWithoutTheBody() throws Exception {
        HttpResponse<String> get = call("GET", "/api/overview", Duration.ofSeconds(5));
        HttpResponse<String> head = call("HEAD", "/api/overview", Duration.ofSeconds(5));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Type")).isEqualTo(get.headers().firstValue("Content-Type"));
        assertThat(head.headers().firstValueAsLong("Content-Length").orElseThrow()).isPositive();
        assertThat(call("HEAD", "/metrics", Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
        assertThat(call("HEAD", "/", Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
    }

    @Test
    void aWrongMethodIs405WithTheAllowedOnes() throws Exception {
        HttpResponse<String> post = call("POST", "/api/overview", Duration.ofSeconds(5));
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(post.body()).contains("use GET");
        HttpResponse<String> get = call("GET", "/api/workers/w1/drain", Duration.ofSeconds(5));
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> page = call("DELETE", "/", Duration.ofSeconds(5));
        assertThat(page.statusCode()).isEqualTo(405);
        assertThat(page.headers().firstValue("Allow")).hasValue("GET, HEAD");
        HttpResponse<String> metrics = call("PUT", "/metrics", Duration.ofSeconds(5));
        assertThat(metrics.statusCode()).isEqualTo(405);
        assertThat(metrics.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
}
