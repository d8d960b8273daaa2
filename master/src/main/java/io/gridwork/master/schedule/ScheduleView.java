package io.gridwork.master.schedule;

import io.gridwork.master.store.ScheduleRunRow;
import java.time.Instant;
import java.util.List;

/** A schedule as a client sees it: what it is, whether it is active, when it fires next, what its firings did. */
public record ScheduleView(ScheduleSpec spec, State state, List<Instant> nextFireTimes, Instant previousFireTime,
        List<ScheduleRunRow> runs) {

    public enum State {
        ACTIVE,
        PAUSED,
        /** A single firing that has happened (or was missed). */
        DONE
    }
}
