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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
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
    static String job;

    @BeforeAll
    static void start() throws Exception {
        master = GridMaster.start(MasterOptions.builder().insecure(true).bindHost("127.0.0.1").port(0).httpPort(0)
                .dataDir(dir.resolve("m")).build());
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        base = "http://127.0.0.1:" + master.httpPort();
        java.nio.file.Path jar = io.gridwork.testing.TestJars.of(dir.resolve("in"), "jobs.jar",
                io.gridwork.master.testjobs.SquaresJob.class);
        try (io.gridwork.client.GridClient client = io.gridwork.client.GridClient.builder()
                .target("127.0.0.1:" + master.port()).insecure(true).build()) {
            // it stays queued: no worker runs it
            job = client.submit(io.gridwork.client.JobSubmission.builder().jar(jar)
                    .jobClass(io.gridwork.master.testjobs.SquaresJob.class.getName()).arg("n", "3").build());
        }
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
    void listLimitsAreTheGrpcApisAndABadParameterIsA400NamingIt() throws Exception {
        for (String path : List.of("/api/jobs?limit=1000", "/api/jobs?limit=0", "/api/jobs?limit=1",
                "/api/workers?limit=1000&offset=0&departed=false", "/api/workers?departed=true",
                "/api/masters?events=1000", "/api/masters?events=0", "/api/jobs/" + job + "/tasks?from=0&limit=1000")) {
            assertThat(call("GET", path, Duration.ofSeconds(5)).statusCode()).as(path).isEqualTo(200);
        }
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("/api/jobs?limit=1001", "limit: must be from 0 to 1000, got 1001");
        bad.put("/api/jobs?limit=-1", "limit: must be from 0 to 1000, got -1");
        bad.put("/api/workers?offset=-5", "offset: must be from 0");
        bad.put("/api/workers?departed=maybe", "departed: true or false, not maybe");
        bad.put("/api/masters?events=1001", "events: must be from 0 to 1000");
        bad.put("/api/jobs/" + job + "/tasks?from=-1", "from: must be a task index, 0 or more, not -1");
        bad.put("/api/jobs/" + job + "/tasks?from=x", "from: not a number: x");
        bad.put("/api/jobs/" + job + "/tasks?limit=5000", "limit: must be from 0 to 1000");
        bad.put("/api/jobs/" + job + "/result?format=pdf", "format: one of text");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            HttpResponse<String> r = call("GET", e.getKey(), Duration.ofSeconds(5));
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
            assertThat(JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString()).as(e.getKey())
                    .startsWith(e.getValue());
        }
        // a page of one: the limit is applied, not only checked
        JsonObject one = JsonParser.parseString(call("GET", "/api/jobs?limit=1", Duration.ofSeconds(5)).body()).getAsJsonObject();
        assertThat(one.getAsJsonArray("jobs")).hasSize(1);
    }

    @Test
    void zeroValuedFieldsOfAQueuedJobArePresent() throws Exception {
        JsonObject body = JsonParser.parseString(call("GET", "/api/jobs/" + job, Duration.ofSeconds(5)).body()).getAsJsonObject();
        JsonObject j = body.getAsJsonObject("job");
        assertThat(j.getAsJsonObject("tasks").get("succeeded").getAsString()).isEqualTo("0");
        assertThat(j.get("resultSize").getAsString()).isEqualTo("0");
        assertThat(j.get("priority").getAsInt()).isZero();
        assertThat(j.get("speculation").isJsonPrimitive()).isTrue();
        assertThat(j.has("finishedAt")).isFalse();
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
