package io.gridwork.master.core;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.Store;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.TaskDurations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs that wait for other jobs ({@code grid submit --after}): stored in state WAITING without tasks, released (split
 * and queued, their {@code @result:JOB} arguments replaced by those jobs' result text) once every job they run after
 * has SUCCEEDED, cancelled with a reason naming the upstream job if one of them failed or was cancelled.
 *
 * <p>The master that owns a waiting job keeps it here (loop-confined). What it waits for is re-derived from the store,
 * never remembered: a check reads the upstream jobs' rows (on a job-code thread, not the loop) and decides; it runs
 * when a job is added (submitted, or adopted at start and at a takeover), when a job this master runs ends and
 * something waits on it, and every second while anything waits (an upstream job another master owns ends there).
 * Checks are coalesced: one runs at a time. A job the check releases or ends is marked busy until that is stored.
 *
 * <p>No cycle can form: a job can only name jobs that exist when it is submitted (the store gives ids in order), and
 * its dependencies never change, so every edge points to an older job.
 */
final class Pipelines {

    private static final Logger log = LoggerFactory.getLogger(Pipelines.class);

    /** The most jobs one job may run after. */
    static final int MAX_AFTER = 64;
    /** An argument with this value prefix is replaced by the named job's result text when the job starts. */
    static final String RESULT_PREFIX = "@result:";
    /** How long a check may take to read the upstream jobs. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** What becomes of a waiting job, given its upstream jobs as stored. */
    sealed interface Decision permits Wait, Release, End {}

    /** Some upstream job has not ended: why, as {@code waiting_reason} says it. */
    record Wait(String reason) implements Decision {}

    /** Every upstream job succeeded: the job starts with these arguments. */
    record Release(Map<String, String> args) implements Decision {}

    /** The job ends without running: CANCELLED (an upstream job failed or was cancelled) or FAILED. */
    record End(JobState state, String error) implements Decision {}

    /** What the releases and the ends of waiting jobs need from the jobs room. */
    interface Starter {
        /** Splits and queues a released job; {@code failed} gets the reason if its code refuses to start. */
        void release(JobRow row, Map<String, String> args, java.util.function.Consumer<String> failed);
    }

    private static final class Waiting {
        final JobRow row;
        final List<String> after;
        boolean busy;

        Waiting(JobRow row, List<String> after) {
            this.row = row;
            this.after = after;
        }
    }

    private final Loop loop;
    private final Store store;
    private final JobCodeHost host;
    private final Flusher flusher;
    private final Starter starter;
    private final BiConsumer<String, JobSnapshot> ended;
    // loop-confined
    private final Map<String, Waiting> waiting = new LinkedHashMap<>();
    private final Map<String, Set<String>> byUpstream = new HashMap<>();
    private boolean checking;
    private boolean again;
    /** Why each waiting job waits, as of the last check: read by status calls on any thread. */
    private final ConcurrentHashMap<String, String> reasons = new ConcurrentHashMap<>();

    /** @param ended told (on the loop) when a waiting job ended without running, with its stored status */
    Pipelines(Loop loop, Store store, JobCodeHost host, Flusher flusher, Starter starter,
            BiConsumer<String, JobSnapshot> ended) {
        this.loop = loop;
        this.store = store;
        this.host = host;
        this.flusher = flusher;
        this.starter = starter;
        this.ended = ended;
    }

    // ------------------------------------------------------------------------------------------ rules (pure)

    /**
     * Checks the dependencies of a submission before anything is stored: at most {@link #MAX_AFTER} jobs, none named
     * twice, and every {@code @result:JOB} argument naming a job in {@code after}.
     */
    static void checkSubmission(List<String> after, Map<String, String> args) {
        if (after.size() > MAX_AFTER) {
            throw CoreException.invalid("after: " + after.size() + " jobs, over the limit of " + MAX_AFTER);
        }
        Set<String> seen = new HashSet<>();
        for (String id : after) {
            if (id == null || id.isBlank()) {
                throw CoreException.invalid("after: an empty job id");
            }
            if (!seen.add(id)) {
                throw CoreException.invalid("after: " + id + " is named twice");
            }
        }
        for (Map.Entry<String, String> a : new java.util.TreeMap<>(args).entrySet()) {
            String id = resultJob(a.getValue());
            if (id == null) {
                continue;
            }
            if (id.isEmpty()) {
                throw CoreException.invalid("args: " + a.getKey() + "=" + a.getValue() + " names no job ("
                        + RESULT_PREFIX + "JOB)");
            }
            if (!seen.contains(id)) {
                throw CoreException.invalid("args: " + a.getKey() + "=" + a.getValue() + ": " + id + " is not in after; "
                        + "a job can only read the result of a job it runs after");
            }
        }
    }

    /** The job an argument's value takes the result of ({@code @result:JOB}), or null if it is a plain value. */
    static String resultJob(String value) {
        return value != null && value.startsWith(RESULT_PREFIX) ? value.substring(RESULT_PREFIX.length()).trim() : null;
    }

    /**
     * What becomes of a job that runs after {@code after}, with {@code args}, given the upstream jobs as stored now
     * ({@code upstream}: by id; a job missing from it is unknown).
     */
    static Decision decide(List<String> after, Map<String, String> args, Map<String, JobRow> upstream) {
        List<String> pending = new ArrayList<>();
        for (String id : after) {
            JobRow row = upstream.get(id);
            if (row == null) {
                return new End(JobState.CANCELLED, "cancelled: " + id + ", which it runs after, no longer exists");
            }
            if (row.state() == JobState.FAILED) {
                return new End(JobState.CANCELLED, "cancelled: " + id + ", which it runs after, failed"
                        + (row.error() == null || row.error().isBlank() ? "" : " (" + abbreviate(row.error()) + ")"));
            }
            if (row.state() == JobState.CANCELLED) {
                return new End(JobState.CANCELLED, "cancelled: " + id + ", which it runs after, was cancelled");
            }
            if (row.state() != JobState.SUCCEEDED) {
                pending.add(id + " (" + row.state() + ")");
            }
        }
        if (!pending.isEmpty()) {
            return new Wait("waiting for " + String.join(", ", pending) + " to succeed");
        }
        Map<String, String> resolved = new LinkedHashMap<>(args);
        for (Map.Entry<String, String> a : args.entrySet()) {
            String id = resultJob(a.getValue());
            if (id == null) {
                continue;
            }
            JobRow row = upstream.get(id);
            if (row == null || row.resultText() == null) {
                return new End(JobState.FAILED, "args: " + a.getKey() + "=" + a.getValue() + ": the result of " + id
                        + " has no text form (" + (row == null ? "no such job" : row.resultMediaType() + ", "
                        + row.resultSize() + " bytes") + ")");
            }
            resolved.put(a.getKey(), row.resultText());
        }
        return new Release(resolved);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 199) + "…";
    }

    // ------------------------------------------------------------------------------------------ the waiting jobs

    /** On the loop: a waiting job this master owns now (stored, or adopted); checked at once. */
    void add(JobRow row, List<String> after) {
        if (waiting.containsKey(row.id())) {
            return;
        }
        waiting.put(row.id(), new Waiting(row, List.copyOf(after)));
        for (String up : after) {
            byUpstream.computeIfAbsent(up, k -> new HashSet<>()).add(row.id());
        }
        check();
    }

    /** On a thread that may block (start, takeover): a WAITING job found in the store; its dependencies are read. */
    void adopt(JobRow row) {
        List<String> after = store.dependencies().upstream(row.id());
        loop.call(() -> {
            add(row, after);
            return null;
        });
        log.atInfo().addKeyValue("job", row.id()).log("waiting job adopted: runs after {}", after);
    }

    boolean isWaiting(String id) {
        return waiting.containsKey(id);
    }

    int size() {
        return waiting.size();
    }

    /** Why a waiting job waits, as of the last check (any thread); empty if this master has not checked it. */
    Optional<String> reason(String id) {
        return Optional.ofNullable(reasons.get(id));
    }

    /** On the loop: a job this master ran has ended; the jobs waiting on it are checked. */
    void upstreamEnded(String id) {
        if (byUpstream.containsKey(id)) {
            check();
        }
    }

    /** On the loop, periodic: while jobs wait, their upstream jobs are read again (one may end on another master). */
    void periodic() {
        if (!waiting.isEmpty()) {
            check();
        }
    }

    /**
     * On the loop: cancels a waiting job; {@code done} completes once that is stored. False if this master has no
     * such waiting job.
     */
    boolean cancel(String id, String reason, CompletableFuture<JobSnapshot> done) {
        Waiting w = waiting.get(id);
        if (w == null) {
            return false;
        }
        if (w.busy) {
            done.completeExceptionally(CoreException.precondition("job " + id + " is starting (every job it runs after "
                    + "succeeded); cancel it again in a moment"));
            return true;
        }
        end(w, JobState.CANCELLED, "cancelled" + (reason == null || reason.isBlank() ? "" : ": " + reason), done);
        return true;
    }

    /** On the loop: the master stepped down; every waiting job is let go without a write. Returns their ids. */
    List<String> dropAll() {
        List<String> ids = new ArrayList<>(waiting.keySet());
        waiting.clear();
        byUpstream.clear();
        reasons.clear();
        return ids;
    }

    /** On the loop: a released job is stored QUEUED and runs as any other job now. */
    void released(String id) {
        remove(id);
    }

    /** On the loop: a released job could not be stored; it is checked again later. */
    void releaseFailed(String id) {
        Waiting w = waiting.get(id);
        if (w != null) {
            w.busy = false;
        }
    }

    /** On the loop: a released job's code refused to start (its split failed): it fails, and so does what waits on it. */
    void startFailed(String id, String reason) {
        Waiting w = waiting.get(id);
        if (w != null) {
            end(w, JobState.FAILED, "could not start after the jobs it runs after: " + reason, null);
        }
    }

    private void remove(String id) {
        Waiting w = waiting.remove(id);
        reasons.remove(id);
        if (w == null) {
            return;
        }
        for (String up : w.after) {
            Set<String> down = byUpstream.get(up);
            if (down != null) {
                down.remove(id);
                if (down.isEmpty()) {
                    byUpstream.remove(up);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ checks

    /** On the loop: reads the upstream jobs of every waiting job (off the loop) and acts on what it finds. */
    void check() {
        if (checking) {
            again = true;
            return;
        }
        List<Waiting> snapshot = new ArrayList<>();
        Set<String> upstream = new java.util.LinkedHashSet<>();
        for (Waiting w : waiting.values()) {
            if (!w.busy) {
                snapshot.add(w);
                upstream.addAll(w.after);
            }
        }
        if (snapshot.isEmpty()) {
            return;
        }
        checking = true;
        host.submit(() -> {
            Map<String, JobRow> rows = new HashMap<>();
            for (String id : upstream) {
                store.jobs().find(id).ifPresent(r -> rows.put(id, r));
            }
            return rows;
        }, READ_TIMEOUT, "reading the jobs waiting jobs run after", null).whenComplete((rows, error) -> loop.post(() -> {
            checking = false;
            if (error != null) {
                log.warn("could not read the jobs waiting jobs run after (checked again in a moment): {}",
                        error.getMessage());
            } else {
                for (Waiting w : snapshot) {
                    act(w, decide(w.after, w.row.args(), rows));
                }
            }
            if (again) {
                again = false;
                check();
            }
        }));
    }

    private void act(Waiting w, Decision decision) {
        if (w.busy || waiting.get(w.row.id()) != w) {
            return; // cancelled or released meanwhile
        }
        if (decision instanceof Wait wait) {
            reasons.put(w.row.id(), wait.reason());
        } else if (decision instanceof End end) {
            end(w, end.state(), end.error(), null);
        } else if (decision instanceof Release release) {
            w.busy = true;
            reasons.put(w.row.id(), "starting: every job it runs after succeeded");
            log.atInfo().addKeyValue("job", w.row.id()).log("every job it runs after succeeded ({}): starting", w.after);
            starter.release(w.row, release.args(), reason -> startFailed(w.row.id(), reason));
        }
    }

    /** Stores the end of a waiting job that never ran; what waits on it is checked next. */
    private void end(Waiting w, JobState state, String error, CompletableFuture<JobSnapshot> done) {
        w.busy = true;
        String id = w.row.id();
        StoreBatch batch = new StoreBatch().job(StoreBatch.JobUpdate.ended(id, state, loop.now(), error, 0, 0, 0, 0, 0,
                0, null, new long[TaskDurations.buckets()]));
        flusher.separately(batch, () -> {
            remove(id);
            // a rare path: the status as stored, read once for its watchers
            JobSnapshot last = store.jobs().find(id).map(JobSnapshot::of).orElse(null);
            log.atInfo().addKeyValue("job", id).log("waiting job {}: {}", state.name().toLowerCase(java.util.Locale.ROOT),
                    error);
            if (last != null) {
                ended.accept(id, last);
            }
            if (done != null) {
                done.complete(last);
            }
            check(); // the jobs that wait on this one
        }, e -> {
            w.busy = false;
            if (done != null) {
                done.completeExceptionally(e);
            }
        });
    }
}
