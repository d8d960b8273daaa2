package io.gridwork.master.core;

import io.gridwork.master.model.AttemptOutcome;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.TaskDurations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when an attempt ends: its result is checked against the attempt table (fencing) and stored, or
 * refused; a failure, a timeout or a loss goes through the {@link RetryPolicy}, and its decision is applied here,
 * once for all three. Loop-confined.
 */
final class TaskOutcomes {

    private static final Logger log = LoggerFactory.getLogger(TaskOutcomes.class);

    private final SchedulerOptions options;
    private final Loop loop;
    private final AttemptTable attempts;
    private final Dispatcher dispatcher;
    private final Flusher flusher;
    private final RetryPolicy retry;
    private final Function<String, JobRunner> activeJob;
    private final Supplier<CoreMetrics> metrics;
    private final Quorum quorum;

    TaskOutcomes(SchedulerOptions options, Loop loop, AttemptTable attempts, Dispatcher dispatcher, Flusher flusher,
            RetryPolicy retry, Function<String, JobRunner> activeJob, Supplier<CoreMetrics> metrics, Quorum quorum) {
        this.quorum = quorum;
        this.options = options;
        this.loop = loop;
        this.attempts = attempts;
        this.dispatcher = dispatcher;
        this.flusher = flusher;
        this.retry = retry;
        this.activeJob = activeJob;
        this.metrics = metrics;
    }

    /** A result from a worker's stream. */
    void result(Session s, Messages.Result r, Instant now) {
        Attempt a = s.attempts.get(r.key().attemptId());
        if (a == null || !a.job.id.equals(r.key().jobId()) || a.task.index != r.key().index()) {
            String reason = attempts.notCurrent(r.key());
            reject(s, r.key(), reason);
            log.atInfo().addKeyValue("job", r.key().jobId()).addKeyValue("task", r.key().index())
                    .addKeyValue("worker", s.worker.name).log("refused a result from {}: {}", s, reason);
            return;
        }
        JobRunner job = a.job;
        if (!job.dispatchable() && job.phase() != JobPhase.MERGING) {
            // the job is ending: nothing more of it is stored
            attempts.detach(a);
            s.outbox.acks.add(r.key());
            flusher.markDirty(s);
            return;
        }
        if (a.task.finished()) {
            // another attempt of the task (a speculative one, or the original) finished first
            attempts.detach(a);
            reject(s, r.key(), "task " + a.task.index + " of job " + job.id + " already finished on another worker");
            return;
        }
        s.attempts.remove(a.id);
        if (r.succeeded() && r.output().length > options.maxOutputBytes()) {
            failed(a, new Messages.Failure("its output of " + r.output().length + " bytes exceeds the limit "
                    + "max-output-bytes=" + options.maxOutputBytes(), "io.gridwork.LimitExceeded", false, ""), r, now);
        } else if (r.succeeded()) {
            if (job.quorum > 1) {
                // a replica's output is a vote until a quorum agrees (see Quorum); only the deciding one goes on here
                Quorum.Verdict verdict = quorum.vote(a, r, now);
                if (verdict == Quorum.Verdict.WAIT) {
                    dispatcher.dispatchHungry(); // another replica, on another host
                }
                if (verdict != Quorum.Verdict.ACCEPT) {
                    return;
                }
            }
            recordDuration(a, r.durationMs());
            // in the batch of the output, so the attempt's history is committed with it. A first attempt that
            // succeeded alone and wrote nothing adds nothing to what the task's row says (its worker, its duration):
            // it is not kept, which spares jobs of many small tasks a row each (half the throughput of empty tasks);
            // its record in the usage ledger goes on the task's row instead, in the UPDATE that stores the output
            // (a quorum's deciding replica, always a later attempt, is kept like a first: see Quorum)
            io.gridwork.master.store.TaskAttemptRow history = (job.quorum == 1 && (a.number > 1 || a.task.live > 1))
                    || !r.log().isEmpty()
                    || r.logCutBytes() > 0 ? a.ended(AttemptOutcome.SUCCEEDED, now, r.durationMs(), null, null, r.log(),
                    r.logCutBytes(), r.cpuNanos(), false) : null;
            StoreBatch.TaskSuccess output = history != null
                    ? new StoreBatch.TaskSuccess(job.id, a.task.index, r.output(), s.worker.id, r.durationMs())
                    : new StoreBatch.TaskSuccess(job.id, a.task.index, r.output(), s.worker.id, r.durationMs(),
                            a.usage(now, true, r.durationMs(), r.cpuNanos(), false), now);
            if (job.mergesAtOnce(a)) {
                // the job's only task: merged at once, its output stored with the job's result in one commit
                attempts.succeeded(a, output, written -> stored(a, written), job.outputWithResult(history));
            } else {
                attempts.succeeded(a, output, written -> stored(a, written));
                if (history != null) {
                    flusher.writes().attemptEnded(history);
                }
            }
            if (a.task.live > 0) {
                cancelOthers(a, now);
            }
        } else {
            failed(a, r.failure(), r, now);
        }
    }

    /**
     * Refuses a result (or, with {@code s} null, a task a registering worker said it holds): counted for its job,
     * and the worker is told why.
     */
    void reject(Session s, Messages.TaskKey key, String reason) {
        if (s != null) {
            s.outbox.rejections.add(new Messages.Rejection(key, reason));
            flusher.markDirty(s);
        }
        JobRunner job = activeJob.apply(key.jobId());
        if (job != null) {
            job.rejected++;
            metrics.get().rejected.increment();
        }
    }

    /** A result whose output is now stored (or was already: {@code written} false). */
    private void stored(Attempt a, boolean written) {
        JobRunner job = a.job;
        if (written) {
            a.task.moveTo(io.gridwork.master.model.TaskState.SUCCEEDED);
            job.succeeded++;
            metrics.get().succeeded.increment();
            a.session.worker.completed++;
        } else {
            log.atWarn().addKeyValue("job", job.id).addKeyValue("task", a.task.index)
                    .addKeyValue("worker", a.session.worker.name)
                    .log("a second output arrived from {} and was not stored", a.session);
        }
        if (job.dispatchable()) {
            job.taskStored();
        }
    }

    /** Measures the job's tasks and the worker's speed against them ({@link WorkerSpeeds}). */
    private static void recordDuration(Attempt a, long durationMs) {
        JobRunner job = a.job;
        long d = Math.max(1, durationMs);
        double mean = job.meanTaskMillis();
        long timed = job.durationCount;
        job.durationBuckets[TaskDurations.bucket(Math.max(0, durationMs))]++;
        job.durationCount++;
        job.durationSumMs += d;
        WorkerSpeeds.record(a.session.worker, mean, timed, d);
    }

    /** The first result of a task wins: its other attempts are cancelled, and their results refused if they come. */
    private void cancelOthers(Attempt winner, Instant now) {
        // the job's attempts include thousands completing when its commits lag: only this task's others are copied
        List<Attempt> others = new ArrayList<>(winner.task.live);
        for (Attempt o : winner.job.attempts.values()) {
            if (o != winner && o.task == winner.task && !o.completing) {
                others.add(o);
            }
        }
        for (Attempt o : others) {
            attempts.cancel(o);
            flusher.writes().attemptEnded(o.ended(AttemptOutcome.CANCELLED, now, 0, "attempt " + winner.number
                    + " on " + winner.session.worker.name + " finished first", null, "", 0, 0, true));
            log.atInfo().addKeyValue("job", winner.job.id).addKeyValue("task", winner.task.index)
                    .addKeyValue("worker", o.session.worker.name)
                    .log("attempt {} on {} finished first; attempt {} on {} is cancelled", winner.number,
                            winner.session.worker.name, o.number, o.session.worker.name);
        }
    }

    /** The task's code threw ({@code r}: the result that says so, with the attempt's log). */
    void failed(Attempt a, Messages.Failure f, Messages.Result r, Instant now) {
        attempts.detach(a);
        QueuedTask t = a.task;
        t.failures++;
        String worker = a.session.worker.name;
        log.atInfo().addKeyValue("job", a.job.id).addKeyValue("task", t.index).addKeyValue("worker", worker)
                .log("task failed on {} (attempt {} of {}): {}", worker, t.failures, a.job.maxAttempts, f.message());
        // before the decision's writes (the requeue, or the task's and job's failure): one batch, one transaction
        flusher.writes().attemptEnded(a.ended(AttemptOutcome.FAILED, now, r.durationMs(), null, f, r.log(),
                r.logCutBytes(), r.cpuNanos(), false));
        failure(a, f.message(), retry.failed(t.index, t.failures, a.job.maxAttempts, f.retryable(), f.message()), now);
    }

    /** An attempt ran longer than its job's task timeout without progress: cancel it and retry elsewhere. */
    void timedOut(Attempt a, Instant now) {
        attempts.cancel(a);
        QueuedTask t = a.task;
        t.failures++;
        String message = "timed out on worker " + a.session.worker.name + " (no progress for " + a.job.taskTimeoutMs
                + " ms)";
        log.atInfo().addKeyValue("job", a.job.id).addKeyValue("task", t.index)
                .addKeyValue("worker", a.session.worker.name).log("task {}", message);
        flusher.writes().attemptEnded(a.ended(AttemptOutcome.TIMED_OUT, now, Duration.between(a.startedAt, now)
                .toMillis(), message, null, "", 0));
        failure(a, message, retry.timedOut(t.index, t.failures, a.job.maxAttempts, message), now);
    }

    /** A failure or timeout, decided: counted against the worker, then retried or the end of the job. */
    private void failure(Attempt a, String message, RetryPolicy.Decision decision, Instant now) {
        JobRunner job = a.job;
        QueuedTask t = a.task;
        WorkerEntry w = a.session.worker;
        w.failed++;
        t.lastError = message;
        job.noteError(t.index, a.number, w.name, message, now);
        apply(job, t, decision, w.id, w.id, message);
    }

    /**
     * An attempt lost with its worker: it goes back to its job without using up the task's attempts. If the worker
     * died under it ({@code crashed}) often enough, the task is quarantined and its job fails.
     */
    void lose(Attempt a, String cause, boolean crashed) {
        attempts.detach(a);
        JobRunner job = a.job;
        QueuedTask t = a.task;
        if (!job.dispatchable() || t.state.isTerminal()) {
            return;
        }
        flusher.writes().attemptEnded(a.ended(AttemptOutcome.LOST, loop.now(), 0, "lost: " + cause, null, "", 0));
        t.losses++;
        job.lost++;
        metrics.get().lost.increment();
        if (crashed) {
            t.crashes++;
        }
        RetryPolicy.Decision decision = retry.lost(t.index, t.crashes, crashed, cause);
        if (decision.action() == RetryPolicy.Action.FAIL) {
            log.atWarn().addKeyValue("job", job.id).addKeyValue("task", t.index)
                    .log("{} workers died running the task; quarantined", t.crashes);
            job.noteError(t.index, t.attempts, a.session.worker.name, "quarantined: its worker died under it "
                    + RetryPolicy.times(t.crashes) + " (last: " + cause + ")", loop.now());
        }
        apply(job, t, decision, null, a.session.worker.id, "lost: " + cause);
    }

    /**
     * Applies the policy's decision: the task runs again (recorded), or its job fails. {@code workerId} is the
     * worker whose failure count it adds to (null for a loss); {@code avoid} the worker a retry should not go back to.
     */
    private void apply(JobRunner job, QueuedTask t, RetryPolicy.Decision decision, String workerId, String avoid,
            String error) {
        switch (decision.action()) {
            case FAIL:
                job.failForTask(t, decision.error(), workerId);
                return;
            case RETRY:
                job.retried++;
                metrics.get().retried.increment();
                flusher.writes().attemptFailed(new StoreBatch.TaskAttemptFailed(job.id, t.index, t.failures, t.losses,
                        t.crashes, error), workerId);
                dispatcher.requeue(job, t, avoid, loop.now().plus(decision.delay()));
                return;
            default: // REQUEUE: lost, no attempt used up
                flusher.writes().attemptFailed(new StoreBatch.TaskAttemptFailed(job.id, t.index, t.failures, t.losses,
                        t.crashes, error), workerId);
                dispatcher.requeue(job, t, avoid, null);
        }
    }

    /**
     * The worker gives back a task it has not started (it was drained, or it holds more than its prefetch now that its
     * tasks run long): it goes to another worker, and the attempt it never ran is not counted.
     */
    void released(Attempt a) {
        attempts.detach(a);
        if (!a.started && a.number == a.task.attempts && a.task.live == 0) {
            a.task.attempts--;
        }
        dispatcher.requeue(a.job, a.task, null, null);
    }

    /** Periodic: attempts that made no progress for their job's task timeout are cancelled and retried. */
    void checkTimeouts(List<JobRunner> jobs, Instant now) {
        for (JobRunner job : new ArrayList<>(jobs)) {
            if (job.taskTimeoutMs <= 0 || !job.dispatchable()) {
                continue;
            }
            for (Attempt a : new ArrayList<>(job.attempts.values())) {
                if (!a.completing && a.started && a.session.open
                        && Duration.between(a.lastProgress, now).toMillis() > job.taskTimeoutMs) {
                    timedOut(a, now);
                }
            }
        }
    }
}
