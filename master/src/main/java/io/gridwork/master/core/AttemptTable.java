package io.gridwork.master.core;

import io.gridwork.master.model.JobState;
import io.gridwork.master.model.TaskState;
import io.gridwork.master.store.StoreBatch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Every current attempt, by id. An attempt id is a fencing token: ids grow with every attempt and, in their high
 * half, with every start of the master (its epoch), so a result of a superseded attempt, or of one from before a
 * restart, is recognised and refused. A result is acknowledged to its worker only after its output is committed.
 * Counts the slots attempts hold: per session, per job and, through {@link FairShare}, per user. Loop-confined.
 */
final class AttemptTable {

    private final Map<Long, Attempt> attempts = new HashMap<>();
    private final FairShare fairShare;
    private final Quotas quotas;
    private final Flusher flusher;
    private long epochBase;
    private long nextId;

    AttemptTable(FairShare fairShare, Flusher flusher) {
        this.fairShare = fairShare;
        this.flusher = flusher;
        this.quotas = new Quotas(fairShare);
    }

    /** Starts the ids of this master's epoch. */
    void epoch(long epoch) {
        epochBase = epoch << 32;
        nextId = epochBase + 1;
    }

    long epochBase() {
        return epochBase;
    }

    /** This master's epoch (the high half of the ids it issues). */
    long epoch() {
        return epochBase >>> 32;
    }

    /** The epoch of the master (or start of one) that issued an attempt id. */
    static long epochOf(long attemptId) {
        return attemptId >>> 32;
    }

    /** Forgets every attempt without a word to anyone (the master stepped down: its jobs are another's now). */
    void clear() {
        for (Attempt a : new ArrayList<>(attempts.values())) {
            untrack(a);
        }
        attempts.clear();
    }

    Attempt get(long id) {
        return attempts.get(id);
    }

    Collection<Attempt> all() {
        return attempts.values();
    }

    /** A new attempt of {@code task} on {@code s}, with the next id. */
    Attempt start(JobRunner job, QueuedTask task, Session s, Instant now) {
        return add(nextId++, job, task, s, now);
    }

    /** An attempt with a given id (one taken back from before a restart). */
    Attempt add(long id, JobRunner job, QueuedTask task, Session s, Instant now) {
        task.attempts++;
        if (task.state != TaskState.RUNNING) {
            task.moveTo(TaskState.RUNNING);
        }
        Attempt a = new Attempt(id, job, task, s, task.attempts, now);
        attempts.put(id, a);
        job.attempts.put(id, a);
        s.attempts.put(id, a);
        track(a);
        if (job.quorum > 1) {
            Quorum.replicaStarted(a);
        }
        return a;
    }

    /** Counts a new current attempt: the slots it occupies on its worker, for its job and for its job's user. */
    private void track(Attempt a) {
        int units = a.units();
        a.session.heldUnits += units;
        a.job.runningUnits += units;
        fairShare.add(a.job.owner(), units);
        if (++a.task.live > 1) {
            a.job.extraAttempts++;
        }
    }

    /**
     * Its worker says the attempt is executing (not only held): counted as running from now on, and its task timeout
     * runs from now.
     */
    /** The users' quotas, over the slots this table counts per user. */
    Quotas quotas() {
        return quotas;
    }

    void started(Attempt a, Instant now) {
        if (a.started || a.untracked) {
            return;
        }
        a.started = true;
        a.lastProgress = now;
        a.startedRunningAt = now;
        a.session.executing++;
        a.job.executing++;
    }

    /** The attempt no longer occupies slots (it ended, or was cancelled or lost). Once per attempt. */
    void untrack(Attempt a) {
        if (a.untracked) {
            return;
        }
        a.untracked = true;
        if (a.started) {
            a.session.executing--;
            a.job.executing--;
        }
        int units = a.units();
        a.session.heldUnits -= units;
        a.job.runningUnits -= units;
        fairShare.add(a.job.owner(), -units);
        if (a.task.live-- > 1) {
            a.job.extraAttempts--;
        }
        Quorum.replicaEnded(a);
    }

    /** Removes an attempt from every index (not from its task's accounting). */
    void detach(Attempt a) {
        attempts.remove(a.id);
        a.job.attempts.remove(a.id);
        a.session.attempts.remove(a.id);
        untrack(a);
    }

    /** Detaches the attempt and tells its worker to stop it. */
    void cancel(Attempt a) {
        detach(a);
        if (a.session.open) {
            a.session.outbox.cancels.add(a.key());
            flusher.markDirty(a.session);
        }
    }

    /**
     * The attempt's result came: its output is stored with the next commit, and only then is it acknowledged;
     * {@code then} runs after the commit with whether the output was written (false: the task had an output already).
     */
    void succeeded(Attempt a, StoreBatch.TaskSuccess output, Consumer<Boolean> then) {
        succeeded(a, output, then, flusher::success);
    }

    /** Where an output goes to be stored: the flusher's next commit, or a job that commits it with its result. */
    interface OutputSink {
        void store(StoreBatch.TaskSuccess output, Consumer<Boolean> then, Consumer<CoreException> refused);
    }

    /** As {@link #succeeded(Attempt, StoreBatch.TaskSuccess, Consumer)}, the output stored through {@code sink}. */
    void succeeded(Attempt a, StoreBatch.TaskSuccess output, Consumer<Boolean> then, OutputSink sink) {
        a.session.attempts.remove(a.id);
        a.completing = true;
        a.task.moveTo(TaskState.COMPLETING);
        a.job.completing++;
        untrack(a);
        sink.store(output, written -> {
            a.job.completing--;
            attempts.remove(a.id);
            a.job.attempts.remove(a.id);
            if (a.session.open) {
                a.session.outbox.acks.add(a.key());
                flusher.markDirty(a.session);
            }
            then.accept(written);
        }, error -> {
            // the database refused the output for good: the attempt no longer completes, and a job whose output cannot
            // be stored fails rather than wait for it forever (at a stop, UNAVAILABLE, the store keeps the task to redo)
            if (!a.completing || error.kind() == CoreException.Kind.UNAVAILABLE) {
                return;
            }
            a.completing = false;
            a.job.completing--;
            attempts.remove(a.id);
            a.job.attempts.remove(a.id);
            a.task.moveTo(TaskState.QUEUED);
            a.job.end(JobState.FAILED, "the output of task " + a.task.index + " could not be stored: "
                    + error.getMessage(), null);
        });
    }

    /** Why a result of an attempt that is not current is refused. */
    String notCurrent(Messages.TaskKey key) {
        if (epochOf(key.attemptId()) != epoch()) {
            return "attempt " + key.attemptId() + " of task " + key.index() + " of job " + key.jobId()
                    + " was assigned before the master restarted (or by another master) and has been reassigned";
        }
        return "attempt " + key.attemptId() + " of task " + key.index() + " of job " + key.jobId()
                + " is not current (it was superseded, or the job ended)";
    }

    /** Attempts of a worker kept from streams that have ended (link failure, or held across a re-registration). */
    List<Attempt> orphans(WorkerEntry w) {
        List<Attempt> out = new ArrayList<>();
        for (Attempt a : attempts.values()) {
            if (a.session.worker == w && !a.session.open && !a.completing) {
                out.add(a);
            }
        }
        return out;
    }

    /** How many tasks a worker holds (on its stream, or kept while it is away). */
    int heldBy(WorkerEntry w) {
        int n = 0;
        for (Attempt a : attempts.values()) {
            if (a.session.worker == w && !a.completing) {
                n++;
            }
        }
        return n;
    }

    /** Moves the attempts a worker kept (from an ended stream) to its new stream. */
    void moveOrphans(WorkerEntry w, Session to) {
        for (Attempt a : orphans(w)) {
            a.session.attempts.remove(a.id);
            if (!a.untracked) {
                a.session.heldUnits -= a.units();
                to.heldUnits += a.units();
                if (a.started) {
                    a.session.executing--;
                    to.executing++;
                }
            }
            a.session = to;
            to.attempts.put(a.id, a);
            to.jobsSent.add(a.job.id);
            a.job.knownBy.add(to);
        }
    }

    /** The attempts a worker (by name or id) holds now, oldest first, at most {@code limit}. */
    List<Scheduler.RunningAttempt> runningOn(String worker, int limit) {
        List<Scheduler.RunningAttempt> out = new ArrayList<>();
        for (Attempt a : attempts.values()) {
            WorkerEntry w = a.session.worker;
            if ((w.name.equals(worker) || w.id.equals(worker)) && !a.completing) {
                out.add(new Scheduler.RunningAttempt(a.job.id, a.job.row.jobClass(), a.task.index, a.number, a.speculative,
                        a.startedAt, a.started, a.startedRunningAt));
            }
        }
        out.sort(java.util.Comparator.comparing(Scheduler.RunningAttempt::startedAt));
        return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
    }
}
