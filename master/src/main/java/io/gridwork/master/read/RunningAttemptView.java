package io.gridwork.master.read;

import java.time.Instant;

/** A task attempt a worker runs now. */
public record RunningAttemptView(String jobId, String jobClass, long index, int attempt, boolean speculative,
        Instant startedAt) {}
