package io.gridwork.master.model;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The states of a task, with the one table of legal transitions. Only PENDING, SUCCEEDED and FAILED are
 * stored; the others live in the master's memory, and a task found in them after a restart is PENDING again.
 *
 * <pre>
 * PENDING    -> QUEUED (ready to dispatch)
 * QUEUED     -> RUNNING (assigned), CANCELLED
 * RUNNING    -> COMPLETING (its output is being stored), QUEUED (retry, or its worker was lost), FAILED, CANCELLED
 * COMPLETING -> SUCCEEDED (stored), QUEUED (the store refused it)
 * </pre>
 */
public enum TaskState {
    PENDING(0),
    QUEUED(-1),
    RUNNING(-1),
    COMPLETING(-1),
    SUCCEEDED(1),
    FAILED(2),
    CANCELLED(3);

    private static final Map<TaskState, Set<TaskState>> ALLOWED = Map.of(
            PENDING, EnumSet.of(QUEUED, CANCELLED),
            QUEUED, EnumSet.of(RUNNING, CANCELLED),
            RUNNING, EnumSet.of(COMPLETING, QUEUED, FAILED, CANCELLED),
            COMPLETING, EnumSet.of(SUCCEEDED, QUEUED),
            SUCCEEDED, EnumSet.noneOf(TaskState.class),
            FAILED, EnumSet.noneOf(TaskState.class),
            CANCELLED, EnumSet.noneOf(TaskState.class));

    private final int code;

    TaskState(int code) {
        this.code = code;
    }

    /** The value stored in the database, or -1 for a state that is never stored. */
    public int code() {
        return code;
    }

    public static TaskState ofCode(int code) {
        for (TaskState s : values()) {
            if (s.code == code && code >= 0) {
                return s;
            }
        }
        throw new IllegalArgumentException("no stored task state " + code);
    }

    public boolean isTerminal() {
        return ALLOWED.get(this).isEmpty();
    }

    public boolean canMoveTo(TaskState next) {
        return ALLOWED.get(this).contains(next);
    }

    public TaskState moveTo(TaskState next) {
        if (!canMoveTo(next)) {
            throw new IllegalTransitionException("a task", this, next);
        }
        return next;
    }
}
