package io.gridwork.sdk;

/** Thrown by {@link TaskContext#checkCancelled()} when the running task was cancelled. */
public class TaskCancelledException extends RuntimeException {

    public TaskCancelledException(String message) {
        super(message);
    }
}
