package io.gridwork.master.core;

import io.gridwork.master.store.QuotaRow;
import java.time.Instant;

/**
 * A user's quota with what it counts now on this master: the cost used in the current period (null {@code periodEnds}
 * without a cost limit) and the slots the user's attempts hold.
 */
public record QuotaStatus(QuotaRow quota, double costUsed, Instant periodEnds, int slotsUsed) {}
