package io.gridwork.master.model;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The states of a job, with the one table of legal transitions.
 *
 * <pre>
 * WAITING -> QUEUED (every job it runs after succeeded), FAILED (its split failed when it was released),
 *            CANCELLED (an upstream job failed or was cancelled, or it was cancelled itself)
 * QUEUED  -> RUNNING (its first task was dispatched), FAILED (split failed), CANCELLED
 * RUNNING -> SUCCEEDED (merged), FAILED, CANCELLED
 * </pre>
 */
public enum JobState {
    QUEUED,
    /** Stored, but waiting for the jobs it runs after ({@code grid submit --after}) to succeed; it has no tasks yet. */
    WAITING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    private static final Map<JobState, Set<JobState>> ALLOWED = Map.of(
            WAITING, EnumSet.of(QUEUED, FAILED, CANCELLED),
            QUEUED, EnumSet.of(RUNNING, SUCCEEDED, FAILED, CANCELLED),
            RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELLED),
            SUCCEEDED, EnumSet.noneOf(JobState.class),
            FAILED, EnumSet.noneOf(JobState.class),
            CANCELLED, EnumSet.noneOf(JobState.class));

    public boolean isTerminal() {
        return ALLOWED.get(this).isEmpty();
    }

    public boolean canMoveTo(JobState next) {
        return ALLOWED.get(this).contains(next);
    }

    /** {@code next}, if this state may move to it; throws {@link IllegalTransitionException} otherwise. */
    public JobState moveTo(JobState next) {
        if (!canMoveTo(next)) {
            throw new IllegalTransitionException("a job", this, next);
        }
        return next;
    }
}
