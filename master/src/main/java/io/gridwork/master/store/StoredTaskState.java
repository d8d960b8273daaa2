package io.gridwork.master.store;

import io.gridwork.master.model.TaskState;

/**
 * The states a task has in the store, with the code each is stored as (the {@code task.state} column). The other
 * states of {@link TaskState} live only in the master's memory: a task in one of them is PENDING in the store.
 */
public enum StoredTaskState {
    PENDING(0, TaskState.PENDING),
    SUCCEEDED(1, TaskState.SUCCEEDED),
    FAILED(2, TaskState.FAILED),
    CANCELLED(3, TaskState.CANCELLED);

    private final int code;
    private final TaskState taskState;

    StoredTaskState(int code, TaskState taskState) {
        this.code = code;
        this.taskState = taskState;
    }

    /** The value in the {@code task.state} column. */
    public int code() {
        return code;
    }

    /** The state of the core's task model this is. */
    public TaskState taskState() {
        return taskState;
    }

    /** The state stored as {@code code}. @throws IllegalArgumentException for a code no state has */
    public static StoredTaskState ofCode(int code) {
        for (StoredTaskState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("no stored task state has code " + code);
    }
}
