package io.gridwork.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListMastersRequest;
import io.gridwork.api.v1.ListMastersResponse;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.SubmitJobResponse;
import io.gridwork.api.v1.WatchJobRequest;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client of several masters: which failures send a call on to the next master, which do not, and a wait that
 * rides out the death of the master it was watching. The masters are fakes in this JVM sharing one "store" (a job
 * whose status they all report), in-process, and one real (Netty) server for a refused connection.
 */
class GridClientFailoverTest {

    /** What the fake masters share: the one job's status, and the watchers to tell when it changes. */
    static final class SharedStore {
        volatile JobStatus job = JobStatus.newBuilder().setId("job-1").setState(JobStatus.State.RUNNING).build();
        final List<Runnable> watchers = new CopyOnWriteArrayList<>();

        void update(JobStatus status) {
            job = status;
            watchers.forEach(Runnable::run);
        }
    }

    enum Mode { ACTIVE, STANDBY, STORES_THEN_BREAKS }

    /** A master: stores submissions (or refuses them as a standby), reports and streams the shared job. */
    static class FakeMaster extends ClientServiceGrpc.ClientServiceImplBase {
        final String id;
        final Mode mode;
        final SharedStore store;
        final AtomicInteger submits = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger watches = new AtomicInteger();

        FakeMaster(String id, Mode mode, SharedStore store) {
            this.id = id;
            this.mode = mode;
            this.store = store;
        }

        @Override
        public void submitJob(SubmitJobRequest request, StreamObserver<SubmitJobResponse> observer) {
            submits.incrementAndGet();
            switch (mode) {
                case STANDBY -> observer.onError(Status.UNAVAILABLE
                        .withDescription(GridClient.STANDBY_REFUSAL + "; active masters: a").asRuntimeException());
                case STORES_THEN_BREAKS -> observer.onError(Status.UNAVAILABLE
                        .withDescription("connection reset while answering").asRuntimeException());
                default -> {
                    observer.onNext(SubmitJobResponse.newBuilder().setJobId("job-from-" + id).build());
                    observer.onCompleted();
                }
            }
        }

        @Override
        public void getJob(GetJobRequest request, StreamObserver<JobStatus> observer) {
            reads.incrementAndGet();
            observer.onNext(store.job.toBuilder().setMaster(id).build());
            observer.onCompleted();
        }

        @Override
        public void listMasters(ListMastersRequest request, StreamObserver<ListMastersResponse> observer) {
            observer.onNext(ListMastersResponse.newBuilder().addMasters(MasterInfo.newBuilder().setId(id).setSelf(true)
                    .setState(MasterInfo.State.ACTIVE)).build());
            observer.onCompleted();
        }

        @Override
        public void watchJob(WatchJobRequest request, StreamObserver<JobStatus> observer) {
            watches.incrementAndGet();
            ServerCallStreamObserver<JobStatus> server = (ServerCallStreamObserver<JobStatus>) observer;
            Runnable send = new Runnable() {
                boolean done;

                @Override
                public synchronized void run() {
                    if (done || server.isCancelled()) {
                        return;
                    }
                    JobStatus now = store.job.toBuilder().setMaster(id).build();
                    server.onNext(now);
                    if (GridClient.isTerminal(now.getState())) {
                        done = true;
                        store.watchers.remove(this);
                        server.onCompleted();
                    }
                }
            };
            server.setOnCancelHandler(() -> store.watchers.remove(send));
            store.watchers.add(send);
            send.run();
        }
    }

    @RegisterExtension
    final InProcessMasters masters = new InProcessMasters();

    @Test
    void aSubmissionAStandbyRefusesGoesToTheNextMasterWhichThenTakesEveryCall() throws IOException {
        SharedStore store = new SharedStore();
        FakeMaster standby = new FakeMaster("b", Mode.STANDBY, store);
        FakeMaster active = new FakeMaster("a", Mode.ACTIVE, store);
        GridClient client = masters.client(standby, active);

        String id = client.submit(JobSubmission.builder().jarSha256("0".repeat(64)).jobClass("x.Job").build());

        assertThat(id).isEqualTo("job-from-a");
        assertThat(standby.submits).hasValue(1);
        assertThat(client.status("job-1").getMaster()).isEqualTo("a");
        assertThat(standby.reads).as("the client stays with the master that answered").hasValue(0);
    }

    @Test
    void aSubmissionThatMayHaveBeenStoredIsNotSentAgain() throws IOException {
        SharedStore store = new SharedStore();
        FakeMaster breaks = new FakeMaster("a", Mode.STORES_THEN_BREAKS, store);
        FakeMaster other = new FakeMaster("b", Mode.ACTIVE, store);
        GridClient client = masters.client(breaks, other);

        assertThatThrownBy(() -> client.submit(JobSubmission.builder().jarSha256("0".repeat(64)).jobClass("x.Job").build()))
                .isInstanceOfSatisfying(GridException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("connection reset while answering");
                });
        assertThat(other.submits).as("a job that may exist is not submitted twice").hasValue(0);
        // the master that failed the submission is still up: reads go on there
        assertThat(client.status("job-1").getMaster()).isEqualTo("a");
    }

    @Test
    void readsGoOnToTheNextMasterWhenOneIsDown() throws IOException {
        SharedStore store = new SharedStore();
        FakeMaster a = new FakeMaster("a", Mode.ACTIVE, store);
        FakeMaster b = new FakeMaster("b", Mode.ACTIVE, store);
        GridClient client = masters.client(a, b);
        assertThat(client.status("job-1").getMaster()).isEqualTo("a");

        masters.server(0).shutdownNow();

        assertThat(client.status("job-1").getMaster()).isEqualTo("b");
        assertThat(client.masters(0).getMasters(0).getId()).isEqualTo("b");
        assertThat(client.currentTarget()).isEqualTo(masters.channel(1).authority());
    }

    @Test
    void awaitKeepsWaitingWhenTheMasterItWatchesGoesAway() throws Exception {
        SharedStore store = new SharedStore();
        FakeMaster a = new FakeMaster("a", Mode.ACTIVE, store);
        FakeMaster b = new FakeMaster("b", Mode.ACTIVE, store);
        GridClient client = masters.client(a, b);
        List<JobStatus> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<JobStatus> done = CompletableFuture.supplyAsync(
                () -> client.await("job-1", Duration.ofSeconds(30), seen::add), masters.executor());
        await().atMost(Duration.ofSeconds(10)).until(() -> a.watches.get() == 1 && !seen.isEmpty());

        masters.server(0).shutdownNow(); // the watched master dies mid-watch
        await().atMost(Duration.ofSeconds(10)).until(() -> b.watches.get() >= 1);
        assertThat(done).isNotDone();
        store.update(store.job.toBuilder().setState(JobStatus.State.SUCCEEDED).setResult("3.14").build());

        JobStatus last = done.get(10, TimeUnit.SECONDS);
        assertThat(last.getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(last.getMaster()).isEqualTo("b");
        assertThat(seen).extracting(JobStatus::getMaster).containsSubsequence("a", "b");
    }

    @Test
    void whenNoMasterAnswersTheCallFailsWithinItsDeadlineNamingThem() throws IOException {
        int first = closedPort();
        int second = closedPort();
        try (GridClient client = GridClient.builder().insecure(true).callTimeout(Duration.ofSeconds(1))
                .target("127.0.0.1:" + first + ",127.0.0.1:" + second).build()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.status("job-1")).isInstanceOfSatisfying(GridException.class, e -> {
                assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getMessage()).contains("no master of 127.0.0.1:" + first + ",127.0.0.1:" + second)
                        .contains("cannot reach the master at 127.0.0.1:" + second);
            });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aRefusedConnectionSendsASubmissionToTheNextMaster() throws IOException {
        int closed = closedPort();
        FakeMaster up = new FakeMaster("b", Mode.ACTIVE, new SharedStore());
        Server server = masters.shutDownAfter(io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
                .forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(up).build().start());
        try (GridClient client = GridClient.builder().insecure(true)
                .target("127.0.0.1:" + closed + ", 127.0.0.1:" + server.getPort()).build()) {
            assertThat(client.targets()).containsExactly("127.0.0.1:" + closed, "127.0.0.1:" + server.getPort());

            String id = client.submit(JobSubmission.builder().jarSha256("0".repeat(64)).jobClass("x.Job").build());

            assertThat(id).isEqualTo("job-from-b");
            assertThat(client.currentTarget()).isEqualTo("127.0.0.1:" + server.getPort());
        }
    }

    @Test
    void aListOfMastersIsParsedWithAMessageNamingTheBadEntry() {
        assertThat(Addresses.parseList(" a:1, b:2 ,a:1", "--master")).containsExactly("a:1", "b:2");
        assertThat(Addresses.parseList("a:1", "--master")).containsExactly("a:1");
        assertThatThrownBy(() -> Addresses.parseList("a:1,,b:2", "--master"))
                .hasMessage("--master: empty address in 'a:1,,b:2'");
        assertThatThrownBy(() -> Addresses.parseList("a:1,b", "--master"))
                .hasMessage("--master must be HOST:PORT, got 'b'");
        assertThatThrownBy(() -> GridClient.builder().insecure(true).target("a:1,b:99999").build())
                .hasMessageContaining("port must be from 1 to 65535");
    }
}
