package io.gridwork.master.store;

import io.gridwork.master.model.AttemptOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * One ended attempt of a task, as kept in {@code task_attempt}: where and when it ran, how it ended, and its log (what
 * its code wrote to System.out and System.err). Written in the same transaction as the attempt's end.
 *
 * @param seq the order attempts ended in (set by the store; 0 before it is stored)
 * @param workerId the worker that ran it (null if unknown)
 * @param durationMs how long its code ran as its worker measured it (0: unknown)
 * @param error why it failed, timed out or was lost (null if it succeeded)
 * @param log its output, "" if none
 * @param logCutBytes bytes of output its worker or this store left out of {@code log}
 * @param usage its record in the usage ledger (null: none, as for attempts stored before the ledger)
 */
public record TaskAttemptRow(long seq, String jobId, long index, int attempt, long attemptId, String workerId,
        String workerName, Instant startedAt, Instant endedAt, AttemptOutcome outcome, long durationMs, String error,
        String exceptionType, String stackTrace, String log, long logCutBytes, AttemptUsage usage) {

    /**
     * Most bytes of an attempt's log the store keeps (UTF-8): the worker's own bound at its largest (1 MiB) and the line
     * that says what it cut. A longer log (a worker of another version, say) keeps its head and tail.
     */
    public static final int MAX_LOG_BYTES = (1 << 20) + 4096;
    /** Most characters of a stack trace kept (the worker cuts at 32,000). */
    public static final int MAX_STACK_TRACE_CHARS = 100_000;

    public TaskAttemptRow {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(outcome, "outcome");
        log = log == null ? "" : log;
    }

    /** An attempt without a usage record. */
    public TaskAttemptRow(long seq, String jobId, long index, int attempt, long attemptId, String workerId,
            String workerName, Instant startedAt, Instant endedAt, AttemptOutcome outcome, long durationMs, String error,
            String exceptionType, String stackTrace, String log, long logCutBytes) {
        this(seq, jobId, index, attempt, attemptId, workerId, workerName, startedAt, endedAt, outcome, durationMs, error,
                exceptionType, stackTrace, log, logCutBytes, null);
    }

    /** The same attempt with its usage record. */
    public TaskAttemptRow withUsage(AttemptUsage u) {
        return new TaskAttemptRow(seq, jobId, index, attempt, attemptId, workerId, workerName, startedAt, endedAt,
                outcome, durationMs, error, exceptionType, stackTrace, log, logCutBytes, u);
    }

    /** An ended attempt to store (its seq is set by the store). */
    public static TaskAttemptRow ended(String jobId, long index, int attempt, long attemptId, String workerId,
            String workerName, Instant startedAt, Instant endedAt, AttemptOutcome outcome, long durationMs, String error,
            String exceptionType, String stackTrace, String log, long logCutBytes) {
        return new TaskAttemptRow(0, jobId, index, attempt, attemptId, workerId, workerName, startedAt, endedAt,
                outcome, durationMs, error, exceptionType, stackTrace, log, logCutBytes);
    }

    /** The log as the store keeps it: UTF-8, at most {@link #MAX_LOG_BYTES} (the head and the tail if longer). */
    public byte[] storedLog() {
        byte[] bytes = log.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_LOG_BYTES) {
            return bytes;
        }
        long cut = bytes.length - (MAX_LOG_BYTES - 200);
        byte[] note = ("\n[... " + cut + " bytes of output cut by the master ...]\n").getBytes(StandardCharsets.UTF_8);
        int head = (MAX_LOG_BYTES - 200) / 2;
        int tail = MAX_LOG_BYTES - 200 - head;
        byte[] out = new byte[head + note.length + tail];
        System.arraycopy(bytes, 0, out, 0, head);
        System.arraycopy(note, 0, out, head, note.length);
        System.arraycopy(bytes, bytes.length - tail, out, head + note.length, tail);
        return out;
    }

    /** Bytes the stored log lacks: those the worker cut and those {@link #storedLog()} cuts. */
    public long storedLogCutBytes() {
        int length = log.getBytes(StandardCharsets.UTF_8).length;
        return logCutBytes + (length <= MAX_LOG_BYTES ? 0 : length - (MAX_LOG_BYTES - 200));
    }
}
