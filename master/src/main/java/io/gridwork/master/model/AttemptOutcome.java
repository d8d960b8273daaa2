package io.gridwork.master.model;

/** How a task attempt ended (stored in {@code task_attempt.outcome}). */
public enum AttemptOutcome {
    /** Its output was sent (and stored, unless another attempt's was first). */
    SUCCEEDED,
    /** Its code threw. */
    FAILED,
    /** It made no progress for its job's task timeout and was cancelled. */
    TIMED_OUT,
    /** Its worker died or left under it; it used up no retry. */
    LOST,
    /** Stopped: another attempt of the task finished first, or its job ended. */
    CANCELLED
}
