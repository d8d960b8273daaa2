package io.gridwork.master.core;

import io.gridwork.master.model.TaskState;
import io.gridwork.master.store.StoredTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's tasks waiting to run: new ones in index order (bounded in count and bytes by the feeding), and ones to
 * run again (retries, released or lost tasks), which the dispatcher takes first when they are due. Loop-confined.
 */
final class TaskQueue {

    final ArrayDeque<QueuedTask> ready = new ArrayDeque<>();
    final List<QueuedTask> retries = new ArrayList<>();
    /** Bytes of the ready tasks' inputs. */
    long readyBytes;

    boolean isEmpty() {
        return ready.isEmpty() && retries.isEmpty();
    }

    /** A new (or stored, pending) task joins the ready queue. */
    void enqueue(QueuedTask t) {
        t.moveTo(TaskState.QUEUED);
        ready.add(t);
        readyBytes += t.input.length;
    }

    /** The next new task, or null. */
    QueuedTask poll() {
        QueuedTask t = ready.pollFirst();
        if (t != null) {
            readyBytes -= t.input.length;
        }
        return t;
    }

    /** Takes this ready task out of turn (placement near its data). */
    void take(QueuedTask t) {
        if (ready.removeFirstOccurrence(t)) {
            readyBytes -= t.input.length;
        }
    }

    /** A task to run again (its state already QUEUED). */
    void retry(QueuedTask t) {
        retries.add(t);
    }

    boolean retrying(long index) {
        for (QueuedTask t : retries) {
            if (t.index == index) {
                return true;
            }
        }
        return false;
    }

    /** The task, taken back by its worker after a restart: it leaves the ready queue, as read back from the store. */
    QueuedTask adopt(StoredTask stored) {
        ready.removeIf(t -> {
            if (t.index == stored.index()) {
                readyBytes -= t.input.length;
                return true;
            }
            return false;
        });
        QueuedTask task = new QueuedTask(stored.index(), stored.input(), stored.failures(), stored.losses(),
                stored.crashes());
        task.checkpoint = stored.checkpoint();
        task.checkpointData = stored.checkpointData();
        task.moveTo(TaskState.QUEUED);
        return task;
    }

    /** The job ended: every waiting task is cancelled. */
    void cancelAll() {
        ready.forEach(t -> t.moveTo(TaskState.CANCELLED));
        // (a quorum job's task may wait here for another replica while one runs: it may have ended with its job already)
        retries.forEach(t -> {
            if (!t.state.isTerminal()) {
                t.moveTo(TaskState.CANCELLED);
            }
        });
        ready.clear();
        retries.clear();
        readyBytes = 0;
    }
}
