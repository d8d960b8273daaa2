package io.gridwork.master.read;

import io.gridwork.master.model.WorkerState;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The grid's workers at a glance.
 *
 * @param total every worker the master knows, departed ones included
 * @param slots the slots of workers that have not departed
 * @param slotsInUse of those, the slots running tasks now
 * @param byState how many workers are in each state (states with none are absent)
 */
public record WorkerCounts(int total, int slots, int slotsInUse, Map<WorkerState, Integer> byState) {

    public WorkerCounts {
        byState = Collections.unmodifiableMap(byState.isEmpty() ? new EnumMap<>(WorkerState.class) : new EnumMap<>(byState));
    }
}
