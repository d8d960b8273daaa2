package io.gridwork.master.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.api.v1.CreateTokenRequest;
import io.gridwork.api.v1.Token;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.internal.tls.GridTrust;
import io.gridwork.internal.tls.TokenText;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.gridwork.master.model.Role;
import io.gridwork.master.security.AccessPolicy;
import io.gridwork.master.security.AccessPolicy.Action;
import io.gridwork.master.security.Principal;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.testing.TestJars;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console answers the same access matrix as the gRPC API: every page and action of an in-process master's
 * HTTP API, called by every kind of caller, is refused (401 or 403) exactly when the {@link AccessPolicy} says so,
 * roles and ownership both.
 */
class ConsoleAccessTest {

    @TempDir
    static Path dir;

    static GridMaster master;
    static HttpClient http;
    static String base;
    static String alicesJob;
    static GridClient alicesClient;
    static Path jar;
    static SSLContext tls;

    /** A caller of the matrix: its token, and who the policy takes it for (null: no credential at all). */
    record Caller(String name, String token, Principal principal) {}

    static final List<Caller> CALLERS = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        master = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0).httpPort(0)
                .dataDir(dir.resolve("m")).build());
        Credentials creds = Credentials.read(master.credentialsFile());
        X509Certificate ca = creds.ca().orElseThrow();
        String admin = creds.token().orElseThrow();
        String alice;
        String bob;
        String viewer;
        String join;
        try (GridClient root = GridClient.builder().target("127.0.0.1:" + master.port()).token(admin).trustCa(ca).build()) {
            alice = token(root, "alice", Token.Role.SUBMITTER);
            bob = token(root, "bob", Token.Role.SUBMITTER);
            viewer = token(root, "val", Token.Role.VIEWER);
            join = TokenText.join(token(root, "joiners", Token.Role.WORKER)).token().toString();
        }
        alicesClient = GridClient.builder().target("127.0.0.1:" + master.port()).token(alice).trustCa(ca).build();
        jar = TestJars.of(dir.resolve("in"), "jobs.jar", SquaresJob.class);
        alicesJob = submitAsAlice();
        CALLERS.add(new Caller("admin", admin, new Principal(Principal.Kind.TOKEN, Role.ADMIN, "admin")));
        CALLERS.add(new Caller("alice (owner)", alice, new Principal(Principal.Kind.TOKEN, Role.SUBMITTER, "alice")));
        CALLERS.add(new Caller("bob (another submitter)", bob, new Principal(Principal.Kind.TOKEN, Role.SUBMITTER, "bob")));
        CALLERS.add(new Caller("viewer", viewer, new Principal(Principal.Kind.TOKEN, Role.VIEWER, "val")));
        CALLERS.add(new Caller("join token", join, new Principal(Principal.Kind.JOIN_TOKEN, Role.WORKER, "joiners")));
        CALLERS.add(new Caller("nobody", null, null));
        tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {GridTrust.master(ca)}, null);
        http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
        base = "https://127.0.0.1:" + master.httpPort();
    }

    @AfterAll
    static void stop() {
        if (alicesClient != null) {
            alicesClient.close();
        }
        if (master != null) {
            master.close();
        }
    }

    /** A new job of alice's; it stays queued (no worker runs it). */
    private static String submitAsAlice() throws Exception {
        return alicesClient.submit(JobSubmission.builder().jar(jar).jobClass(SquaresJob.class.getName()).arg("n", "3").build());
    }

    private static String token(GridClient admin, String name, Token.Role role) {
        return admin.call(s -> s.createToken(CreateTokenRequest.newBuilder().setName(name).setRole(role).build())).getSecret();
    }

    /** A request of the HTTP API, the actions it stands for, and whether what it acts on is alice's. */
    record Endpoint(String method, String path, Set<Action> actions, boolean ownedByAlice) {}

    static List<Endpoint> endpoints() {
        String job = "/api/jobs/" + alicesJob;
        List<Endpoint> all = new ArrayList<>();
        all.add(new Endpoint("GET", "/api/me", EnumSet.of(Action.READ_SELF), false));
        all.add(new Endpoint("GET", "/api/data", EnumSet.of(Action.READ_DATA), false));
        all.add(new Endpoint("GET", "/api/overview", EnumSet.of(Action.READ_JOBS, Action.READ_WORKERS), false));
        all.add(new Endpoint("GET", "/metrics", EnumSet.of(Action.READ_METRICS), false));
        all.add(new Endpoint("GET", "/api/masters", EnumSet.of(Action.READ_MASTERS), false));
        all.add(new Endpoint("GET", "/api/workers", EnumSet.of(Action.READ_WORKERS), false));
        all.add(new Endpoint("GET", "/api/workers/nobody", EnumSet.of(Action.READ_WORKERS), false));
        all.add(new Endpoint("POST", "/api/workers/nobody/drain", EnumSet.of(Action.DRAIN_WORKERS), false));
        all.add(new Endpoint("POST", "/api/workers/nobody/undrain", EnumSet.of(Action.DRAIN_WORKERS), false));
        all.add(new Endpoint("GET", "/api/jobs", EnumSet.of(Action.READ_JOBS), false));
        all.add(new Endpoint("GET", job, EnumSet.of(Action.READ_JOBS), true));
        all.add(new Endpoint("GET", job + "/tasks", EnumSet.of(Action.READ_JOBS), true));
        all.add(new Endpoint("GET", job + "/result", EnumSet.of(Action.READ_RESULTS), true));
        all.add(new Endpoint("GET", job + "/tasks/0/attempts", EnumSet.of(Action.READ_RESULTS), true));
        all.add(new Endpoint("POST", "/api/jobs/NEW/cancel", EnumSet.of(Action.CANCEL_JOBS), true)); // a new job each call
        return all;
    }

    @Test
    void theMastersPageAndTheMetricsShowThisMasterAloneAndActive() throws Exception {
        String viewer = CALLERS.stream().filter(c -> c.name().equals("viewer")).findFirst().orElseThrow().token();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/api/masters?events=10"))
                .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        com.google.gson.JsonObject body = com.google.gson.JsonParser.parseString(page.body()).getAsJsonObject();
        assertThat(body.getAsJsonArray("masters")).hasSize(1);
        com.google.gson.JsonObject self = body.getAsJsonArray("masters").get(0).getAsJsonObject();
        assertThat(self.get("state").getAsString()).isEqualTo("ACTIVE");
        assertThat(self.get("self").getAsBoolean()).isTrue();
        assertThat(self.get("address").getAsString()).endsWith(":" + master.port());
        // its own start is the one event
        assertThat(body.getAsJsonArray("events")).hasSize(1);
        com.google.gson.JsonObject joined = body.getAsJsonArray("events").get(0).getAsJsonObject();
        assertThat(joined.get("type").getAsString()).isEqualTo("JOINED");
        assertThat(joined.get("masterId").getAsString()).isEqualTo(self.get("id").getAsString());
        HttpResponse<String> job = http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + alicesJob))
                .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(com.google.gson.JsonParser.parseString(job.body()).getAsJsonObject().getAsJsonObject("job")
                .get("master").getAsString()).isEqualTo(self.get("id").getAsString());
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(base + "/api/masters?events=-1"))
                .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("gridwork_masters{state=\"ACTIVE\"} 1.0")
                .contains("gridwork_masters{state=\"DEAD\"} 0.0");
    }

    @Test
    void stalledConnectionsDoNotKeepTheTlsPortFromAnswering() throws Exception {
        String viewer = CALLERS.stream().filter(c -> c.name().equals("viewer")).findFirst().orElseThrow().token();
        try (io.gridwork.testing.SlowClients slow = new io.gridwork.testing.SlowClients("127.0.0.1", master.httpPort())) {
            // handshakes never begun, plain HTTP sent to the TLS port, requests stalled after the handshake
            slow.silent(16).halfRequestLines(8).halfRequestLinesOverTls(16, tls);
            HttpClient fresh = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(1)).build();
            for (String path : List.of("/api/overview", "/metrics")) {
                HttpResponse<String> r = fresh.send(HttpRequest.newBuilder(URI.create(base + path))
                        .header("Authorization", "Bearer " + viewer).timeout(Duration.ofSeconds(1)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(path).isEqualTo(200);
            }
        }
    }

    @Test
    void theHttpApiAnswersThePolicysMatrix() throws Exception {
        Map<String, Integer> statuses = new LinkedHashMap<>();
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            for (Caller c : CALLERS) {
                String path = e.path().replace("NEW", submitAsAlice());
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                        .method(e.method(), HttpRequest.BodyPublishers.noBody());
                if (c.token() != null) {
                    request.header("Authorization", "Bearer " + c.token());
                }
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                statuses.put(e.method() + " " + e.path() + " by " + c.name(), status);
                if (c.principal() == null) {
                    if (status != 401) {
                        wrong.add(e.method() + " " + e.path() + " without a credential: " + status + " (expected 401)");
                    }
                    continue;
                }
                boolean allowed = e.actions().stream().allMatch(a -> e.ownedByAlice()
                        ? AccessPolicy.allows(c.principal(), a, "alice") : AccessPolicy.allows(c.principal(), a));
                boolean refused = status == 401 || status == 403;
                if (allowed == refused || status >= 500) {
                    wrong.add(e.method() + " " + e.path() + " by " + c.name() + ": " + status + " " + response.body()
                            + " (the policy " + (allowed ? "allows" : "refuses") + " it)");
                }
            }
        }
        assertThat(wrong).as("every answer: %s", statuses).isEmpty();
        // the matrix is not trivial: ownership and roles both decide somewhere
        assertThat(statuses.get("GET /api/jobs/" + alicesJob + " by alice (owner)")).isEqualTo(200);
        assertThat(statuses.get("GET /api/jobs/" + alicesJob + " by bob (another submitter)")).isEqualTo(403);
        assertThat(statuses.get("POST /api/jobs/NEW/cancel by viewer")).isEqualTo(403);
        assertThat(statuses.get("POST /api/jobs/NEW/cancel by bob (another submitter)")).isEqualTo(403);
        assertThat(statuses.get("POST /api/jobs/NEW/cancel by alice (owner)")).isEqualTo(200);
        assertThat(statuses.get("POST /api/jobs/NEW/cancel by admin")).isEqualTo(200);
        assertThat(statuses.get("POST /api/workers/nobody/drain by admin")).isEqualTo(404);
    }
}
