package io.gridwork.master.core;

import io.gridwork.master.store.StoreBatch;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Task checkpoints on the master: a state a running attempt saved is checked against the attempt table (fencing: only
 * the task's current attempt may save, as only it may store a result), against the size limit, and stored through the
 * journal; its worker is answered only after the commit, so a save the task was told about survives a master crash.
 * Saves of one attempt closer together than the minimum interval are coalesced: the newest waits and replaces those
 * before it, and one answer (its sequence number) covers them all. The state stored last is kept with the task, so
 * the next attempt (after a loss, a drain, a time-out or a failure) starts from it. Loop-confined.
 */
final class Checkpoints {

    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);

    /** An attempt's saves: the newest not stored yet, and whether one is being committed. Kept on its Attempt. */
    static final class Saves {
        Messages.Checkpoint waiting;
        boolean committing;
        Instant lastStored;
        long storedSeq;
        ScheduledFuture<?> timer;
    }

    private final SchedulerOptions options;
    private final Loop loop;
    private final Flusher flusher;
    private final AttemptTable attempts;

    Checkpoints(SchedulerOptions options, Loop loop, Flusher flusher, AttemptTable attempts) {
        this.options = options;
        this.loop = loop;
        this.flusher = flusher;
        this.attempts = attempts;
    }

    /** A checkpoint from a worker's stream. */
    void received(Session s, Messages.Checkpoint c, Instant now) {
        Messages.TaskKey key = c.key();
        Attempt a = s.attempts.get(key.attemptId());
        if (a == null || !a.job.id.equals(key.jobId()) || a.task.index != key.index()) {
            refuse(s, c, attempts.notCurrent(key));
            return;
        }
        if (!a.job.dispatchable() || a.task.finished()) {
            refuse(s, c, "task " + key.index() + " of job " + key.jobId() + " has ended (or its job is ending)");
            return;
        }
        if (c.state().length > options.maxCheckpointBytes()) {
            refuse(s, c, "the checkpoint of " + c.state().length + " bytes exceeds the limit max-checkpoint-size="
                    + options.maxCheckpointBytes());
            return;
        }
        Saves saves = a.saves;
        if (saves == null) {
            saves = a.saves = new Saves();
        }
        if (c.seq() <= saves.storedSeq) {
            ack(a, key, saves.storedSeq); // a repeat (sent again on a new stream): stored already
            return;
        }
        if (saves.waiting == null || c.seq() > saves.waiting.seq()) {
            saves.waiting = c; // coalesced: the newest wins, and its answer covers the older ones
        }
        store(a, saves, now);
    }

    /** Stores the attempt's waiting save now, or when the minimum interval since its last one has passed. */
    private void store(Attempt a, Saves saves, Instant now) {
        if (saves.committing || saves.waiting == null || saves.timer != null) {
            return;
        }
        if (a.session.attempts.get(a.id) != a || !a.job.dispatchable() || a.task.finished()) {
            // the attempt ended meanwhile (lost, superseded, or its job ended): what it saved last is not stored
            refuse(a.session, saves.waiting, "attempt " + a.id + " of task " + a.task.index + " of job " + a.job.id
                    + " is no longer current");
            saves.waiting = null;
            return;
        }
        Duration interval = options.minCheckpointInterval();
        if (saves.lastStored != null && !interval.isZero()) {
            Instant due = saves.lastStored.plus(interval);
            if (due.isAfter(now)) {
                saves.timer = loop.schedule(Duration.between(now, due), () -> {
                    saves.timer = null;
                    store(a, saves, loop.now());
                });
                return;
            }
        }
        Messages.Checkpoint c = saves.waiting;
        saves.waiting = null;
        saves.committing = true;
        saves.lastStored = now;
        a.job.checkpointed = true;
        flusher.writes().checkpoint(new StoreBatch.CheckpointSaved(a.job.id, a.task.index, a.id, c.seq(), c.state(), now));
        flusher.afterCommit(() -> {
            saves.committing = false;
            saves.storedSeq = Math.max(saves.storedSeq, c.seq());
            // the next attempt of the task starts from the state stored last (by whichever attempt stored it)
            a.task.checkpoint = c.state();
            ack(a, c.key(), c.seq());
            store(a, saves, loop.now());
        });
    }

    private void ack(Attempt a, Messages.TaskKey key, long seq) {
        Session s = a.session;
        if (s != null && s.open) {
            s.outbox.checkpointAcks.add(new Messages.CheckpointAck(key, seq, true, ""));
            flusher.markDirty(s);
        }
    }

    private void refuse(Session s, Messages.Checkpoint c, String reason) {
        log.atInfo().addKeyValue("job", c.key().jobId()).addKeyValue("task", c.key().index())
                .addKeyValue("worker", s.worker.name).log("refused a checkpoint from {}: {}", s, reason);
        if (s.open) {
            s.outbox.checkpointAcks.add(new Messages.CheckpointAck(c.key(), c.seq(), false, reason));
            flusher.markDirty(s);
        }
    }
}
