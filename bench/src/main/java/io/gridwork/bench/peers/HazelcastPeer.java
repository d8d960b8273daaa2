package io.gridwork.bench.peers;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.instance.GeneratedBuildProperties;
import io.gridwork.bench.support.GridProcesses;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Hazelcast executor as a reference measured in the same run as Gridwork: one member in a JVM of its own (started
 * with the launcher from the bench's class path, {@code -Xmx256m}), and a client in the bench JVM that submits
 * {@link EmptyTask}s to the member's executor service. {@link #close()} shuts the client down and kills the member,
 * whatever happened before.
 */
public final class HazelcastPeer implements AutoCloseable {

    /**
     * The member's JVM options: the bench's heap, and the module openings Hazelcast's documentation asks for on Java
     * 17 (without them it falls back to slower paths and warns).
     */
    public static final String MEMBER_JAVA_OPTIONS = "-Xmx256m --add-modules java.se"
            + " --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED"
            + " --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED"
            + " --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED";

    private static final EmptyTask TASK = new EmptyTask();

    private final GridProcesses processes;
    private final HazelcastInstance client;
    private final IExecutorService executor;

    private HazelcastPeer(GridProcesses processes, HazelcastInstance client) {
        this.processes = processes;
        this.client = client;
        this.executor = client.getExecutorService("gridwork-bench");
    }

    /** Starts the member (logs in {@code dir}) and connects a client to it. */
    public static HazelcastPeer start(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(HazelcastMember.READY));
        String cluster = "gridwork-bench-" + UUID.randomUUID();
        int port = freePort();
        GridProcesses processes = new GridProcesses(dir, MEMBER_JAVA_OPTIONS);
        try {
            Process member = processes.start("hazelcast-member", "bench", "hazelcast-member", "--cluster", cluster,
                    "--port", Integer.toString(port), "--dir", dir.toString(),
                    "--parent", Long.toString(ProcessHandle.current().pid()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(dir.resolve(HazelcastMember.READY))) {
                if (!member.isAlive()) {
                    throw new IllegalStateException("the Hazelcast member exited with " + member.exitValue() + ": "
                            + processes.log("hazelcast-member"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the Hazelcast member did not start within 120 s: "
                            + processes.log("hazelcast-member"));
                }
                Thread.sleep(50);
            }
            ClientConfig config = new ClientConfig();
            config.setClusterName(cluster);
            HazelcastMember.quiet(config::setProperty);
            config.getNetworkConfig().addAddress("127.0.0.1:" + port);
            config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(60_000);
            return new HazelcastPeer(processes, HazelcastClient.newHazelcastClient(config));
        } catch (Exception | Error e) {
            processes.close();
            throw e;
        }
    }

    /** Hazelcast's version, as its jar says. */
    public static String version() {
        return GeneratedBuildProperties.VERSION;
    }

    /**
     * Runs {@code tasks} empty tasks, {@code window} at a time (submit a window, wait for all of it, then the next) and
     * returns tasks per second, first submission to last result.
     */
    public double throughput(int tasks, int window) throws Exception {
        List<Future<Integer>> inFlight = new ArrayList<>(window);
        long start = System.nanoTime();
        for (int sent = 0; sent < tasks; ) {
            int n = Math.min(window, tasks - sent);
            for (int i = 0; i < n; i++) {
                inFlight.add(executor.submit(TASK));
            }
            for (Future<Integer> f : inFlight) {
                check(f);
            }
            inFlight.clear();
            sent += n;
        }
        return tasks / ((System.nanoTime() - start) / 1e9);
    }

    /** One task at a time, {@code count} in a row: each one's time from submission to its result, in nanoseconds. */
    public List<Long> latencies(int count) throws Exception {
        List<Long> nanos = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            check(executor.submit(TASK));
            nanos.add(System.nanoTime() - start);
        }
        return nanos;
    }

    private static void check(Future<Integer> f) throws InterruptedException, ExecutionException, TimeoutException {
        Integer result = f.get(1, TimeUnit.MINUTES);
        if (result == null || result != 0) {
            throw new IllegalStateException("the Hazelcast executor returned " + result + " for an empty task");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            client.shutdown();
        } finally {
            processes.close();
        }
    }
}
