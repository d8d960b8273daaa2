package io.gridwork.master.core;

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
}
