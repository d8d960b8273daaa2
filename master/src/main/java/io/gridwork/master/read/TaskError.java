package io.gridwork.master.read;

import java.time.Instant;

/** A task attempt that failed: which, where (a worker's name or id, or null), why and when (null if unknown). */
public record TaskError(long index, int attempt, String worker, String message, Instant at) {}
