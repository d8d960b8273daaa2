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
        return ended(outcome, at, durationMs, error, failure, log, logCutBytes, 0, false);
    }

    /**
     * The same, with the usage ledger's record: {@code cpuNanos} as its worker measured it, {@code lostRace} for an
     * attempt cancelled because another attempt of its task finished first.
     */
    TaskAttemptRow ended(AttemptOutcome outcome, Instant at, long durationMs, String error, Messages.Failure failure,
            String log, long logCutBytes, long cpuNanos, boolean lostRace) {
        WorkerEntry w = session.worker;
        boolean ran = outcome == AttemptOutcome.SUCCEEDED || outcome == AttemptOutcome.FAILED;
        return TaskAttemptRow.ended(job.id, task.index, number, id, w.id, w.name, startedAt, at, outcome, durationMs,
                failure != null ? failure.message() : error, failure != null ? failure.exceptionType() : null,
                failure != null ? failure.stackTrace() : null, log, logCutBytes)
                .withUsage(usage(at, ran, ran ? durationMs : 0, cpuNanos, lostRace));
    }

    /**
     * The usage ledger's record of this attempt ending at {@code at}, counted against its user's cost limit. It ran
     * from when its worker said it started to {@code at}, by the master's clock; an attempt that never started ran
     * 0 ms. One that {@code ran} to a result ran at least the {@code workerMs} its worker measured: an attempt adopted
     * after a master restart began before this master knew of it, and a short one's result can come in the message
     * that says it started (its assignment is no start: it may have waited in the worker's prefetch).
     */
    io.gridwork.master.store.AttemptUsage usage(Instant at, boolean ran, long workerMs, long cpuNanos,
            boolean lostRace) {
        long ms = startedRunningAt == null ? 0 : Math.max(0, java.time.Duration.between(startedRunningAt, at).toMillis());
        if (ran) {
            ms = Math.max(ms, workerMs);
        }
        io.gridwork.master.store.AttemptUsage u = new io.gridwork.master.store.AttemptUsage(units(), ms, cpuNanos,
                session.worker.costFactor, lostRace);
        job.charge(u, at);
        return u;
    }
}
