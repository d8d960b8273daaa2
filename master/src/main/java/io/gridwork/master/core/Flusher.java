package io.gridwork.master.core;

import io.gridwork.master.store.StoreBatch;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the events of one turn of the loop produce, sent in one go: after the events queued at one moment have run,
 * one flush sends each worker a single message with everything for it, and hands the writes to the
 * {@link Journal} as one batch with the callbacks that wait for its commit. With the messages goes this master's
 * demand (slots' worth of ready tasks, rounded up to a power of two and capped, so it changes seldom), to every open
 * stream whenever it changed: workers connected to several masters split their slots by it. Loop-confined; every
 * room may use it.
 *
 * <p>Writes that no one waits for ({@link #deferred()}: a job's start) get no commit of their own: they go first in
 * the next batch handed to the journal, or alone after {@link #DEFER_LIMIT} if no other write comes. They always
 * precede the writes added after them, since every batch handed over carries them.
 */
final class Flusher {

    private static final Logger log = LoggerFactory.getLogger(Flusher.class);

    private final Loop loop;
    private final Journal journal;
    private final Set<Session> dirty = new LinkedHashSet<>();
    private StoreBatch writes = new StoreBatch();
    /** Writes that wait for the next commit (or {@link #DEFER_LIMIT}); handed over first with any batch. */
    private StoreBatch deferred = new StoreBatch();
    private boolean deferTimerSet;
    /**
     * The longest a deferred write waits for a commit to go with: what it records (a job RUNNING rather than QUEUED)
     * matters to readers of the store, not to recovery, and a few tens of milliseconds is still "at once" to them.
     */
    static final java.time.Duration DEFER_LIMIT = java.time.Duration.ofMillis(50);
    private List<Consumer<Boolean>> successCallbacks = new ArrayList<>();
    private List<Consumer<CoreException>> refusals = new ArrayList<>();
    private List<Runnable> afterCommit = new ArrayList<>();
    private List<Consumer<CoreException>> onFailure = new ArrayList<>();
    private boolean scheduled;
    /** Every open stream, for the demand. */
    private final Set<Session> open = new LinkedHashSet<>();
    private IntSupplier demand = () -> 0;
    private int lastDemand = -1;
    private boolean newStreams;
    /** The most demand sent: a worker needs an order of magnitude, not the queue's length. */
    static final int MAX_DEMAND = 1 << 16;

    /**
     * Outputs handed over and not committed yet past which no new task is dispatched, so that results cannot arrive
     * faster than the store commits them and pile up in memory (a million-task job with fast workers took a 256 MB
     * heap with 300,000 outputs waiting); dispatch resumes below half of it.
     */
    static final int MAX_OUTPUTS_AWAITING_COMMIT = 16_384;
    /** The same in bytes of output. */
    static final long MAX_OUTPUT_BYTES_AWAITING_COMMIT = 32L << 20;

    private int outputsAwaitingCommit;
    private long outputBytesAwaitingCommit;
    private boolean backlogged;
    private Runnable backlogCleared = () -> {};

    Flusher(Loop loop, Journal journal) {
        this.loop = loop;
        this.journal = journal;
    }

    /** The writes of this turn, to add to. */
    StoreBatch writes() {
        schedule();
        return writes;
    }

    /**
     * Writes that need no commit of their own, because nothing waits for them and recovery does not need them: they
     * are stored with the next commit, at the latest after {@link #DEFER_LIMIT}.
     */
    StoreBatch deferred() {
        if (!deferTimerSet) {
            deferTimerSet = true;
            loop.schedule(DEFER_LIMIT, () -> {
                deferTimerSet = false;
                if (!deferred.isEmpty()) {
                    handOver(true);
                }
            });
        }
        return deferred;
    }

    /**
     * A task's output to store; {@code then} runs after the commit with whether it was written (not a duplicate), or
     * {@code refused} runs on the loop if the database refuses this turn's writes for good.
     */
    void success(StoreBatch.TaskSuccess success, Consumer<Boolean> then, Consumer<CoreException> refused) {
        writes().success(success);
        successCallbacks.add(then);
        refusals.add(refused);
        awaiting(1, success.output().length);
    }

    /**
     * Whether so many outputs wait for their commit that no new task should be dispatched until the store caught up
     * (see {@link #MAX_OUTPUTS_AWAITING_COMMIT}); when it has, the listener of {@link #onBacklogCleared} runs.
     */
    boolean backlogged() {
        return backlogged;
    }

    /** Runs on the loop when the outputs waiting for their commit fall back below half of the limits. */
    void onBacklogCleared(Runnable listener) {
        this.backlogCleared = listener;
    }

    /** Outputs waiting for their commit: so many more (negative: committed, or given up). */
    private void awaiting(int outputs, long bytes) {
        outputsAwaitingCommit += outputs;
        outputBytesAwaitingCommit += bytes;
        if (!backlogged && (outputsAwaitingCommit >= MAX_OUTPUTS_AWAITING_COMMIT
                || outputBytesAwaitingCommit >= MAX_OUTPUT_BYTES_AWAITING_COMMIT)) {
            backlogged = true;
            log.debug("{} outputs ({} bytes) wait for their commit: dispatch pauses", outputsAwaitingCommit,
                    outputBytesAwaitingCommit);
        } else if (backlogged && outputsAwaitingCommit <= MAX_OUTPUTS_AWAITING_COMMIT / 2
                && outputBytesAwaitingCommit <= MAX_OUTPUT_BYTES_AWAITING_COMMIT / 2) {
            backlogged = false;
            backlogCleared.run();
        }
    }

    /** Outputs handed over and not committed yet (for tests). */
    int outputsAwaitingCommit() {
        return outputsAwaitingCommit;
    }

    /**
     * Writes the database may refuse on their own (a new job, with the values its submitter chose): they go to the
     * journal as a request of their own, after this turn's writes so far, so that a refusal fails only them.
     * {@code then} runs on the loop after their commit, {@code onFailure} if they cannot be committed.
     */
    void separately(StoreBatch batch, Runnable then, Consumer<CoreException> onFailure) {
        handOver(false);
        journal.append(batch, written -> then.run(), onFailure);
    }

    /** Runs after this turn's writes are committed. */
    void afterCommit(Runnable then) {
        afterCommit.add(then);
        schedule();
    }

    /** Runs (on any thread) if this turn's writes cannot be committed before the master stops. */
    void onFailure(Consumer<CoreException> handler) {
        onFailure.add(handler);
    }

    /** The session has something to send. */
    void markDirty(Session s) {
        if (s.open) {
            dirty.add(s);
            schedule();
        }
    }

    /** The session closed: nothing more goes to it. */
    void forget(Session s) {
        dirty.remove(s);
        open.remove(s);
    }

    /** A stream opened: it is sent the demand with the next flush. */
    void opened(Session s) {
        open.add(s);
        newStreams = true;
        schedule();
    }

    /** Where the demand comes from (slots' worth of ready tasks; loop-confined). */
    void demand(IntSupplier demand) {
        this.demand = demand;
    }

    /** Rounds up to a power of two, capped at {@link #MAX_DEMAND}; 0 stays 0. */
    static int quantize(long n) {
        if (n <= 0) {
            return 0;
        }
        if (n >= MAX_DEMAND) {
            return MAX_DEMAND;
        }
        int v = (int) n;
        int p = Integer.highestOneBit(v);
        return p == v ? v : p << 1;
    }

    /** Sets the demand on every open stream that was not sent its current value. */
    private void stampDemand() {
        int d = quantize(demand.getAsInt());
        if (d == lastDemand && !newStreams) {
            return;
        }
        lastDemand = d;
        newStreams = false;
        for (Session s : open) {
            if (s.open && s.demandSent != d) {
                s.demandSent = d;
                s.outbox.demand = d;
                dirty.add(s);
            }
        }
    }

    /**
     * Drops this turn's writes and messages without storing or sending them (the master was fenced): what waits for
     * their commit fails with UNAVAILABLE.
     */
    void discard(String why) {
        CoreException error = CoreException.unavailable(why);
        List<Consumer<CoreException>> failed = onFailure;
        List<Consumer<CoreException>> refused = refusals;
        awaiting(-writes.successCount(), -writes.successBytes());
        writes = new StoreBatch();
        deferred = new StoreBatch();
        successCallbacks = new ArrayList<>();
        refusals = new ArrayList<>();
        afterCommit = new ArrayList<>();
        onFailure = new ArrayList<>();
        dirty.clear();
        failed.forEach(f -> f.accept(error));
        refused.forEach(r -> r.accept(error));
    }

    void schedule() {
        if (!scheduled) {
            scheduled = true;
            loop.post(this::flush);
        }
    }

    /** Sends each worker what accumulated for it and hands the accumulated writes to the journal. */
    void flush() {
        scheduled = false;
        stampDemand();
        for (Session s : dirty) {
            send(s);
        }
        dirty.clear();
        handOver(false);
    }

    /**
     * Hands the writes accumulated so far to the journal, with their callbacks, the deferred ones first; with
     * {@code deferredAlone}, also when only deferred writes wait.
     */
    private void handOver(boolean deferredAlone) {
        if (!writes.isEmpty() || !afterCommit.isEmpty() || (deferredAlone && !deferred.isEmpty())) {
            StoreBatch batch = writes;
            if (!deferred.isEmpty()) {
                batch = deferred.addAll(writes);
                deferred = new StoreBatch();
            }
            List<Consumer<Boolean>> successes = successCallbacks;
            List<Consumer<CoreException>> refused = refusals;
            List<Runnable> then = afterCommit;
            List<Consumer<CoreException>> failed = onFailure;
            writes = new StoreBatch();
            successCallbacks = new ArrayList<>();
            refusals = new ArrayList<>();
            afterCommit = new ArrayList<>();
            onFailure = new ArrayList<>();
            int outputs = batch.successCount();
            long bytes = batch.successBytes();
            journal.append(batch, written -> {
                if (outputs > 0) {
                    awaiting(-outputs, -bytes);
                }
                for (int i = 0; i < successes.size(); i++) {
                    successes.get(i).accept(written[i]);
                }
                for (Runnable r : then) {
                    r.run();
                }
            }, error -> {
                failed.forEach(f -> f.accept(error));
                if (outputs > 0) {
                    loop.post(() -> awaiting(-outputs, -bytes)); // given up: they no longer wait
                }
                if (!refused.isEmpty()) {
                    // the loop state waiting for the commit (attempts completing) is the loop's to undo
                    loop.post(() -> refused.forEach(r -> r.accept(error)));
                }
            });
        }
    }

    /** Sends the session's outbox now, if it holds anything. */
    void send(Session s) {
        if (s.outbox.isEmpty()) {
            return;
        }
        Messages.Outbound out = s.outbox;
        s.outbox = new Messages.Outbound();
        try {
            s.link.send(out);
        } catch (RuntimeException e) {
            log.atDebug().addKeyValue("worker", s.worker.name).log("sending to {} failed: {}", s, e.toString());
        }
    }
}
