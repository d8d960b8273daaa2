package io.gridwork.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.JobStatus;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The network threads of a client made by the builder are its own and end when it is closed: a thread left in
 * {@code epoll_wait} makes the JVM's exit wait 300 ms, which a short command line pays on every run.
 */
class GridClientThreadsTest {

    /** A master that answers GetJob, noting the job ids asked for. */
    static final class FakeMaster extends ClientServiceGrpc.ClientServiceImplBase {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public void getJob(GetJobRequest request, StreamObserver<JobStatus> response) {
            calls.add(request.getJobId());
            response.onNext(JobStatus.newBuilder().setId(request.getJobId()).setState(JobStatus.State.SUCCEEDED).build());
            response.onCompleted();
        }
    }

    private final FakeMaster fake = new FakeMaster();
    private Server server;

    @BeforeEach
    void start() throws IOException {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(fake).build().start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination();
    }

    @Test
    void theClientsNetworkThreadsAreItsOwnAndEndWhenItIsClosed() {
        Set<Thread> before = clientThreads();
        GridClient client = GridClient.builder().target("127.0.0.1:" + server.getPort()).insecure(true).build();
        assertThat(client.status("job-7").getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(fake.calls).containsExactly("job-7");
        Set<Thread> during = clientThreads();
        during.removeAll(before);
        assertThat(during).as("the connection's thread").isNotEmpty();

        client.close();

        assertThat(during).noneMatch(Thread::isAlive);
        client.close(); // twice is harmless
    }

    @Test
    void aClientOfSeveralMastersEndsTheThreadsOfEach() throws IOException, InterruptedException {
        FakeMaster second = new FakeMaster();
        Server other = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(second).build().start();
        try {
            Set<Thread> before = clientThreads();
            GridClient client = GridClient.builder()
                    .target("127.0.0.1:" + server.getPort() + ",127.0.0.1:" + other.getPort()).insecure(true).build();
            assertThat(client.status("job-8").getId()).isEqualTo("job-8");
            Set<Thread> during = clientThreads();
            during.removeAll(before);
            assertThat(during).isNotEmpty();
            client.close();
            assertThat(during).noneMatch(Thread::isAlive);
        } finally {
            other.shutdownNow().awaitTermination();
        }
    }

    private static Set<Thread> clientThreads() {
        Set<Thread> threads = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("gridwork-client")) {
                threads.add(t);
            }
        }
        return threads;
    }
}
