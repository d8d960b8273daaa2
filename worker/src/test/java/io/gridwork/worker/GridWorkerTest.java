package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.gridwork.sdk.Codecs;
import io.gridwork.internal.JobClassLoaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Workers against a real master on loopback (in this JVM, on an ephemeral port). */
class GridWorkerTest extends RealMasterTest {

    @Override
    Class<?>[] jobClasses() {
        return new Class<?>[] {SleepJob.class};
    }

    private GridWorker worker(String name, int slots, int prefetch, Duration drain) throws Exception {
        return worker(name, slots, prefetch, drain, JobClassLoaders.DEFAULT_MAX_IDLE);
    }

    private GridWorker worker(String name, int slots, int prefetch, Duration drain, int idleClassLoaders) throws Exception {
        return start(WorkerOptions.builder().name(name).slots(slots).prefetch(prefetch).workDir(dir.resolve(name))
                .drainTimeout(drain).idleClassLoaders(idleClassLoaders));
    }

    private String submit(int n, int ms) throws Exception {
        return client.submit(JobSubmission.builder().jar(jar).jobClass(SleepJob.class.getName())
                .arg("n", Integer.toString(n)).arg("ms", Integer.toString(ms)).build());
    }

    @Test
    void aWorkerNeverHoldsMoreThanItsSlotsPlusPrefetch() throws Exception {
        GridWorker w = worker("w1", 2, 1, Duration.ofSeconds(5));
        String id = submit(30, 20);
        JobStatus done = client.await(id, Duration.ofSeconds(60), s -> { });
        assertThat(done.getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(client.result(id).decode(Codecs.LONG)).isEqualTo(29L * 30 / 2);
        assertThat(w.maxHeldTasks()).isBetween(2, 3);
        assertThat(w.completedTasks()).isEqualTo(30);
    }

    @Test
    void aWorkerJoiningMidJobOfLongTasksAfterAJobOfTinyOnesRunsItsShare() throws Exception {
        List<GridWorker> first = new ArrayList<>();
        for (String name : List.of("w1", "w2", "w3")) {
            first.add(worker(name, 1, WorkerOptions.AUTO_PREFETCH, Duration.ofSeconds(5)));
        }
        String tiny = submit(3000, 0);
        assertThat(client.await(tiny, Duration.ofSeconds(120), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        // tiny tasks: the workers' automatic prefetch grew far beyond its minimum
        assertThat(first.stream().mapToInt(GridWorker::prefetchWindow).max().orElseThrow()).isGreaterThan(16);

        int n = 48;
        String slow = submit(n, 300);
        await().atMost(Duration.ofSeconds(60)).until(() -> client.status(slow).getTasks().getSucceeded() >= 3);
        GridWorker late = worker("w4", 1, WorkerOptions.AUTO_PREFETCH, Duration.ofSeconds(5));
        long left = n - client.status(slow).getTasks().getSucceeded();

        assertThat(client.await(slow, Duration.ofSeconds(120), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(client.result(slow).decode(Codecs.LONG)).isEqualTo((long) (n - 1) * n / 2);
        // its share of what was left when it joined is a quarter; the others may have held up to 3 each by then, and
        // on a busy machine it joins late in its own time: half its share is the floor here (before the allowance
        // followed the work it ran none; DispatchShareTest checks the share itself, on a settable clock)
        assertThat(late.completedTasks()).isGreaterThanOrEqualTo(left / 8).isGreaterThan(0);
        // the long tasks shrank the others' windows, and what they held beyond them went back
        assertThat(first).allSatisfy(w -> assertThat(w.prefetchWindow()).isEqualTo(WorkerOptions.AUTO_PREFETCH_MIN));
        assertThat(first.stream().mapToLong(GridWorker::givenBackTasks).sum()).isGreaterThan(0);
    }

    @Test
    void theHealthServiceIsBoundWhereToldAndTheMasterListsItsAddress() throws Exception {
        GridWorker w = GridWorker.start(WorkerOptions.builder().master("127.0.0.1:" + master.port()).name("hb")
                .slots(1).workDir(dir.resolve("hb")).healthBind("127.0.0.1")
                .joinToken(credentials.joinToken().orElseThrow()).build());
        workers.add(w);
        await().atMost(Duration.ofSeconds(20)).until(w::isConnected);
        WorkerInfo info = client.workers(false).stream().filter(i -> i.getName().equals("hb")).findFirst().orElseThrow();
        assertThat(info.getHealthAddress()).isEqualTo("127.0.0.1:" + w.healthPort());

        assertThatThrownBy(() -> GridWorker.start(WorkerOptions.builder().master("127.0.0.1:" + master.port())
                .name("hb2").slots(1).workDir(dir.resolve("hb2")).healthBind("127.0.0.1").healthPort(w.healthPort())
                .joinToken(credentials.joinToken().orElseThrow()).build()))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageStartingWith("cannot serve the health service on 127.0.0.1:" + w.healthPort()
                        + " (--health-bind, --health-port): ");
    }

    @Test
    void aWorkerServesItsMetricsForPrometheus() throws Exception {
        GridWorker w = worker("w1", 2, 1, Duration.ofSeconds(5));
        try (WorkerMetrics metrics = WorkerMetrics.start(w, "127.0.0.1", 0)) {
            String id = submit(6, 1);
            assertThat(client.await(id, Duration.ofSeconds(60), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metrics.port() + "/metrics"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("gridwork_worker_tasks_total{worker=\"w1\"} 6.0")
                    .contains("gridwork_worker_slots{worker=\"w1\"} 2.0")
                    .contains("gridwork_worker_connected{worker=\"w1\"} 1.0")
                    .contains("gridwork_worker_owner_busy{worker=\"w1\"} 0.0")
                    .contains("gridwork_worker_tasks_vacated_total{worker=\"w1\"} 0.0")
                    .contains("gridwork_worker_tasks_failed_total{worker=\"w1\"} 0.0");
        }
    }

    @Test
    void aWorkersMetricsPortOutlastsStalledClientsAndAnswersWithHttpsStatuses() throws Exception {
        GridWorker w = worker("w1", 1, 0, Duration.ofSeconds(5));
        try (WorkerMetrics metrics = WorkerMetrics.start(w, "127.0.0.1", 0);
                io.gridwork.testing.SlowClients slow = new io.gridwork.testing.SlowClients("127.0.0.1", metrics.port())) {
            // the JDK's server stopped answering with one of these
            slow.halfRequestLines(32).unfinishedHeads(16).tlsHellos(8).silent(8);
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + metrics.port() + "/metrics");
            for (int i = 0; i < 3; i++) {
                java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(1)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("gridwork_worker_slots{worker=\"w1\"} 1.0");
            }
            java.net.http.HttpResponse<String> head = http.send(java.net.http.HttpRequest.newBuilder(uri)
                    .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            java.net.http.HttpResponse<String> post = http.send(java.net.http.HttpRequest.newBuilder(uri)
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(io.gridwork.testing.SlowClients.rawExchange("127.0.0.1", metrics.port(),
                    io.gridwork.testing.SlowClients.longUrl("/metrics", 1 << 20))).startsWith("HTTP/1.1 414 ");
            assertThat(io.gridwork.testing.SlowClients.rawExchange("127.0.0.1", metrics.port(),
                    io.gridwork.testing.SlowClients.bigHeader("/metrics", 2 << 20))).startsWith("HTTP/1.1 431 ");
        }
    }

    @Test
    void aWorkersMetricsPortClosesAConnectionThatStallsAfterItsIdleTimeout() throws Exception {
        GridWorker w = worker("w1", 1, 0, Duration.ofSeconds(5));
        try (WorkerMetrics metrics = WorkerMetrics.start(w, "127.0.0.1", 0,
                new WorkerMetrics.Limits(Duration.ofMillis(300), 8 * 1024, 256));
                io.gridwork.testing.SlowClients slow = new io.gridwork.testing.SlowClients("127.0.0.1", metrics.port())) {
            slow.halfRequestLines(2).unfinishedHeads(2).silent(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> slow.closedByServer() == 6);
        }
    }

    @Test
    void aJobsCodeIsReusedByTheNextJobOfItsJar() throws Exception {
        GridWorker w = worker("w1", 2, 1, Duration.ofSeconds(5));
        String first = submit(2, 1);
        assertThat(client.await(first, Duration.ofSeconds(60), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        await().atMost(Duration.ofSeconds(10)).until(() -> w.jobCache().loadedJobs() == 0);
        String second = submit(2, 1);
        assertThat(client.await(second, Duration.ofSeconds(60), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(w.jobCache().loaders()).hasSize(1);
        assertThat(w.jobCache().loaders().get(0).get()).isNotNull();
    }

    @Test
    void aJobsCodeIsUnloadedOnceItEndsWhenNoLoaderIsKept() throws Exception {
        GridWorker w = worker("w1", 2, 1, Duration.ofSeconds(5), 0);
        String id = submit(4, 1);
        assertThat(client.await(id, Duration.ofSeconds(60), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        await().atMost(Duration.ofSeconds(10)).until(() -> w.jobCache().loadedJobs() == 0);
        assertThat(w.jobCache().loaders()).isNotEmpty();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            return w.jobCache().loaders().stream().allMatch(ref -> ref.get() == null);
        });
    }

    @Test
    void aStoppingWorkerHandsBackWhatItCannotFinishAndTheJobCompletesElsewhere() throws Exception {
        GridWorker leaving = worker("leaving", 2, 0, Duration.ZERO);
        String id = submit(6, 1500);
        await().atMost(Duration.ofSeconds(20)).until(() -> leaving.heldTasks() == 2);
        GridWorker staying = worker("staying", 2, 0, Duration.ofSeconds(5));
        leaving.close();
        JobStatus done = client.await(id, Duration.ofSeconds(60), s -> { });
        assertThat(done.getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(done.getTasks().getRetried()).isZero();
        assertThat(client.result(id).decode(Codecs.LONG)).isEqualTo(15L);
        assertThat(staying.completedTasks()).isGreaterThanOrEqualTo(6);
        assertThat(client.workers(true)).filteredOn(i -> i.getName().equals("leaving"))
                .extracting(WorkerInfo::getState).containsExactly(WorkerInfo.State.LEFT);
    }

    @Test
    void aWorkerRidesOutAMasterRestart() throws Exception {
        int port = master.port();
        GridWorker w = worker("w1", 2, 1, Duration.ofSeconds(5));
        master.close();
        client.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !w.isConnected());
        master = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(port).dataDir(dir.resolve("master")).build());
        client = GridClient.builder().target("127.0.0.1:" + port).credentials(credentials).build();
        await().atMost(Duration.ofSeconds(20)).until(w::isConnected);
        String id = submit(5, 1);
        assertThat(client.await(id, Duration.ofSeconds(60), s -> { }).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(client.result(id).decode(Codecs.LONG)).isEqualTo(10L);
    }
}
