package io.gridwork.master.core;

import io.gridwork.master.model.TaskState;
import java.time.Instant;
import java.util.List;

/** A task the master holds in memory: waiting to run, or the subject of current attempts. Loop-confined. */
final class QueuedTask {
    final long index;
    final byte[] input;
    /** Attempts whose code threw (counted against the job's max attempts). */
    int failures;
    /** Attempts lost with their worker (not counted against max attempts). */
    int losses;
    /** Workers that died (their process went away) while running this task; at a limit the task is quarantined. */
    int crashes;
    /** Attempts started so far. */
    int attempts;
    /** The worker the last failed attempt ran on; a retry goes elsewhere if it can. */
    String avoidWorker;
    /** Not to be dispatched before this time (retry backoff); null for at once. */
    Instant notBefore;
    String lastError;
    /** Where it is, moving through {@link TaskState}'s table: QUEUED, RUNNING, COMPLETING (its output is being stored), ... */
    TaskState state = TaskState.PENDING;
    /** Its current attempts (more than one while a speculative attempt runs). */
    int live;
    /** The data-set chunks it reads (jobs with data sets only; null until first looked at for placement). */
    List<DataSets.Chunks> needs;
    /** When placement near its data first looked at it: it waits for a worker holding its data until a bound after. */
    Instant localSince;
    /** Quorum jobs only: its replicas' outputs and where they run ({@link Quorum}); null for every other task. */
    Quorum.Votes votes;
    /** When it became ready to dispatch (System.nanoTime), for the dispatch latency; 0 once dispatched. */
    long readyNanos = System.nanoTime();
    /** The last checkpoint an attempt of it saved and the store holds (the next attempt starts from it); null: none. */
    byte[] checkpoint;
    /** Or, for a large one, the data set holding it (null: none). */
    String checkpointData;

    QueuedTask(long index, byte[] input, int failures, int losses, int crashes) {
        this.index = index;
        this.input = input;
        this.failures = failures;
        this.losses = losses;
        this.crashes = crashes;
        this.attempts = failures + losses;
    }

    void moveTo(TaskState next) {
        state = state.moveTo(next);
    }

    /** It succeeded or failed for good, or its output is being stored: no attempt of it runs again. */
    boolean finished() {
        return state == TaskState.COMPLETING || state.isTerminal();
    }
}
