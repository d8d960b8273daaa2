package io.gridwork.master.read;

/** The tasks of the jobs that are queued or running: how many wait for a worker and how many run now. */
public record ActiveTasks(long queued, long running) {}
