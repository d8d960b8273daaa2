package io.gridwork.master.core;

import io.gridwork.master.store.AttemptUsage;
import io.gridwork.master.store.QuotaPeriod;
import io.gridwork.master.store.QuotaRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Users' quotas as the dispatcher applies them: a user whose current attempts hold its most slots gets no more until
 * some free up; a user whose cost this period reached its limit gets no new tasks until the period rolls over (running
 * tasks finish). Fair share orders the users ({@link FairShare}); this caps them: a capped user's jobs are skipped,
 * the next in line goes. Slots come from {@link FairShare}'s count (held attempts, prefetched ones included, so
 * {@code --max-slots 1} means one task at a time); cost from the ledger as of the last {@link #replace} plus what this
 * master's attempts used since. Pure bookkeeping, no I/O, loop-confined; the clock is the caller's ({@code now}).
 */
final class Quotas {

    /** One user's quota and its cost so far in the current period. */
    private static final class Limit {
        final QuotaRow row;
        Instant periodStart;
        Instant periodEnd;
        double used;

        Limit(QuotaRow row) {
            this.row = row;
        }
    }

    private final FairShare fairShare;
    private Map<String, Limit> limits = Map.of();

    Quotas(FairShare fairShare) {
        this.fairShare = fairShare;
    }

    /** No user has a quota: nothing to check (the dispatcher's fast path). */
    boolean none() {
        return limits.isEmpty();
    }

    /**
     * Takes the quotas as stored, with each cost-limited user's cost since the start of its current period
     * ({@code costSince.get(period)}, from the ledger) as of {@code now}.
     */
    void replace(List<QuotaRow> rows, Map<QuotaPeriod, Map<String, Double>> costSince, Instant now) {
        Map<String, Limit> next = new HashMap<>();
        for (QuotaRow r : rows) {
            Limit l = new Limit(r);
            if (r.limitsCost()) {
                l.periodStart = r.period().start(now);
                l.periodEnd = r.period().end(now);
                l.used = costSince.getOrDefault(r.period(), Map.of()).getOrDefault(r.user(), 0.0);
            }
            next.put(r.user(), l);
        }
        limits = next;
    }

    /** An attempt of {@code owner}'s job ended at {@code at} and used {@code usage}: counted against its cost limit. */
    void charged(String owner, AttemptUsage usage, Instant at) {
        if (limits.isEmpty() || usage == null) {
            return;
        }
        Limit l = limits.get(owner);
        if (l == null || !l.row.limitsCost() || at.isBefore(l.periodStart) || !at.isBefore(l.periodEnd)) {
            return;
        }
        l.used += usage.slotMs() * usage.costFactor() / 1000.0;
    }

    /** Periods that ended by {@code now} begin anew (cost 0); whether any did (held jobs may go on). */
    boolean rollOver(Instant now) {
        boolean any = false;
        for (Limit l : limits.values()) {
            if (l.row.limitsCost() && !now.isBefore(l.periodEnd)) {
                l.periodStart = l.row.period().start(now);
                l.periodEnd = l.row.period().end(now);
                l.used = 0;
                any = true;
            }
        }
        return any;
    }

    /** Whether a job of {@code owner} may take another task of {@code slots} slots now. */
    boolean allows(String owner, int slots) {
        return limits.isEmpty() || holds(owner, slots) == null;
    }

    /** Which limit keeps a job of {@code owner} from taking another task of {@code slots} slots, or null if none. */
    String holds(String owner, int slots) {
        Limit l = limits.get(owner);
        if (l == null) {
            return null;
        }
        QuotaRow q = l.row;
        if (q.limitsCost() && l.used >= q.costLimit()) {
            return "user " + owner + " reached its cost limit: " + number(l.used) + " of " + number(q.costLimit())
                    + " this " + q.period().wireName() + " (grid quota); new tasks from " + l.periodEnd;
        }
        int held = fairShare.unitsOf(owner);
        if (q.maxSlots() > 0 && held + slots > q.maxSlots()) {
            return "user " + owner + " is at its slot limit: " + held + " of max-slots " + q.maxSlots()
                    + " held (grid quota)";
        }
        return null;
    }

    /** Every quota with what it counts now. */
    List<QuotaStatus> statuses() {
        List<QuotaStatus> out = new ArrayList<>();
        for (Limit l : limits.values()) {
            out.add(new QuotaStatus(l.row, l.used, l.periodEnd, fairShare.unitsOf(l.row.user())));
        }
        out.sort(java.util.Comparator.comparing(s -> s.quota().user()));
        return out;
    }

    /** The periods of the cost limits in {@code rows}: the ledger is read once for each. */
    static List<QuotaPeriod> periods(List<QuotaRow> rows) {
        List<QuotaPeriod> out = new ArrayList<>();
        for (QuotaRow r : rows) {
            if (r.limitsCost() && !out.contains(r.period())) {
                out.add(r.period());
            }
        }
        return out;
    }

    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v)
                : String.format(Locale.ROOT, "%.2f", v);
    }
}
