package io.gridwork.bench;

import io.gridwork.api.v1.WorkerEvent;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import java.nio.file.Files;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** A master and workers as separate JVMs on loopback, for benchmarks, with a client and the worker events. */
final class Cluster implements AutoCloseable {

    final GridProcesses processes;
    final Path dir;
    final int masterPort;
    final GridClient client;
    /** The master's JVM. */
    final Process master;
    final boolean insecure;
    final Map<String, Process> workers = new HashMap<>();
    final List<WorkerEvent> events = new CopyOnWriteArrayList<>();
    private final Thread watcher;

    Cluster(Path dir, String... masterOptions) throws Exception {
        this.dir = java.nio.file.Files.createDirectories(dir);
        this.processes = new GridProcesses(dir);
        this.masterPort = freePort();
        this.insecure = java.util.Arrays.asList(masterOptions).contains("--insecure");
        String[] base = {"master", "--port", Integer.toString(masterPort), "--bind", "127.0.0.1", "--data"};
        master = processes.start("master", concat(base, dir.resolve("master").toString(), masterOptions));
        if (insecure) {
            Path port = dir.resolve("master").resolve("master.port");
            waitFor(Duration.ofSeconds(90), () -> Files.exists(port), "the master to start");
            client = GridClient.builder().target(address()).insecure(true).build();
        } else {
            Path credentials = dir.resolve("master").resolve(Credentials.FILE_NAME);
            waitFor(Duration.ofSeconds(90), () -> Files.exists(credentials), "the master to write its credentials");
            processes.env("GRID_CREDENTIALS", credentials.toString());
            client = GridClient.builder().target(address()).credentials(Credentials.read(credentials)).build();
        }
        waitFor(Duration.ofSeconds(90), () -> {
            try {
                client.workers(true);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }, "the master to answer");
        watcher = new Thread(() -> {
            try {
                client.watchWorkers(0, Instant.now().plus(Duration.ofHours(6)), events::add);
            } catch (RuntimeException e) {
                // closed
            }
        }, "bench-events");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static String[] concat(String[] base, String data, String[] more) {
        String[] all = new String[base.length + 1 + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        all[base.length] = data;
        System.arraycopy(more, 0, all, base.length + 1, more.length);
        return all;
    }

    String address() {
        return "127.0.0.1:" + masterPort;
    }

    private java.net.http.HttpClient http;

    /**
     * GETs {@code path} from the master's dashboard API (its admin token; the bench trusts the master's certificate
     * without checking it, as it runs on loopback) and returns how long the answer took, in nanoseconds.
     */
    long timeApi(String path) throws Exception {
        long start = System.nanoTime();
        get(path);
        return System.nanoTime() - start;
    }

    /**
     * The value of the metric line {@code name} (its name and labels as printed, e.g. {@code
     * gridwork_store_commit_seconds_count}) on the master's {@code /metrics}.
     */
    double metric(String name) throws Exception {
        for (String line : getApi("/metrics").split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                String[] parts = line.trim().split("\\s+");
                return Double.parseDouble(parts[parts.length - 1]);
            }
        }
        throw new IllegalStateException("the master's /metrics has no " + name);
    }

    /** GETs {@code path} from the master's HTTP server (the dashboard API, {@code /metrics}) and returns the body. */
    String getApi(String path) throws Exception {
        return new String(get(path), java.nio.charset.StandardCharsets.UTF_8);
    }

    private byte[] get(String path) throws Exception {
        Path portFile = dir.resolve("master").resolve("http.port");
        String base = (insecure ? "http" : "https") + "://127.0.0.1:" + Files.readString(portFile).trim();
        if (http == null) {
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }
                public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            http = java.net.http.HttpClient.newBuilder().sslContext(tls).build();
        }
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path));
        if (!insecure) {
            request.header("Authorization", "Bearer " + Credentials.read(dir.resolve("master").resolve(Credentials.FILE_NAME))
                    .token().orElseThrow());
        }
        java.net.http.HttpResponse<byte[]> r = http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": HTTP " + r.statusCode() + " "
                    + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return r.body();
    }

    Process startWorker(String name, int slots, String master, String... more) throws IOException {
        String[] base = {"worker", "--master", master, "--slots", Integer.toString(slots), "--name", name,
                "--work-dir", dir.resolve(name).toString(), "--drain-timeout", "2s"};
        if (insecure) {
            base = java.util.Arrays.copyOf(base, base.length + 1);
            base[base.length - 1] = "--insecure";
        }
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        Process p = processes.start(name + "-" + System.nanoTime(), all);
        workers.put(name, p);
        return p;
    }

    void awaitAlive(String... names) {
        waitFor(Duration.ofSeconds(90), () -> {
            List<WorkerInfo> all = client.workers(true);
            for (String n : names) {
                if (all.stream().noneMatch(w -> w.getName().equals(n) && w.getState() == WorkerInfo.State.ALIVE)) {
                    return false;
                }
            }
            return true;
        }, "workers " + String.join(", ", names) + " to be ALIVE");
    }

    long count(WorkerEvent.Type type) {
        return events.stream().filter(e -> e.getType() == type).count();
    }

    static void waitFor(Duration timeout, BooleanSupplier condition, String what) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        watcher.interrupt();
        client.close();
        processes.close();
    }
}
