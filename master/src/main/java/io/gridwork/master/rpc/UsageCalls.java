package io.gridwork.master.rpc;

import com.google.protobuf.Timestamp;
import io.gridwork.api.v1.DeleteQuotaRequest;
import io.gridwork.api.v1.GetUsageRequest;
import io.gridwork.api.v1.GetUsageResponse;
import io.gridwork.api.v1.ListQuotasResponse;
import io.gridwork.api.v1.Quota;
import io.gridwork.api.v1.SetQuotaRequest;
import io.gridwork.api.v1.Usage;
import io.gridwork.api.v1.UsageLine;
import io.gridwork.master.core.QuotaStatus;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.security.AccessPolicy;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.Principal;
import io.gridwork.master.security.TokenRegistry;
import io.gridwork.master.store.QuotaPeriod;
import io.gridwork.master.store.QuotaRow;
import io.gridwork.master.store.UsageQuery;
import io.grpc.Status;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The usage ledger's calls (GetUsage, and a job's usage in GetJob) and the quotas' (SetQuota, ListQuotas,
 * DeleteQuota). Validates, reads or changes through the scheduler, maps to protobuf. A submitter sees only its own
 * usage; quota changes are admin calls (the access table), audited.
 */
final class UsageCalls {

    private final Scheduler scheduler;
    private final TokenRegistry tokens;
    private final Audit audit;
    private final Clock clock;

    UsageCalls(Scheduler scheduler, TokenRegistry tokens, Audit audit, Clock clock) {
        this.scheduler = scheduler;
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
    }

    GetUsageResponse usage(GetUsageRequest r, Principal who) {
        UsageQuery.By by = by(r.getBy());
        String user = r.getUser().isEmpty() ? null : r.getUser();
        if (!AccessPolicy.seesAllOwners(who)) {
            if (user != null && !user.equals(who.owner())) {
                throw Status.PERMISSION_DENIED.withDescription("user: a " + who.role().name().toLowerCase(Locale.ROOT)
                        + " sees only its own usage (" + who.owner() + ")").asRuntimeException();
            }
            user = who.owner();
        }
        String job = null;
        if (!r.getJob().isEmpty()) {
            Validation.jobId("job", r.getJob());
            job = r.getJob();
        }
        Instant since = r.hasSince() ? instant("since", r.getSince()) : null;
        Instant until = r.hasUntil() ? instant("until", r.getUntil()) : null;
        if (since != null && until != null && !since.isBefore(until)) {
            throw Statuses.invalid("since must be before until (since " + since + ", until " + until + ")");
        }
        List<io.gridwork.master.store.UsageLine> lines = scheduler.usage().report(
                new UsageQuery(by, user, job, since, until));
        GetUsageResponse.Builder b = GetUsageResponse.newBuilder().setBy(by.wireName());
        io.gridwork.master.store.UsageLine total = io.gridwork.master.store.UsageLine.NONE;
        for (io.gridwork.master.store.UsageLine l : lines) {
            b.addLines(UsageLine.newBuilder().setKey(l.key()).setUsage(usage(l)));
            total = total.plus(l);
        }
        return b.setTotal(usage(total)).build();
    }

    /** What a job's ended attempts used so far (JobStatus.usage). */
    Usage jobUsage(String jobId) {
        List<io.gridwork.master.store.UsageLine> lines = scheduler.usage().report(
                new UsageQuery(UsageQuery.By.JOB, null, jobId, null, null));
        return usage(lines.isEmpty() ? io.gridwork.master.store.UsageLine.NONE : lines.get(0));
    }

    static Usage usage(io.gridwork.master.store.UsageLine l) {
        return Usage.newBuilder().setSlotSeconds(l.slotSeconds()).setCpuSeconds(l.cpuSeconds()).setCost(l.cost())
                .setTasks(l.tasks()).setWastedSlotSeconds(l.wastedSlotSeconds()).build();
    }

    private static UsageQuery.By by(String s) {
        if (s.isEmpty()) {
            return UsageQuery.By.USER;
        }
        for (UsageQuery.By b : UsageQuery.By.values()) {
            if (b.wireName().equals(s)) {
                return b;
            }
        }
        throw Statuses.invalid("by must be user, job, worker or day, got '" + Validation.abbreviate(s) + "'");
    }

    private static Instant instant(String field, Timestamp t) {
        if (t.getNanos() < 0 || t.getNanos() > 999_999_999 || t.getSeconds() < 0 || t.getSeconds() > 253402300799L) {
            throw Statuses.invalid(field + " is not a time from 1970 to 9999");
        }
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    Quota set(SetQuotaRequest r, Principal who) {
        String user = knownUser(r.getUser());
        if (r.getMaxSlots() < 0) {
            throw Statuses.invalid("max_slots must be at least 1, got " + r.getMaxSlots());
        }
        if (r.getMaxSlots() > 1_000_000) {
            throw Statuses.invalid("max_slots must be at most 1000000, got " + r.getMaxSlots());
        }
        double cost = r.getCostLimit();
        if (Double.isNaN(cost) || Double.isInfinite(cost) || cost < 0) {
            throw Statuses.invalid("cost_limit must be a number above 0, got " + cost);
        }
        QuotaPeriod period = null;
        if (!r.getPeriod().isEmpty()) {
            period = QuotaPeriod.parse(r.getPeriod()).orElseThrow(() -> Statuses.invalid(
                    "period must be day, week or month, got '" + Validation.abbreviate(r.getPeriod()) + "'"));
        }
        if (cost > 0 && period == null) {
            throw Statuses.invalid("period is required with cost_limit (day, week or month)");
        }
        if (cost == 0 && period != null) {
            throw Statuses.invalid("period needs a cost_limit");
        }
        if (cost == 0 && r.getMaxSlots() == 0) {
            throw Statuses.invalid("max_slots or cost_limit: give at least one limit (to remove a quota, DeleteQuota)");
        }
        QuotaRow row = new QuotaRow(user, r.getMaxSlots(), cost, period, clock.instant());
        scheduler.usage().putQuota(row);
        audit.record(who, "quota.set", user, describe(row));
        scheduler.reloadQuotas();
        return find(user).orElse(quota(new QuotaStatus(row, 0, null, 0)));
    }

    ListQuotasResponse list() {
        ListQuotasResponse.Builder b = ListQuotasResponse.newBuilder();
        for (QuotaStatus s : scheduler.quotas()) {
            b.addQuotas(quota(s));
        }
        return b.build();
    }

    Quota delete(DeleteQuotaRequest r, Principal who) {
        if (r.getUser().isEmpty()) {
            throw Statuses.invalid("user is required");
        }
        Validation.tokenName("user", r.getUser());
        Optional<QuotaRow> old = scheduler.usage().deleteQuota(r.getUser());
        if (old.isEmpty()) {
            throw Status.NOT_FOUND.withDescription("user: " + r.getUser() + " has no quota").asRuntimeException();
        }
        audit.record(who, "quota.remove", r.getUser(), describe(old.get()));
        scheduler.reloadQuotas();
        return quota(new QuotaStatus(old.get(), 0, null, 0));
    }

    /** A user is a token's name (revoked tokens too: their usage stays in the ledger). */
    private String knownUser(String user) {
        if (user.isEmpty()) {
            throw Statuses.invalid("user is required");
        }
        Validation.tokenName("user", user);
        if (tokens.list(true).stream().noneMatch(t -> t.name().equals(user))) {
            throw Statuses.invalid("user: no token is named " + user + " (see grid token ls)");
        }
        return user;
    }

    private Optional<Quota> find(String user) {
        return scheduler.quotas().stream().filter(s -> s.quota().user().equals(user)).findFirst().map(UsageCalls::quota);
    }

    static String describe(QuotaRow q) {
        StringBuilder s = new StringBuilder();
        if (q.maxSlots() > 0) {
            s.append("max-slots ").append(q.maxSlots());
        }
        if (q.limitsCost()) {
            s.append(s.length() > 0 ? ", " : "").append("cost ").append(q.costLimit()).append(" per ")
                    .append(q.period().wireName());
        }
        return s.toString();
    }

    static Quota quota(QuotaStatus s) {
        QuotaRow q = s.quota();
        Quota.Builder b = Quota.newBuilder().setUser(q.user()).setMaxSlots(q.maxSlots()).setCostLimit(q.costLimit())
                .setPeriod(q.period() == null ? "" : q.period().wireName()).setCostUsed(s.costUsed())
                .setSlotsUsed(s.slotsUsed());
        if (s.periodEnds() != null) {
            b.setPeriodEnds(Timestamp.newBuilder().setSeconds(s.periodEnds().getEpochSecond())
                    .setNanos(s.periodEnds().getNano()));
        }
        return b.build();
    }
}
