package io.gridwork.master.core;

import io.gridwork.master.store.FencedException;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.StoreException;
import java.time.Duration;
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
 * The one writer of the master: every write of the core goes through here, in the order the loop handed it over.
 * Batches queued together are committed in one transaction (group commit), their writes in order, including those
 * that generate rows (a new job, a worker's registration) and a split's next tasks. After the commit, each
 * request's callback runs on the loop; only then does the core acknowledge a result, answer a submission or
 * complete a registration, so what is acknowledged is stored.
 *
 * <p>A commit that fails for a passing reason (the database unreachable, a lost connection, a timeout, a deadlock) is
 * retried with backoff until it succeeds: nothing queued is dropped for it, an interrupt does not end the retries. A
 * commit the database refuses for good ({@link StoreException#isPermanent}: a constraint violated, a value too long
 * for its column) is split: the requests are committed one at a time, in order, and only a request refused on its
 * own is dropped, its failure callback telling its owner, so one poisoned request never stops the master's writes. {@link #close} commits what is queued within a time limit; requests it cannot commit by then
 * fail with UNAVAILABLE through their failure callbacks, which run on whichever thread gives up.
 *
 * <p>A commit refused with {@link FencedException} (another master declared this one dead and took its jobs over) is
 * neither retried nor split: the journal is fenced. That request, every request queued with or after it, and every
 * request appended until {@link #unfence()} fail with UNAVAILABLE (so no result is acknowledged and no submission
 * answered), and the fence listener is told once. {@link #unfence()}, once the master has stepped down and taken a
 * new identity, fails whatever was queued before it (a request of the old identity never commits under the new one).
 *
 * <p>{@link #drainOnce()} is the loop body; tests call it directly instead of {@link #start() starting} the thread.
 */
final class Journal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final int MAX_REQUESTS_PER_COMMIT = 4096;
    private static final long MAX_BACKOFF_MS = 5000;

    /** Applies a batch in one transaction; returns, per task success, whether its output was written. */
    interface Sink {
        boolean[] apply(StoreBatch batch);
    }

    /** One request: a batch, what to run after its commit, and what to run if it cannot be committed. */
    private record Request(StoreBatch batch, Consumer<boolean[]> onCommitted, Consumer<CoreException> onFailed,
            long generation) {}

    /** Why requests fail while the journal is fenced. */
    static final String FENCED = "this master was declared dead by another master, which took over its jobs (it was "
            + "paused or cut off past its lease); it steps down and rejoins: retry";

    private final Sink sink;
    private final Executor loop;
    private final Duration initialBackoff;
    private volatile CoreMetrics metrics = CoreMetrics.detached();
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Object wake = new Object();
    private volatile boolean running;
    private volatile boolean closing;
    private volatile long closeDeadline;
    private volatile boolean closed;
    private Thread thread;
    private volatile long commits;
    /** Set when a commit was fenced, until {@link #unfence()}; requests of an older generation never commit. */
    private volatile boolean fenced;
    private volatile long generation;
    private volatile Runnable onFenced = () -> {};

    /** @param loop runs the callbacks (the core's loop) */
    Journal(Sink sink, Executor loop, Duration initialBackoff) {
        this.sink = sink;
        this.loop = loop;
        this.initialBackoff = initialBackoff;
    }

    /** Queues a batch; {@code onCommitted} runs on the loop with, per task success, whether its output was written. */
    void append(StoreBatch batch, Consumer<boolean[]> onCommitted, Consumer<CoreException> onFailed) {
        enqueue(new Request(batch, onCommitted, onFailed, generation));
    }

    private void enqueue(Request r) {
        if (closed) {
            fail(List.of(r), "the master is shutting down");
            return;
        }
        if (fenced) {
            fail(List.of(r), FENCED);
            return;
        }
        queue.add(r);
    }

    /** Called (on the journal's thread, once per fencing) when a commit is refused because this master is fenced. */
    void onFenced(Runnable listener) {
        this.onFenced = listener;
    }

    /** Fences the journal now (the lease renewal found out first): nothing queued or appended commits until {@link #unfence}. */
    void fence() {
        fenced = true;
    }

    boolean fenced() {
        return fenced;
    }

    /**
     * After stepping down under a new identity: every request queued before fails with UNAVAILABLE, and new ones
     * commit again.
     */
    void unfence() {
        generation++;
        List<Request> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left, FENCED);
        fenced = false;
    }

    void metrics(CoreMetrics metrics) {
        this.metrics = metrics;
    }

    long commits() {
        return commits;
    }

    void start() {
        running = true;
        thread = new Thread(this::run, "gridwork-journal");
        thread.setDaemon(true);
        thread.start();
    }

    /** Commits what is queued now, if anything; returns the number of requests committed. */
    int drainOnce() {
        List<Request> requests = new ArrayList<>();
        queue.drainTo(requests, MAX_REQUESTS_PER_COMMIT);
        if (!requests.isEmpty()) {
            commit(requests);
        }
        return requests.size();
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
                // only close() ends this loop (through running); an interrupt alone loses nothing
                log.debug("journal interrupted; carrying on");
            } catch (Throwable t) {
                log.error("journal failed; carrying on", t);
            }
        }
    }

    /**
     * Commits the requests in one transaction, their writes in order, then runs their callbacks on the loop. If the
     * database refuses the writes themselves (not a passing failure, which is retried), the requests are committed one
     * at a time, in order, so that only a poisoned one fails and the others go on as usual.
     */
    private void commit(List<Request> requests) {
        long current = generation;
        if (fenced || requests.stream().anyMatch(r -> r.generation() != current)) {
            List<Request> stale = new ArrayList<>();
            List<Request> fresh = new ArrayList<>();
            for (Request r : requests) {
                (fenced || r.generation() != current ? stale : fresh).add(r);
            }
            fail(stale, FENCED);
            if (fresh.isEmpty()) {
                return;
            }
            requests = fresh;
        }
        Try together = attempt(requests, requests);
        if (together.written() != null) {
            deliver(requests, together.written());
            return;
        }
        if (together.refusal() == null) {
            return; // the close gave up; the requests have failed
        }
        if (requests.size() == 1) {
            refuse(requests.get(0), together.refusal());
            return;
        }
        log.warn("the store refused a commit of {} requests ({}); committing them one at a time",
                requests.size(), together.refusal().getMessage());
        for (int i = 0; i < requests.size(); i++) {
            Request r = requests.get(i);
            Try alone = attempt(List.of(r), requests.subList(i, requests.size()));
            if (alone.written() != null) {
                deliver(List.of(r), alone.written());
            } else if (alone.refusal() != null) {
                refuse(r, alone.refusal());
            } else {
                return; // the close gave up; this request and the rest have failed
            }
        }
    }

    /** How trying to commit ended: written (per task success), refused for good, or neither (the close gave up). */
    private record Try(boolean[] written, Exception refusal) {}

    /**
     * Commits {@code requests} in one transaction, retrying a passing failure with backoff until it succeeds; stops at
     * a permanent one. Gives up only when closing and past the close deadline, failing {@code failOnGiveUp}.
     */
    private Try attempt(List<Request> requests, List<Request> failOnGiveUp) {
        StoreBatch combined = new StoreBatch();
        for (Request r : requests) {
            combined.addAll(r.batch());
        }
        String what = describe(combined);
        long backoffMs = Math.max(1, initialBackoff.toMillis());
        while (true) {
            long start = System.nanoTime();
            try {
                boolean[] written = sink.apply(combined);
                metrics.storeCommit.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                commits++;
                return new Try(written, null);
            } catch (Exception | Error e) { // unless refused for good, the requests stay until stored or the close gives up
                if (isFenced(e)) {
                    // never retried, never split: nothing of this master's commits any more under this identity
                    boolean first = !fenced;
                    fenced = true;
                    log.error("the store fenced this master: {} dropped ({})", what, e.getMessage());
                    fail(failOnGiveUp, FENCED);
                    List<Request> left = new ArrayList<>();
                    queue.drainTo(left);
                    fail(left, FENCED);
                    if (first) {
                        try {
                            onFenced.run();
                        } catch (RuntimeException listenerFailed) {
                            log.warn("the fence listener failed: {}", listenerFailed.toString());
                        }
                    }
                    return new Try(null, null);
                }
                if (e instanceof Exception refused && StoreException.isPermanent(refused)) {
                    return new Try(null, refused);
                }
                if (closing && System.nanoTime() - closeDeadline >= 0) {
                    log.error("could not store {} before the master stopped: {}", what, e.getMessage());
                    fail(failOnGiveUp, "the master stopped before it could store this: " + e.getMessage());
                    return new Try(null, null);
                }
                log.error("could not store {}, retrying in {} ms: {}", what, backoffMs, e.getMessage());
                pause(backoffMs);
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            }
        }
    }

    private static boolean isFenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof FencedException) {
                return true;
            }
        }
        return false;
    }

    /** After a commit: each request's callback, on the loop, in order, with its part of {@code written}. */
    private void deliver(List<Request> requests, boolean[] written) {
        int[] offsets = new int[requests.size() + 1];
        for (int i = 0; i < requests.size(); i++) {
            offsets[i + 1] = offsets[i] + requests.get(i).batch().successCount();
        }
        List<Request> copy = new ArrayList<>(requests);
        loop.execute(() -> {
            for (int i = 0; i < copy.size(); i++) {
                Consumer<boolean[]> callback = copy.get(i).onCommitted();
                if (callback != null) {
                    callback.accept(Arrays.copyOfRange(written, offsets[i], offsets[i + 1]));
                }
            }
        });
    }

    /**
     * A request the store refuses for good: it is logged and dropped, and its failure callback runs on the loop (in
     * order with the others' callbacks) with INVALID_ARGUMENT naming what the database refused.
     */
    private void refuse(Request r, Exception refusal) {
        log.error("the store refused {} for good; dropping it: {}", describe(r.batch()), refusal.getMessage(), refusal);
        CoreException error = CoreException.invalid("the master's database refused to store this: "
                + firstLine(refusal.getMessage()));
        Consumer<CoreException> onFailed = r.onFailed();
        if (onFailed != null) {
            loop.execute(() -> onFailed.accept(error));
        }
    }

    private static String describe(StoreBatch batch) {
        return batch.size() + " writes (" + batch.successCount() + " task outputs)";
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.split("\n")[0];
    }

    /** Waits before the next try; close() cuts it short, an interrupt is noted and ignored. */
    private void pause(long ms) {
        synchronized (wake) {
            try {
                if (!closing) {
                    wake.wait(ms);
                } else {
                    long left = TimeUnit.NANOSECONDS.toMillis(closeDeadline - System.nanoTime());
                    if (left > 0) {
                        wake.wait(Math.min(ms, left));
                    }
                }
            } catch (InterruptedException e) {
                log.debug("journal interrupted during its backoff; the retries go on");
            }
        }
    }

    private static void fail(List<Request> requests, String why) {
        CoreException error = CoreException.unavailable(why);
        for (Request r : requests) {
            if (r.onFailed() != null) {
                try {
                    r.onFailed().accept(error);
                } catch (RuntimeException e) {
                    log.debug("a journal failure callback failed: {}", e.toString());
                }
            }
        }
    }

    /** Closes with the default time limit. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /**
     * Commits what is queued, for at most {@code limit}; what cannot be stored by then fails with UNAVAILABLE.
     * Idempotent.
     */
    void close(Duration limit) {
        if (closing) {
            return;
        }
        closeDeadline = System.nanoTime() + limit.toNanos();
        closing = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        if (thread != null) {
            running = false;
            try {
                thread.join(limit.toMillis() + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            while (drainOnce() > 0 && System.nanoTime() - closeDeadline < 0) {
                // commit what is queued on the closing thread
            }
        }
        closed = true;
        List<Request> left = new ArrayList<>();
        queue.drainTo(left);
        if (!left.isEmpty()) {
            log.error("{} writes could not be stored before the master stopped", left.size());
            fail(left, "the master stopped before it could store this");
        }
    }
}
