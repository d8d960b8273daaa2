package io.gridwork.master.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A user's quota: at most {@code maxSlots} slots at once (0: no limit), at most {@code costLimit} cost units per
 * {@code period} (0 and null: no limit).
 */
public record QuotaRow(String user, int maxSlots, double costLimit, QuotaPeriod period, Instant updatedAt) {

    public QuotaRow {
        Objects.requireNonNull(user, "user");
        if (maxSlots < 0) {
            throw new IllegalArgumentException("max_slots must not be negative");
        }
        if (!(costLimit >= 0) || Double.isInfinite(costLimit)) {
            throw new IllegalArgumentException("cost_limit must be a finite number not below 0");
        }
        if ((costLimit > 0) != (period != null)) {
            throw new IllegalArgumentException("a cost limit needs a period, and a period a cost limit");
        }
    }

    public boolean limitsCost() {
        return costLimit > 0;
    }
}
