package io.gridwork.master.read;

/** Which of a job's tasks a page shows: all, those in one state, or those that kept an error message. */
public enum TaskFilter {
    ALL, PENDING, SUCCEEDED, FAILED, CANCELLED, ERRORS
}
