package io.gridwork.master.store;

import io.gridwork.master.model.JobState;
import java.time.Instant;

/**
 * One firing of a schedule and what it did. {@code jobState} is the state of the job it started, if any, as stored
 * when read. {@code seq} is 0 for a firing not yet stored.
 */
public record ScheduleRunRow(
        long seq,
        String schedule,
        Instant scheduledFor,
        Instant firedAt,
        Outcome outcome,
        String jobId,
        String reason,
        JobState jobState) {

    /** What a firing did. */
    public enum Outcome {
        /** It started a job. */
        SUBMITTED,
        /** It started nothing: the previous job of the schedule still ran (overlap policy skip). */
        SKIPPED,
        /** It waits for the previous job of the schedule to end, then starts a job (overlap policy queue). */
        WAITING,
        /** The master was down at fire time and the misfire policy is skip. */
        MISSED,
        /** The job could not be submitted (its jar, class or arguments were refused). */
        FAILED
    }
}
