package io.gridwork.master.store;

import io.gridwork.master.model.JobState;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Jobs: their definitions, states, final counts and results. Changes of a running job go through a {@link
 * StoreBatch} (the core's journal); {@link #insert} is the same write on its own.
 */
public interface JobRepository {

    /**
     * Stores a new QUEUED job with the first batch of its tasks (indexes from 0) in one transaction.
     *
     * @param splitComplete whether those are all its tasks
     * @return the job with its new id
     */
    JobRow insert(NewJob job, List<byte[]> firstTasks, boolean splitComplete);

    Optional<JobRow> find(String id);

    /** The most recent jobs first, in {@code states} (any if empty), of {@code owner} and {@code schedule} if not null. */
    default List<JobRow> list(int limit, Collection<JobState> states, String owner, String schedule) {
        return list(limit, states, owner, schedule, null);
    }

    /**
     * The same, only the jobs of class {@code jobClass} if it is not null: its full name, or its simple name (the
     * part after the last dot).
     */
    List<JobRow> list(int limit, Collection<JobState> states, String owner, String schedule, String jobClass);

    /** How many jobs of {@code owner} have not ended. */
    long countUnfinished(String owner);

    /** Jobs that have not ended, oldest first, whichever master owns them. */
    List<JobRow> unfinished();

    /** Jobs of master {@code ownerMaster} that have not ended, oldest first: what a master resumes after adopting them. */
    List<JobRow> unfinished(String ownerMaster);

    /** Jobs in each state (by name), over all stored jobs. */
    Map<String, Long> countByState();

    /** The bytes of a job's result, if it has one. */
    Optional<byte[]> result(String id);

    /** The task durations by {@link TaskDurations} bucket kept with a job when it ended, if it has them. */
    Optional<long[]> durations(String id);
}
