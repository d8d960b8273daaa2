package io.gridwork.master.core;

import io.gridwork.master.model.IllegalTransitionException;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a job the master runs is in its life, with the one table of legal moves; an illegal move throws. The
 * stored {@link io.gridwork.master.model.JobState} says what clients see; the phase says what the master does
 * with the job. Orthogonal facts are not phases: a batch of the split in flight, dispatch held after a restart.
 *
 * <pre>
 * RECOVERING -> SPLITTING (stored tasks read back, the split goes on), PRODUCED (... and the split was complete), ENDING
 * SPLITTING  -> PRODUCED (the split is exhausted), ENDING
 * PRODUCED   -> MERGING (every task succeeded), ENDING
 * MERGING    -> ENDING
 * ENDING     -> ENDED (the final state is stored)
 * </pre>
 */
enum JobPhase {
    /** After a master restart: its stored pending tasks are read back before anything else. */
    RECOVERING,
    /** Its tasks run while the split produces more. */
    SPLITTING,
    /** Every task is produced (and stored); the last ones run. */
    PRODUCED,
    /** Every task succeeded; its merge runs. */
    MERGING,
    /** Its final state is being stored; nothing more is dispatched. */
    ENDING,
    /** Its final state is stored. */
    ENDED;

    private static final Map<JobPhase, Set<JobPhase>> ALLOWED = Map.of(
            RECOVERING, EnumSet.of(SPLITTING, PRODUCED, ENDING),
            SPLITTING, EnumSet.of(PRODUCED, ENDING),
            PRODUCED, EnumSet.of(MERGING, ENDING),
            MERGING, EnumSet.of(ENDING),
            ENDING, EnumSet.of(ENDED),
            ENDED, EnumSet.noneOf(JobPhase.class));

    boolean canMoveTo(JobPhase next) {
        return ALLOWED.get(this).contains(next);
    }

    JobPhase moveTo(JobPhase next) {
        if (!canMoveTo(next)) {
            throw new IllegalTransitionException("a job's phase", this, next);
        }
        return next;
    }

    /** Its tasks may be dispatched. */
    boolean dispatchable() {
        return this == RECOVERING || this == SPLITTING || this == PRODUCED;
    }
}
