package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.gridwork.testing.TestJars;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's JSON API with a worker that runs a job (an insecure master in this JVM): the result as the CLI
 * shows it, its bytes on request, and a worker's incarnation of one type wherever it appears.
 */
class DashboardApiTest {

    @TempDir
    Path dir;

    private GridMaster master;
    private GridClient client;
    private GridWorker worker;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        master = GridMaster.start(MasterOptions.builder().insecure(true).bindHost("127.0.0.1").port(0).httpPort(0)
                .dataDir(dir.resolve("master")).build());
        client = GridClient.builder().target("127.0.0.1:" + master.port()).insecure(true).build();
        worker = GridWorker.start(WorkerOptions.builder().master("127.0.0.1:" + master.port()).insecure(true).name("w1")
                .slots(2).workDir(dir.resolve("w1")).build());
        await().atMost(Duration.ofSeconds(20)).until(worker::isConnected);
    }

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
        if (client != null) {
            client.close();
        }
        if (master != null) {
            master.close();
        }
    }

    private HttpResponse<byte[]> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + master.httpPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private JsonObject json(String path) throws Exception {
        HttpResponse<byte[]> r = get(path);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return JsonParser.parseString(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void aResultIsItsTextAsTheCliPrintsItAndItsBytesOnRequest() throws Exception {
        Path jar = TestJars.of(dir.resolve("in"), "sleep.jar", SleepJob.class);
        String id = client.submit(JobSubmission.builder().jar(jar).jobClass(SleepJob.class.getName())
                .arg("n", "10").arg("ms", "1").build());
        assertThat(client.await(id, Duration.ofSeconds(60), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        String cli = client.result(id).text().orElseThrow();
        assertThat(cli).isEqualTo("45");

        HttpResponse<byte[]> text = get("/api/jobs/" + id + "/result");
        assertThat(text.statusCode()).isEqualTo(200);
        assertThat(new String(text.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("45\n");
        assertThat(text.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        String codecType = text.headers().firstValue("X-Gridwork-Media-Type").orElseThrow();

        HttpResponse<byte[]> raw = get("/api/jobs/" + id + "/result?format=raw");
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.body()).hasSize(8);
        assertThat(ByteBuffer.wrap(raw.body()).getLong()).isEqualTo(45L);
        assertThat(raw.headers().firstValue("Content-Type")).hasValue(codecType);
        assertThat(raw.headers().firstValue("Content-Disposition").orElseThrow()).contains(id + ".result");
    }

    @Test
    void aWorkersIncarnationIsAStringInItsHistoryAndInTheOverview() throws Exception {
        JsonObject page = json("/api/workers/w1");
        JsonElement incarnation = page.getAsJsonObject("worker").get("incarnation");
        JsonArray history = page.getAsJsonArray("history");
        assertThat(history).isNotEmpty();
        JsonObject overview = json("/api/overview");
        JsonArray events = overview.getAsJsonArray("events");
        assertThat(events).isNotEmpty();
        assertThat(incarnation.getAsJsonPrimitive().isString()).isTrue();
        for (JsonElement e : history) {
            assertThat(e.getAsJsonObject().get("incarnation").getAsJsonPrimitive().isString()).as("history %s", e).isTrue();
        }
        for (JsonElement e : events) {
            assertThat(e.getAsJsonObject().get("incarnation").getAsJsonPrimitive().isString()).as("event %s", e).isTrue();
        }
        // the same event, the same fields, wherever it is shown (its time as stored may have fewer digits)
        JsonObject first = history.get(0).getAsJsonObject().deepCopy();
        JsonObject seen = events.get(0).getAsJsonObject().deepCopy();
        first.remove("at");
        seen.remove("at");
        assertThat(first).isEqualTo(seen);
        // a worker that has done nothing yet shows its zeros
        JsonObject w = json("/api/workers?limit=10").getAsJsonArray("workers").get(0).getAsJsonObject();
        assertThat(w.get("failed").getAsString()).isEqualTo("0");
        assertThat(w.get("completed").getAsString()).isEqualTo("0");
    }
}
