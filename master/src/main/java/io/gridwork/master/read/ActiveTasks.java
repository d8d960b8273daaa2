package io.gridwork.master.read;

/**
 * The tasks of the jobs that are queued or running: how many wait for a worker, how many execute now, and how many
 * workers hold without executing them (prefetched, or outputs being stored).
 */
public record ActiveTasks(long queued, long running, long held) {}
