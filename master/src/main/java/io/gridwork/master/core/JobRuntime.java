package io.gridwork.master.core;

import io.gridwork.internal.LoadedJob;
import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JobRow;
import io.gridwork.sdk.JobArgs;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A job that has not ended, as the scheduler runs it. Loop-confined, except where noted. */
final class JobRuntime {
    final String id;
    final JobRow row;
    final JobArgs args;
    final int maxAttempts;
    final long taskTimeoutMs;
    /** Which workers may run its tasks. */
    final Requirement requirement;
    /** Worker slots each task occupies. */
    final int slotsPerTask;
    final int priority;
    /** Whether slow tasks near the end may get a second attempt. */
    final boolean speculation;
    final String owner;
    /** Slots its current attempts occupy. */
    int runningUnits;
    /** Current attempts beyond the first of their task (speculative ones). */
    int extraAttempts;
    long speculated;
    /** Durations of its succeeded tasks: how long a task takes here, for speculation and worker speeds. */
    long durationCount;
    long durationSumMs;
    /** Its succeeded tasks by duration bucket (see Store.DURATION_BUCKETS_MS), for the dashboard. */
    final long[] durationBuckets = new long[io.gridwork.master.store.Store.DURATION_BUCKETS_MS.length + 1];
    /** Its latest task errors, newest last, at most {@link #ERRORS_KEPT}. */
    final ArrayDeque<Scheduler.TaskError> errors = new ArrayDeque<>();
    static final int ERRORS_KEPT = 20;
    /** The waiting reason last published. */
    String lastWaitingReason = "";
    JobState state;
    Instant startedAt;

    /** The job's code; used by the feeder and the merge on job-code threads, one call at a time. */
    LoadedJob code;
    LoadedJob.TaskSource source;

    /** New tasks in index order, and tasks to run again. */
    final ArrayDeque<QueuedTask> ready = new ArrayDeque<>();
    final List<QueuedTask> retries = new ArrayList<>();
    long readyBytes;

    /** Tasks produced by the split (and stored) so far. */
    long produced;
    /** The number of tasks, when the split knows it up front; -1 otherwise. */
    long expectedTotal = -1;
    boolean splitComplete;
    /** A batch of tasks is being taken from the split or the store. */
    boolean feeding;
    /** After a restart: stored pending tasks are read back before the split continues. */
    boolean recovering;
    long recoveryCursor = -1;

    long succeeded;
    long failed;
    long retried;
    long lost;
    long rejected;
    /** After a master restart: no dispatch until the workers had their chance to take back their tasks. */
    boolean held;
    /** Tasks taken back by their workers after a master restart (skipped when stored tasks are read back). */
    final java.util.Set<Long> adopted = new java.util.HashSet<>();
    int completing;
    /** Current attempts, by attempt id. */
    final Map<Long, Attempt> attempts = new LinkedHashMap<>();
    /** Sessions that were sent this job's spec. */
    final Set<Session> knownBy = new HashSet<>();

    boolean merging;
    /** The final state is being stored; nothing more is dispatched. */
    boolean ending;

    JobRuntime(JobRow row, LoadedJob code) {
        this.id = row.id();
        this.row = row;
        this.args = JobArgs.of(row.args());
        this.maxAttempts = row.maxAttempts();
        this.taskTimeoutMs = row.taskTimeoutMs();
        this.requirement = Requirement.parse(row.placement().requirement());
        this.slotsPerTask = Math.max(1, row.placement().slotsPerTask());
        this.priority = row.placement().priority();
        this.speculation = row.placement().speculation();
        this.owner = row.owner();
        this.speculated = row.speculated();
        this.state = row.state();
        this.startedAt = row.startedAt();
        this.code = code;
        this.produced = row.totalTasks();
        this.splitComplete = row.splitComplete();
    }

    boolean dispatchable() {
        return !state.isTerminal() && !ending && !merging;
    }

    /** Tasks running (a task with a speculative second attempt counts once). */
    int running() {
        return attempts.size() - completing - extraAttempts;
    }

    /** All tasks: the split's size when it knows it, else the tasks produced so far. */
    long total() {
        return splitComplete ? produced : Math.max(produced, expectedTotal);
    }

    long queued() {
        return Math.max(0, total() - succeeded - failed - (attempts.size() - extraAttempts));
    }

    boolean allTasksDone() {
        return splitComplete && !recovering && succeeded == produced && attempts.isEmpty();
    }

    /** The mean duration of its succeeded tasks, or 0 before any. */
    double meanTaskMillis() {
        return durationCount == 0 ? 0 : (double) durationSumMs / durationCount;
    }

    JobSnapshot snapshot(Instant finishedAt, String error, String resultText, String resultMediaType, long resultSize) {
        return snapshot(finishedAt, error, resultText, resultMediaType, resultSize, "");
    }

    JobSnapshot snapshot(Instant finishedAt, String error, String resultText, String resultMediaType, long resultSize,
            String waitingReason) {
        return new JobSnapshot(id, state, row.jarSha256(), row.jobClass(), row.args(), total(), succeeded,
                running() + completing, state.isTerminal() ? 0 : queued(), failed, retried, lost, rejected, speculated,
                splitComplete, maxAttempts, taskTimeoutMs, row.submittedAt(), startedAt, finishedAt, error, resultText,
                resultMediaType, resultSize, row.owner(), requirement.toString(), slotsPerTask, priority, speculation,
                waitingReason, row.schedule());
    }
}
