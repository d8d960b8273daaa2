package io.gridwork.master.core;

import io.gridwork.master.store.StoreBatch;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Task checkpoints on the master: a state a running attempt saved is checked against the attempt table (fencing: only
 * the task's current attempt may save, as only it may store a result), against the size limit, and stored through the
 * journal; its worker is answered only after the commit, so a save the task was told about survives a master crash.
 * Saves of one attempt closer together than the minimum interval are coalesced: the newest waits and replaces those
 * before it, and one answer (its sequence number) covers them all. The state stored last is kept with the task, so
 * the next attempt (after a loss, a drain, a time-out or a failure) starts from it. Loop-confined.
 *
 * <p>A large state (above the worker's inline limit) comes uploaded: the master's data grid holds a verified copy as a
 * data set before the save reaches this class, and the row refers to it. Such a save is fenced, coalesced and acked
 * like an inline one; its data set is dropped when it is refused or coalesced away, when a newer save of the task
 * replaces it (after that save's commit), and with every other checkpoint data set of the job when the job ends.
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
    private final Supplier<DataSets> dataSets;

    Checkpoints(SchedulerOptions options, Loop loop, Flusher flusher, AttemptTable attempts) {
        this(options, loop, flusher, attempts, () -> DataSets.NONE);
    }

    Checkpoints(SchedulerOptions options, Loop loop, Flusher flusher, AttemptTable attempts,
            Supplier<DataSets> dataSets) {
        this.options = options;
        this.loop = loop;
        this.flusher = flusher;
        this.attempts = attempts;
        this.dataSets = dataSets;
    }

    /** Why a save of {@code size} bytes by this attempt would be refused now; null if it would not. */
    String refusal(Messages.TaskKey key, long size) {
        if (size > options.maxCheckpointBytes()) {
            return "the checkpoint of " + size + " bytes exceeds the limit max-checkpoint-size="
                    + options.maxCheckpointBytes();
        }
        Attempt a = attempts.get(key.attemptId());
        if (a == null || !a.job.id.equals(key.jobId()) || a.task.index != key.index()) {
            return attempts.notCurrent(key);
        }
        if (!a.job.dispatchable() || a.task.finished()) {
            return "task " + key.index() + " of job " + key.jobId() + " has ended (or its job is ending)";
        }
        return null;
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
        if (c.size() > options.maxCheckpointBytes()) {
            refuse(s, c, "the checkpoint of " + c.size() + " bytes exceeds the limit max-checkpoint-size="
                    + options.maxCheckpointBytes());
            return;
        }
        if (c.data() == null && c.state().length > SchedulerOptions.MAX_INLINE_CHECKPOINT_BYTES) {
            refuse(s, c, "the checkpoint of " + c.state().length + " bytes is too large to send inline (at most "
                    + SchedulerOptions.MAX_INLINE_CHECKPOINT_BYTES + "): upload it with PutCheckpoint");
            return;
        }
        if (c.data() != null && dataSets.get().find(c.data().id(), "checkpoint") == null) {
            refuse(s, c, "data: the checkpoint's data set " + c.data().id() + " is not in the data grid (upload it with"
                    + " PutCheckpoint first)");
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
            if (saves.waiting != null) {
                dropData(saves.waiting, c, a); // coalesced away: its uploaded state is not kept
            }
            saves.waiting = c; // coalesced: the newest wins, and its answer covers the older ones
        } else if (c.seq() < saves.waiting.seq()) {
            dropData(c, saves.waiting, a);
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
        String dataId = c.data() == null ? null : c.data().id();
        flusher.writes().checkpoint(new StoreBatch.CheckpointSaved(a.job.id, a.task.index, a.id, c.seq(),
                dataId == null ? c.state() : EMPTY, now, dataId));
        flusher.afterCommit(() -> {
            saves.committing = false;
            saves.storedSeq = Math.max(saves.storedSeq, c.seq());
            // the next attempt of the task starts from the state stored last (by whichever attempt stored it)
            String replaced = a.task.checkpointData;
            a.task.checkpoint = dataId == null ? c.state() : null;
            a.task.checkpointData = dataId;
            boolean wantedNext = saves.waiting != null && saves.waiting.data() != null
                    && saves.waiting.data().id().equals(replaced); // the same bytes saved again, not stored yet
            if (replaced != null && !replaced.equals(dataId) && !wantedNext) {
                dataSets.get().dropCheckpoint(replaced); // superseded by this save, which is now stored
            }
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

    private static final byte[] EMPTY = new byte[0];

    /** Drops the data set of a large save that will not be stored (unless {@code kept} or its task still use it). */
    private void dropData(Messages.Checkpoint dropped, Messages.Checkpoint kept, Attempt a) {
        if (dropped.data() == null) {
            return;
        }
        String id = dropped.data().id();
        if ((kept != null && kept.data() != null && kept.data().id().equals(id))
                || (a != null && id.equals(a.task.checkpointData))) {
            return; // the same bytes (content addressed): the same data set, still wanted
        }
        dataSets.get().dropCheckpoint(id);
    }

    private void refuse(Session s, Messages.Checkpoint c, String reason) {
        Attempt a = s.attempts.get(c.key().attemptId());
        dropData(c, null, a != null && a.job.id.equals(c.key().jobId()) && a.task.index == c.key().index() ? a : null);
        log.atInfo().addKeyValue("job", c.key().jobId()).addKeyValue("task", c.key().index())
                .addKeyValue("worker", s.worker.name).log("refused a checkpoint from {}: {}", s, reason);
        if (s.open) {
            s.outbox.checkpointAcks.add(new Messages.CheckpointAck(c.key(), c.seq(), false, reason));
            flusher.markDirty(s);
        }
    }
}
