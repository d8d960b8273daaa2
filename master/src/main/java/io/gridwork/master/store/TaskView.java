package io.gridwork.master.store;

/** One stored task as the dashboard shows it (no input or output). */
public record TaskView(long index, StoredTaskState state, int failures, int losses, int crashes, String workerId,
        Long durationMs, String error) {}
