package io.gridwork.master.core;

import io.gridwork.master.store.Store;
import io.gridwork.master.store.StoreBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: the core hands its writes here, and this writer commits everything that has queued up in one
 * transaction, then runs each request's callback on the core's loop. Only after that callback does the core
 * acknowledge a result to its worker, so what is acknowledged is stored.
 *
 * <p>{@link #drainOnce()} is the loop body; tests call it directly instead of {@link #start() starting} the thread.
 */
final class StoreWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StoreWriter.class);
    private static final int MAX_REQUESTS_PER_COMMIT = 4096;

    private record Request(StoreBatch batch, Consumer<boolean[]> onCommitted) {}

    private final Store store;
    private final Executor loop;
    private volatile CoreMetrics metrics = CoreMetrics.detached();
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private volatile boolean running;
    private Thread thread;
    private volatile long commits;
    private volatile long lastCommitNanos;

    StoreWriter(Store store, Executor loop) {
        this.store = store;
        this.loop = loop;
    }

    /** Queues a batch; {@code onCommitted} runs on the loop with, per task success, whether its output was written. */
    void submit(StoreBatch batch, Consumer<boolean[]> onCommitted) {
        queue.add(new Request(batch, onCommitted));
    }

    void start() {
        running = true;
        thread = new Thread(this::run, "gridwork-store-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Commits what is queued now, if anything; returns the number of requests committed. */
    int drainOnce() {
        List<Request> requests = new ArrayList<>();
        queue.drainTo(requests, MAX_REQUESTS_PER_COMMIT);
        if (requests.isEmpty()) {
            return 0;
        }
        commit(requests);
        return requests.size();
    }

    void metrics(CoreMetrics metrics) {
        this.metrics = metrics;
    }

    long commits() {
        return commits;
    }

    long lastCommitNanos() {
        return lastCommitNanos;
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            try {
                Request first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Request> requests = new ArrayList<>();
                requests.add(first);
                queue.drainTo(requests, MAX_REQUESTS_PER_COMMIT - 1);
                commit(requests);
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } catch (Throwable t) {
                log.error("store writer failed; carrying on", t);
            }
        }
    }

    private void commit(List<Request> requests) {
        StoreBatch combined = new StoreBatch();
        int[] successOffsets = new int[requests.size() + 1];
        for (int i = 0; i < requests.size(); i++) {
            StoreBatch b = requests.get(i).batch();
            successOffsets[i] = successCount(combined);
            combined.addAll(b);
        }
        successOffsets[requests.size()] = successCount(combined);
        boolean[] written = null;
        long backoffMs = 100;
        while (written == null) {
            long start = System.nanoTime();
            try {
                written = store.apply(combined);
                lastCommitNanos = System.nanoTime() - start;
                metrics.storeCommit.record(lastCommitNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
                commits++;
            } catch (RuntimeException e) {
                log.error("could not store {} writes, retrying in {} ms: {}", combined.size(), backoffMs, e.getMessage());
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMs = Math.min(5000, backoffMs * 2);
            }
        }
        boolean[] all = written;
        loop.execute(() -> {
            for (int i = 0; i < requests.size(); i++) {
                Consumer<boolean[]> callback = requests.get(i).onCommitted();
                if (callback != null) {
                    callback.accept(Arrays.copyOfRange(all, successOffsets[i], successOffsets[i + 1]));
                }
            }
        });
    }

    private static int successCount(StoreBatch batch) {
        return batch.successCount();
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
