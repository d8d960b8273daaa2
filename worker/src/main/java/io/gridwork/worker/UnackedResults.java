package io.gridwork.worker;

import io.gridwork.api.v1.TaskResult;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Results sent to a master and not acknowledged yet, by attempt id, oldest first, with an index of the outputs by task
 * so that a new attempt of a task that already ran here is found at once: with thousands of results awaiting their
 * commit on the master, a scan per assignment took most of a busy worker's time. Not thread-safe (the worker's lock
 * guards it).
 */
final class UnackedResults {

    private record TaskKey(String jobId, long index) { }

    private final Map<Long, TaskResult> byAttempt = new LinkedHashMap<>();
    /** Attempts whose result carries an output, by task. */
    private final Map<TaskKey, Long> outputs = new HashMap<>();

    void put(long attemptId, TaskResult result) {
        TaskResult before = byAttempt.put(attemptId, result);
        if (before != null) {
            unindex(attemptId, before);
        }
        if (result.hasOutput()) {
            outputs.put(key(result), attemptId);
        }
    }

    /** Removes the attempt's result; returns it, or null if it was not here. */
    TaskResult remove(long attemptId) {
        TaskResult r = byAttempt.remove(attemptId);
        if (r != null) {
            unindex(attemptId, r);
        }
        return r;
    }

    boolean containsKey(long attemptId) {
        return byAttempt.containsKey(attemptId);
    }

    /** The attempt of this task whose output waits for its acknowledgement, or null. */
    Long outputOf(String jobId, long index) {
        return outputs.get(new TaskKey(jobId, index));
    }

    /** The results, oldest first (a read-only view). */
    Collection<TaskResult> values() {
        return Collections.unmodifiableCollection(byAttempt.values());
    }

    int size() {
        return byAttempt.size();
    }

    private void unindex(long attemptId, TaskResult r) {
        if (r.hasOutput()) {
            outputs.remove(key(r), attemptId);
        }
    }

    private static TaskKey key(TaskResult r) {
        return new TaskKey(r.getRef().getJobId(), r.getRef().getIndex());
    }
}
