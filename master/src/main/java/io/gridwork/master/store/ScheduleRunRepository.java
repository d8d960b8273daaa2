package io.gridwork.master.store;

import java.util.List;
import java.util.Optional;

/** What each firing of a schedule did (the schedules themselves are Quartz's). */
public interface ScheduleRunRepository {

    /** Records what a schedule's firing did; returns the record's sequence number. */
    long insert(ScheduleRunRow run);

    /** A waiting firing went ahead (or could not). */
    void update(long seq, ScheduleRunRow.Outcome outcome, String jobId, String reason);

    /** A schedule's most recent firings first, each with the state of the job it started, if any. */
    List<ScheduleRunRow> recent(String schedule, int limit);

    /** Firings waiting for the previous job of their schedule to end, oldest first. */
    List<ScheduleRunRow> waiting();

    /** The most recent firing of a schedule that started a job. */
    Optional<ScheduleRunRow> lastSubmitted(String schedule);

    /** Forgets the firings of a schedule that was removed (the jobs they started stay). */
    void deleteFor(String schedule);
}
