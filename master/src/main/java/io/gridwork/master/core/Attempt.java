package io.gridwork.master.core;

import io.gridwork.master.model.AttemptOutcome;
import io.gridwork.master.store.TaskAttemptRow;
import java.time.Instant;

/** One running attempt of one task on one worker session. Loop-confined. */
final class Attempt {
    final long id;
    final JobRunner job;
    final QueuedTask task;
    Session session;
    final int number;
    /** When it was assigned. */
    final Instant startedAt;
    /** When its worker said it began executing; null while it is only held (prefetched). */
    Instant startedRunningAt;
    Instant lastProgress;
    double progress;
    boolean completing;
    /** The worker said the task is executing (not only held); set through {@link AttemptTable#started}. */
    boolean started;
    /** A second attempt started because the first was slow. */
    boolean speculative;
    /** It no longer counts against its worker's slots (its result came, or it was cancelled or lost). */
    boolean untracked;
    /** Its checkpoint saves (see {@link Checkpoints}); null until it saves one. */
    Checkpoints.Saves saves;

    /** Worker slots it occupies. */
    int units() {
        return job.slotsPerTask;
    }

    Attempt(long id, JobRunner job, QueuedTask task, Session session, int number, Instant startedAt) {
        this.id = id;
        this.job = job;
        this.task = task;
        this.session = session;
        this.number = number;
        this.startedAt = startedAt;
        this.lastProgress = startedAt;
    }

    Messages.TaskKey key() {
        return new Messages.TaskKey(job.id, task.index, id);
    }

    /**
     * This attempt as its task's history keeps it once it has ended: where and when it ran, how it ended and why
     * ({@code failure} for a task whose code threw, else {@code error} or null), and its log.
     */
    TaskAttemptRow ended(AttemptOutcome outcome, Instant at, long durationMs, String error, Messages.Failure failure,
            String log, long logCutBytes) {
        WorkerEntry w = session.worker;
        return TaskAttemptRow.ended(job.id, task.index, number, id, w.id, w.name, startedAt, at, outcome, durationMs,
                failure != null ? failure.message() : error, failure != null ? failure.exceptionType() : null,
                failure != null ? failure.stackTrace() : null, log, logCutBytes);
    }
}
