package io.gridwork.master.read;

/**
 * One task of a job, as stored.
 *
 * @param state null for a state this reader does not know
 * @param attempts attempts made so far: failures, losses, and the one that succeeded
 * @param workerId the worker that ran its last attempt, or null
 * @param workerName that worker's name, or its id if it is no longer known, or null
 * @param durationMs how long its successful attempt ran, or null
 * @param error its last error message, or null
 */
public record TaskLine(long index, State state, int attempts, int failures, int losses, String workerId, String workerName,
        Long durationMs, String error) {

    /** What became of a task, as stored. */
    public enum State {
        PENDING, SUCCEEDED, FAILED, CANCELLED
    }
}
