package io.gridwork.master.read;

import java.time.Instant;

/**
 * A task attempt a worker holds now: {@code startedAt} when it was assigned; {@code executing} whether the worker
 * runs it now (else it is prefetched), since {@code runningSince} (null while prefetched).
 */
public record RunningAttemptView(String jobId, String jobClass, long index, int attempt, boolean speculative,
        Instant startedAt, boolean executing, Instant runningSince) {}
