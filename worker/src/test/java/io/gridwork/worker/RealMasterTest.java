package io.gridwork.worker;

import static org.awaitility.Awaitility.await;

import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.gridwork.testing.TestJars;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers against a real master in this JVM on loopback (an ephemeral port, TLS, its data in a temporary
 * directory), a client with the master's admin credentials, and a jar of the test's job classes; the workers a test
 * starts with {@link #start(WorkerOptions.Builder)}, the client and the master are closed after each test.
 */
abstract class RealMasterTest {

    @TempDir
    Path dir;

    GridMaster master;
    GridClient client;
    Credentials credentials;
    Path jar;
    final List<GridWorker> workers = new ArrayList<>();

    /** The job classes the test submits (the jar {@link #jar} holds). */
    abstract Class<?>[] jobClasses();

    @BeforeEach
    void startMaster() throws Exception {
        master = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0).dataDir(dir.resolve("master")).build());
        credentials = Credentials.read(master.credentialsFile());
        client = GridClient.builder().target("127.0.0.1:" + master.port()).credentials(credentials).build();
        jar = TestJars.of(dir.resolve("in"), "jobs.jar", jobClasses());
    }

    @AfterEach
    void stopAll() {
        workers.forEach(GridWorker::close);
        client.close();
        master.close();
    }

    /** Starts a worker of the master (its join token, a work directory named after it) and waits until it is linked. */
    GridWorker start(WorkerOptions.Builder options) throws Exception {
        GridWorker w = GridWorker.start(options.master("127.0.0.1:" + master.port())
                .joinToken(credentials.joinToken().orElseThrow()).build());
        workers.add(w);
        await().atMost(Duration.ofSeconds(20)).until(w::isConnected);
        return w;
    }
}
