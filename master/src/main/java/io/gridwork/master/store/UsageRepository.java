package io.gridwork.master.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The usage ledger and the quotas. The ledger's records are written with the attempts' ends (a {@link StoreBatch}:
 * {@link TaskAttemptRow#usage()} or, for a first attempt that succeeded alone, {@link StoreBatch.TaskSuccess#usage()});
 * this repository reads them back added up, and keeps the quotas.
 */
public interface UsageRepository {

    /** The report's lines, ordered by key, for the attempts the query selects. */
    List<UsageLine> report(UsageQuery query);

    /** Cost per user of the attempts that ended at or after {@code since} (users with none are absent). */
    Map<String, Double> costSince(Instant since);

    List<QuotaRow> quotas();

    Optional<QuotaRow> quota(String user);

    /** Sets (replaces) a user's quota. */
    void putQuota(QuotaRow quota);

    /** Removes a user's quota; the removed one, if there was one. */
    Optional<QuotaRow> deleteQuota(String user);
}
