package io.gridwork.master.read;

import java.time.Instant;

/**
 * One attempt of a task, as the dashboard shows it: which, on which worker, when, how it ended and its log.
 *
 * @param outcome SUCCEEDED, FAILED, TIMED_OUT, LOST, CANCELLED, or RUNNING for one that runs now
 * @param endedAt null while it runs
 * @param error why it did not succeed, or null
 * @param log what its code wrote to System.out and System.err ("" while it runs: kept when it ends)
 */
public record AttemptView(long index, int attempt, String outcome, String workerId, String workerName,
        Instant startedAt, Instant endedAt, long durationMs, String error, String exceptionType, String stackTrace,
        String log, long logCutBytes) {}
