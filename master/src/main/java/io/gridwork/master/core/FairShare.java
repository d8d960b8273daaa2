package io.gridwork.master.core;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * The order in which jobs get a free slot: higher priority first; then fair share, the job whose user holds the
 * fewest slots, then the job holding the fewest; then submission order (the sort is stable). It counts the slots
 * each user's current attempts hold. Pure bookkeeping, no I/O: loop-confined, tested alone.
 */
final class FairShare {

    /** What the order looks at in a job. */
    interface Claim {
        int priority();

        String owner();

        /** Slots the job's current attempts hold. */
        int runningUnits();
    }

    private final Map<String, Integer> unitsByOwner = new HashMap<>();

    private final Comparator<Claim> order = Comparator
            .comparingInt((Claim j) -> -j.priority())
            .thenComparingInt(j -> unitsOf(j.owner()))
            .thenComparingInt(Claim::runningUnits);

    /** An attempt of {@code owner}'s job began to hold {@code units} slots (negative: it let them go). */
    void add(String owner, int units) {
        unitsByOwner.compute(owner, (k, v) -> {
            int n = (v == null ? 0 : v) + units;
            return n == 0 ? null : n;
        });
    }

    int unitsOf(String owner) {
        return unitsByOwner.getOrDefault(owner, 0);
    }

    /** First in line first. */
    Comparator<Claim> order() {
        return order;
    }
}
