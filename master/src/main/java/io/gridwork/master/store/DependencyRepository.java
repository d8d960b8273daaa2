package io.gridwork.master.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Dependencies between jobs ({@code grid submit --after}): which jobs a job runs after ("upstream"), and which jobs
 * run after it ("downstream"). Written with the job's insert ({@link StoreBatch#insertWaitingJob}), never changed.
 */
public interface DependencyRepository {

    /** The jobs {@code jobId} runs after, in the order its submitter gave; empty if none. */
    List<String> upstream(String jobId);

    /** {@link #upstream(String)} of several jobs at once: only the jobs that have some are keys. */
    Map<String, List<String>> upstream(Collection<String> jobIds);

    /** The jobs that run after {@code jobId}, oldest first; empty if none. */
    List<String> downstream(String jobId);

    /** {@link #downstream(String)} of several jobs at once: only the jobs that have some are keys. */
    Map<String, List<String>> downstream(Collection<String> jobIds);
}
