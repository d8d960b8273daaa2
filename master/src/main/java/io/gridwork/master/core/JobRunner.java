package io.gridwork.master.core;

import io.gridwork.internal.EncodedResult;
import io.gridwork.internal.LoadedJob;
import io.gridwork.master.model.AttemptOutcome;
import io.gridwork.master.model.JobState;
import io.gridwork.master.model.TaskState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.Store;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.StoredTask;
import io.gridwork.master.store.TaskAttemptRow;
import io.gridwork.master.store.TaskDurations;
import io.gridwork.sdk.JobArgs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job that has not ended, as the master runs it: its tasks in memory, the feeding of more from its split (or,
 * after a restart, from the store), its merge and its end. Its {@link JobPhase} moves only through the phase table;
 * its tasks move through {@link TaskState}'s. Loop-confined, except its code, which runs on job-code threads.
 */
final class JobRunner implements FairShare.Claim {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
    private static final int MAX_RESULT_TEXT = 1_000_000;
    static final int ERRORS_KEPT = 20;

    /** What a runner needs from the rest of the core, and how it tells the core what it did. */
    record Services(SchedulerOptions options, Loop loop, Flusher flusher, Journal journal, JobCodeHost host,
            AttemptTable attempts, Store store, Supplier<CoreMetrics> metrics, Listener listener,
            Supplier<DataSets> dataSets) {}

    /** Told when the runner's tasks or state change in ways others act on. */
    interface Listener {
        /** New tasks are ready to dispatch. */
        void tasksReady(JobRunner job);

        /** Its snapshot changed. */
        void changed(JobRunner job);

        /** Its final state is stored: it leaves the active jobs. */
        void ended(JobRunner job, JobSnapshot last);
    }

    final String id;
    final JobRow row;
    final JobArgs args;
    final int maxAttempts;
    final long taskTimeoutMs;
    final Requirement requirement;
    final int slotsPerTask;
    final int priority;
    final boolean speculation;
    /** Equal outputs needed to accept a task's output (1: tasks run once, no replicas); the most replicas of a task. */
    final int quorum;
    final int quorumMax;
    private final String owner;
    private final Services services;

    private JobPhase phase;
    JobState state;
    Instant startedAt;
    /** After a master restart: no dispatch until the workers had their chance to take back their tasks. */
    boolean held;
    /** Not looked at for speculation before then (null: at once); the dispatcher's, loop-confined. */
    java.time.Instant speculationCheckAfter;
    /** The master stepped down: another master owns the job now; nothing more of it is done or written here. */
    private boolean dropped;

    /** The job's code; used by the feeder and the merge on job-code threads, one call at a time. */
    private LoadedJob code;
    private LoadedJob.TaskSource source;
    /** A batch of tasks is being taken from the split or the store (orthogonal to the phase). */
    private boolean feeding;
    /** Its merge runs (it may go on after the job was cancelled). */
    private boolean mergeRunning;
    /** The only task's output, held to be stored with the result of the merge that runs on it now; or null. */
    private HeldOutput heldOutput;
    /** The split has no more tasks (stored as the job's split_complete). */
    private boolean splitExhausted;
    private long recoveryCursor = -1;

    /** Its tasks waiting to run. */
    final TaskQueue queue = new TaskQueue();
    /** Tasks produced by the split (and stored) so far; the split's size when it knows it, else -1. */
    long produced;
    long expectedTotal = -1;
    /** Tasks taken back by their workers after a master restart (skipped when stored tasks are read back). */
    final Set<Long> adopted = new HashSet<>();

    /** Current attempts, by attempt id; sessions that were sent this job's spec. */
    final Map<Long, Attempt> attempts = new LinkedHashMap<>();
    final Set<Session> knownBy = new HashSet<>();
    int runningUnits;
    /** Its attempts that workers say are executing now (the others assigned are prefetched, or being stored). */
    int executing;
    /** Current attempts beyond the first of their task (speculative ones); attempts whose output is being stored. */
    int extraAttempts;
    int completing;

    long succeeded;
    long failed;
    long retried;
    long lost;
    long rejected;
    long speculated;
    /** Quorum jobs ({@link Quorum}): tasks whose output a quorum accepted; tasks on which replicas disagreed. */
    long validated;
    long mismatched;
    /** Attempts that started from a checkpoint. */
    long resumed;
    /** Its tasks may have checkpoints in the store (one was saved, or it was resumed after a restart): deleted at its end. */
    boolean checkpointed;
    /** Durations of its succeeded tasks (for speculation and worker speeds) and by bucket (for the dashboard). */
    long durationCount;
    long durationSumMs;
    final long[] durationBuckets = new long[TaskDurations.bucketBoundsMs().length + 1];
    final ArrayDeque<Scheduler.TaskError> errors = new ArrayDeque<>();

    /** @param recovering after a restart, with stored pending tasks to read back first */
    JobRunner(JobRow row, LoadedJob code, boolean recovering, Services services) {
        this.id = row.id();
        this.row = row;
        // a job without data sets costs nothing here; one whose data set is gone (never while it runs: deleting it is
        // refused) gets its tasks failed by JobArgs.data naming the missing one
        this.args = row.dataSets().isEmpty() ? JobArgs.of(row.args())
                : JobArgs.of(row.args(), services.dataSets().get().resolveKnown(row.dataSets()));
        this.maxAttempts = row.maxAttempts();
        this.taskTimeoutMs = row.taskTimeoutMs();
        this.requirement = Requirement.parse(row.placement().requirement());
        this.slotsPerTask = Math.max(1, row.placement().slotsPerTask());
        this.priority = row.placement().priority();
        this.speculation = row.placement().speculation();
        this.quorum = Math.max(1, row.placement().quorum());
        this.quorumMax = Math.max(quorum, row.placement().quorumMax());
        this.validated = row.validated();
        this.mismatched = row.mismatched();
        this.owner = row.owner();
        this.speculated = row.speculated();
        this.resumed = row.resumed();
        this.checkpointed = recovering;
        this.state = row.state();
        this.startedAt = row.startedAt();
        this.code = code;
        this.produced = row.totalTasks();
        this.splitExhausted = row.splitComplete();
        this.services = services;
        this.phase = recovering ? JobPhase.RECOVERING : splitExhausted ? JobPhase.PRODUCED : JobPhase.SPLITTING;
    }

    // ------------------------------------------------------------------------------------------ state

    JobPhase phase() {
        return phase;
    }

    private void move(JobPhase next) {
        phase = phase.moveTo(next);
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public String owner() {
        return owner;
    }

    /** One of its attempts ended, having used {@code u}: counted against its user's quota and in the metrics. */
    void charge(io.gridwork.master.store.AttemptUsage u, Instant at) {
        services.attempts().quotas().charged(owner, u, at);
        services.metrics().get().usage(owner, u.slotMs() / 1000.0, u.slotMs() * u.costFactor() / 1000.0);
    }

    @Override
    public int runningUnits() {
        return runningUnits;
    }

    boolean dispatchable() {
        return !dropped && phase.dispatchable();
    }

    /**
     * The master was fenced (another one took the job over): the runner lets go of the job without a write or a
     * message, and closes its code once none of it runs.
     */
    void drop() {
        dropped = true;
        if (heldOutput != null) {
            heldOutput.limit().cancel(false);
            heldOutput = null; // never stored here: its worker keeps the output unacknowledged for the new owner
        }
        attempts.clear();
        knownBy.clear();
        queue.cancelAll();
        closeIfDropped();
    }

    /**
     * The store refused this job's insert after it had started (its number reserved ahead): as {@link #drop}, and
     * the workers that know the job hear that it ended.
     */
    void refused() {
        for (Session s : knownBy) {
            if (s.open) {
                s.outbox.endedJobs.add(id);
                s.jobsSent.remove(id);
                services.flusher().markDirty(s);
            }
        }
        drop();
    }

    private void closeIfDropped() {
        if (dropped && !feeding && !mergeRunning) {
            close();
        }
    }

    boolean ending() {
        return phase == JobPhase.ENDING || phase == JobPhase.ENDED;
    }

    boolean splitComplete() {
        return splitExhausted;
    }

    /** A job whose slow tasks may get a second attempt: nothing of it is queued, and its tasks have been timed. */
    boolean maySpeculate() {
        return speculation && quorum == 1 && phase == JobPhase.PRODUCED && !held && queue.isEmpty()
                && durationCount > 0 && !attempts.isEmpty();
    }

    /** Tasks assigned to a worker and not ended (a task with a speculative second attempt counts once). */
    int running() {
        return attempts.size() - completing - extraAttempts;
    }

    /** Of the tasks assigned and not being stored, those a worker says are executing now. */
    int executingTasks() {
        return Math.min(executing, running());
    }

    long total() {
        return splitExhausted ? produced : Math.max(produced, expectedTotal);
    }

    long queued() {
        return Math.max(0, total() - succeeded - failed - (attempts.size() - extraAttempts));
    }

    boolean allTasksDone() {
        return phase == JobPhase.PRODUCED && succeeded == produced && attempts.isEmpty();
    }

    double meanTaskMillis() {
        return durationCount == 0 ? 0 : (double) durationSumMs / durationCount;
    }

    void noteError(long index, int attempt, String worker, String message, Instant at) {
        errors.addLast(new Scheduler.TaskError(index, attempt, worker, message, at));
        while (errors.size() > ERRORS_KEPT) {
            errors.removeFirst();
        }
    }

    JobSnapshot snapshot(Instant finishedAt, String error, String resultText, String resultMediaType, long resultSize,
            String waitingReason) {
        int executingNow = executingTasks();
        return new JobSnapshot(id, state, row.jarSha256(), row.jobClass(), row.args(), total(), succeeded,
                executingNow, state.isTerminal() ? 0 : queued(), failed, retried, lost, rejected, speculated,
                splitExhausted, maxAttempts, taskTimeoutMs, row.submittedAt(), startedAt, finishedAt, error, resultText,
                resultMediaType, resultSize, row.owner(), requirement.toString(), slotsPerTask, priority, speculation,
                waitingReason, row.schedule(), row.ownerMaster(), running() - executingNow + completing,
                row.dataSets(), quorum, quorumMax, validated, mismatched, resumed);
    }

    // ------------------------------------------------------------------------------------------ tasks

    /** A new (or stored, pending) task joins the ready queue. */
    void enqueue(QueuedTask t) {
        queue.enqueue(t);
    }

    /** The next new task, or null; the split is read further if few remain. */
    /** Whether its tasks may read data sets (only then is placement near data looked at: no cost for other jobs). */
    boolean readsData() {
        return !row.dataSets().isEmpty();
    }

    /** The chunks a task reads, from the job's {@code dataNeeds} (worked out once per task; none if it throws). */
    List<DataSets.Chunks> needs(QueuedTask t) {
        if (t.needs != null) {
            return t.needs;
        }
        List<DataSets.Chunks> chunks = new ArrayList<>();
        try {
            for (io.gridwork.sdk.DataRange r : code.dataNeeds(t.input)) {
                io.gridwork.sdk.DataRef ref = args.data().get(r.name());
                if (ref == null || r.length() == 0 || r.offset() >= ref.size() || ref.chunks() == 0) {
                    continue;
                }
                int first = (int) (r.offset() / ref.chunkSize());
                int last = (int) Math.min(ref.chunks() - 1, (Math.min(r.end(), ref.size()) - 1) / ref.chunkSize());
                chunks.add(new DataSets.Chunks(ref.id(), first, last));
            }
        } catch (Exception | LinkageError e) {
            log.atDebug().addKeyValue("job", id).log("dataNeeds of task {} failed ({}): placed anywhere", t.index,
                    e.toString());
            chunks.clear();
        }
        t.needs = List.copyOf(chunks);
        return t.needs;
    }

    /** Takes a ready task out of turn (placement near its data). */
    void takeReady(QueuedTask t) {
        queue.take(t);
        refill();
    }

    QueuedTask pollReady() {
        QueuedTask t = queue.poll();
        if (t != null) {
            refill();
        }
        return t;
    }

    /** Whether a task taken back after a restart may be adopted: no attempt of it runs or waits in this epoch. */
    boolean adoptable(long index) {
        if (!dispatchable() || adopted.contains(index)) {
            return false;
        }
        for (Attempt a : attempts.values()) {
            if (a.task.index == index) {
                return false;
            }
        }
        return !queue.retrying(index);
    }

    /** The task, taken back by its worker after a restart: it leaves the ready queue, read back from the store. */
    QueuedTask adopt(StoredTask stored) {
        adopted.add(stored.index());
        return queue.adopt(stored);
    }

    // ------------------------------------------------------------------------------------------ feeding

    /** Takes the next batch of tasks from the split (or, after a restart, from the store) if the job runs low. */
    void refill() {
        SchedulerOptions options = services.options();
        if (feeding || (phase != JobPhase.SPLITTING && phase != JobPhase.RECOVERING)) {
            return;
        }
        if (queue.ready.size() >= options.readyTasks() / 2 || queue.readyBytes >= options.readyBytes() / 2) {
            return;
        }
        feeding = true;
        boolean recovering = phase == JobPhase.RECOVERING;
        long cursor = recoveryCursor;
        LoadedJob.TaskSource split = source;
        int batch = options.splitBatch();
        long maxBytes = options.readyBytes() / 2;
        Store store = services.store();
        services.host().run(id + " split", options.splitTimeout(), () -> {
            if (recovering) {
                return new Fed(store.tasks().pending(id, cursor, batch), null, false);
            }
            List<byte[]> inputs = split.next(batch, maxBytes);
            return new Fed(null, inputs, split.isExhausted());
        }, this::onFed);
    }

    private record Fed(List<StoredTask> stored, List<byte[]> inputs, boolean exhausted) {}

    private void onFed(Fed fed, Throwable error) {
        feeding = false;
        if (dropped) {
            closeIfDropped();
            return;
        }
        if (!dispatchable()) {
            releaseCodeIfIdle();
            return;
        }
        if (error != null) {
            log.atWarn().addKeyValue("job", id).log("split failed: {}", LoadedJob.describe(error));
            end(JobState.FAILED, "split failed: " + LoadedJob.describe(JobCodeHost.unwrap(error)), null);
            return;
        }
        if (fed.stored() != null) {
            for (StoredTask st : fed.stored()) {
                recoveryCursor = st.index();
                if (!adopted.contains(st.index())) { // else its worker took it back
                    QueuedTask t = new QueuedTask(st.index(), st.input(), st.failures(), st.losses(), st.crashes());
                    t.checkpoint = st.checkpoint(); // saved before the restart: the next attempt starts from it
                    t.checkpointData = st.checkpointData();
                    enqueue(t);
                }
            }
            if (fed.stored().size() < services.options().splitBatch()) {
                move(splitExhausted ? JobPhase.PRODUCED : JobPhase.SPLITTING);
            }
        } else {
            long first = produced;
            long max = services.options().maxTasksPerJob();
            if (first + fed.inputs().size() > max) {
                end(JobState.FAILED, "the split produced more than max-tasks-per-job=" + max + " tasks", null);
                return;
            }
            // stored in the journal's order: before any result of these tasks, so they may be dispatched at once
            services.flusher().writes().insertTasks(id, first, fed.inputs(), fed.exhausted());
            long index = first;
            for (byte[] input : fed.inputs()) {
                enqueue(new QueuedTask(index++, input, 0, 0, 0));
            }
            produced = index;
            if (fed.exhausted()) {
                splitExhausted = true;
                move(JobPhase.PRODUCED);
                closeSource();
            }
        }
        services.listener().changed(this);
        if (allTasksDone()) {
            startMerge();
            return;
        }
        services.listener().tasksReady(this);
        refill();
    }

    /** Hands the split over (a new job's, or a resumed one's after skipping what is stored). */
    void source(LoadedJob.TaskSource split) {
        this.source = split;
    }

    // ------------------------------------------------------------------------------------------ merge and end

    /** A task's output is stored: merge once every task has one. */
    void taskStored() {
        services.listener().changed(this);
        if (allTasksDone()) {
            startMerge();
        }
    }

    /** Starts the merge once every task is done; call when the job joins the active ones. */
    void started() {
        if (allTasksDone()) {
            startMerge();
            return;
        }
        if (!queue.ready.isEmpty()) {
            services.listener().tasksReady(this); // its first tasks came with it
        }
        refill();
    }

    /**
     * How long the only task's output waits for the merge to be stored with the job's result: past this (a slow merge)
     * it is stored alone, so that its worker is not kept waiting for the acknowledgement; the merge goes on.
     */
    static final Duration OUTPUT_HOLD = Duration.ofMillis(50);

    /** An output held for the merge: stored with the result, or alone at the latest after {@link #OUTPUT_HOLD}. */
    private record HeldOutput(StoreBatch.TaskSuccess output, TaskAttemptRow history, Consumer<Boolean> then,
            Consumer<CoreException> refused, java.util.concurrent.ScheduledFuture<?> limit) {}

    /**
     * Whether the result of {@code a} may be merged at once, before its output is stored: it is the job's only task
     * (the split is complete with one task), and nothing else of the job runs.
     */
    boolean mergesAtOnce(Attempt a) {
        return !dropped && quorum == 1 && phase == JobPhase.PRODUCED && produced == 1 && succeeded == 0 && completing == 0
                && attempts.size() == 1 && attempts.get(a.id) == a;
    }

    /**
     * Where the only task's output goes ({@link #mergesAtOnce}): the merge starts on it now, and the output is held
     * to be stored in the same commit as the job's result (with {@code history}, the attempt's row, if any), so a
     * one-task job takes one commit from its result to its end instead of two, and its merge reads nothing back.
     */
    AttemptTable.OutputSink outputWithResult(TaskAttemptRow history) {
        return (output, then, refused) -> {
            move(JobPhase.MERGING);
            mergeRunning = true;
            services.listener().changed(this);
            heldOutput = new HeldOutput(output, history, then, refused,
                    services.loop().schedule(OUTPUT_HOLD, this::storeHeldOutput));
            LoadedJob merger = code;
            byte[] bytes = output.output();
            services.host().run(id + " merge", services.options().mergeTimeout(),
                    () -> merger.merge(Stream.of(bytes), args), this::onMerged);
        };
    }

    /** Hands the held output (if any) to this turn's commit. */
    private void storeHeldOutput() {
        HeldOutput h = heldOutput;
        if (h == null) {
            return;
        }
        heldOutput = null;
        h.limit().cancel(false);
        Flusher flusher = services.flusher();
        flusher.success(h.output(), h.then(), h.refused());
        if (h.history() != null) {
            flusher.writes().attemptEnded(h.history());
        }
    }

    private void startMerge() {
        move(JobPhase.MERGING);
        mergeRunning = true;
        services.listener().changed(this);
        log.atInfo().addKeyValue("job", id).log("all {} tasks succeeded, merging", succeeded);
        LoadedJob merger = code;
        Store store = services.store();
        services.host().run(id + " merge", services.options().mergeTimeout(), () -> {
            try (Stream<byte[]> outputs = store.tasks().outputs(id)) {
                return merger.merge(outputs, args);
            }
        }, this::onMerged);
    }

    private void onMerged(EncodedResult result, Throwable error) {
        mergeRunning = false;
        storeHeldOutput(); // in this turn's commit, with the job's end below
        if (dropped) {
            closeIfDropped();
            return;
        }
        if (phase != JobPhase.MERGING) {
            releaseCodeIfIdle(); // it was cancelled meanwhile
            return;
        }
        if (error != null) {
            Throwable cause = JobCodeHost.unwrap(error);
            log.atWarn().addKeyValue("job", id).log("merge failed: {}", LoadedJob.describe(cause));
            end(JobState.FAILED, "merge failed: " + LoadedJob.describe(cause), null);
            return;
        }
        int maxBytes = services.options().maxResultBytes();
        if (result.bytes().length > maxBytes) {
            end(JobState.FAILED, "its result of " + result.bytes().length + " bytes exceeds the limit "
                    + "max-result-bytes=" + maxBytes, null);
            return;
        }
        String text = result.text();
        if (text != null && text.length() > MAX_RESULT_TEXT) {
            text = text.substring(0, MAX_RESULT_TEXT - 1) + "…";
        }
        move(JobPhase.ENDING);
        Instant now = services.loop().now();
        String finalText = text;
        Flusher flusher = services.flusher();
        // every task succeeded (an output merged at once is stored in this same commit, and counted after it)
        if (checkpointed) {
            flusher.writes().deleteCheckpoints(id); // with the job's end, in its commit
        }
        flusher.writes().job(StoreBatch.JobUpdate.ended(id, JobState.SUCCEEDED, now, null, produced, failed, retried,
                lost, rejected, speculated, new StoreBatch.JobResultData(result.bytes(), text, result.mediaType()),
                durationBuckets));
        flusher.afterCommit(() -> {
            if (dropped) {
                return; // its insert was refused meanwhile (see Jobs): this end changed no row
            }
            state = state.moveTo(JobState.SUCCEEDED);
            services.dataSets().get().dropCheckpoints(id); // its large checkpoints' data sets, once the rows are gone
            log.atInfo().addKeyValue("job", id).log("job succeeded: {}", finalText == null ? result.bytes().length
                    + " bytes of " + result.mediaType() : abbreviate(finalText));
            finished(snapshot(now, null, finalText, result.mediaType(), result.bytes().length, ""));
        });
    }

    /** A task failed for good: so does the job. */
    void failForTask(QueuedTask t, String message, String workerId) {
        failed++;
        services.metrics().get().failed.increment();
        t.moveTo(TaskState.FAILED);
        services.flusher().writes().taskFailed(new StoreBatch.TaskFailed(id, t.index, t.failures, t.losses, t.crashes,
                message), workerId);
        end(JobState.FAILED, message, null);
    }

    /**
     * Ends a job that has not ended: cancels its running attempts and its queued tasks and stores the final state;
     * {@code then} gets the last snapshot once it is stored. Returns false if the job was ending already.
     */
    boolean end(JobState finalState, String error, Consumer<JobSnapshot> then) {
        if (ending()) {
            return false;
        }
        storeHeldOutput(); // stored before the job's end, in the same commit
        move(JobPhase.ENDING);
        for (Attempt a : new ArrayList<>(attempts.values())) {
            if (!a.completing) {
                services.attempts().cancel(a);
                services.flusher().writes().attemptEnded(a.ended(AttemptOutcome.CANCELLED, services.loop().now(), 0,
                        "job ended (" + (error == null ? finalState.name().toLowerCase(java.util.Locale.ROOT) : error)
                                + ")", null, "", 0));
                if (a.task.state == TaskState.RUNNING && a.task.live == 0) {
                    a.task.moveTo(TaskState.CANCELLED);
                }
            }
        }
        queue.cancelAll();
        Instant now = services.loop().now();
        Flusher flusher = services.flusher();
        if (checkpointed) {
            flusher.writes().deleteCheckpoints(id); // with the job's end, in its commit
        }
        flusher.writes().job(StoreBatch.JobUpdate.ended(id, finalState, now, error, succeeded, failed, retried, lost,
                rejected, speculated, null, durationBuckets));
        flusher.afterCommit(() -> {
            if (dropped) {
                return; // its insert was refused meanwhile (see Jobs): this end changed no row
            }
            state = state.moveTo(finalState);
            services.dataSets().get().dropCheckpoints(id); // its large checkpoints' data sets, once the rows are gone
            JobSnapshot last = snapshot(now, error, null, null, 0, "");
            finished(last);
            if (then != null) {
                then.accept(last);
            }
        });
        services.listener().tasksReady(this); // its slots are free for others
        return true;
    }

    /** After the final state is stored: tell the workers that know the job, and let go of it. */
    private void finished(JobSnapshot last) {
        if (dropped) {
            return; // let go (fenced, or its insert refused): its end is not this master's to publish
        }
        move(JobPhase.ENDED);
        for (Session s : knownBy) {
            if (s.open) {
                s.outbox.endedJobs.add(id);
                s.jobsSent.remove(id);
                services.flusher().markDirty(s);
            }
        }
        knownBy.clear();
        if (state == JobState.FAILED) {
            log.atInfo().addKeyValue("job", id).log("job failed: {}", last.error());
        }
        services.listener().ended(this, last);
        releaseCodeIfIdle();
    }

    /** Closes the job's code once it has ended and none of it runs. */
    void releaseCodeIfIdle() {
        if (phase == JobPhase.ENDED && !feeding && !mergeRunning && code != null) {
            closeSource();
            code.close();
            code = null;
        }
    }

    /** Closes the code at shutdown. */
    void close() {
        closeSource();
        if (code != null) {
            code.close();
            code = null;
        }
    }

    private void closeSource() {
        if (source != null) {
            try {
                source.close();
            } catch (RuntimeException e) {
                log.atDebug().addKeyValue("job", id).log("closing the split: {}", e.toString());
            }
            source = null;
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() > 120 ? oneLine.substring(0, 119) + "…" : oneLine;
    }
}
