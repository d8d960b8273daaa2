package io.gridwork.master.security;

import io.gridwork.master.store.AuditRepository;
import io.gridwork.master.store.AuditRow;
import io.gridwork.master.store.StoreBatch;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The audit log: submissions, cancellations, token changes and worker joins, in the database and the master's log. */
public final class Audit {

    private static final Logger log = LoggerFactory.getLogger("io.gridwork.audit");

    private final AuditRepository audit;
    private final Clock clock;

    public Audit(AuditRepository audit, Clock clock) {
        this.audit = audit;
        this.clock = clock;
    }

    public void record(Principal who, String action, String target, String detail) {
        log.info("audit: {} {} {} {}", who.describe(), action, target, detail);
        audit.insert(new AuditRow(0, clock.instant(), who.describe(), action, target, detail == null ? "" : detail));
    }

    /**
     * The entry for an action on a job that is being stored (a submission): the store writes it in the job's own
     * commit, naming the new job, and {@link #stored} logs it once that commit is done. No write of its own.
     */
    public StoreBatch.JobAudit forNewJob(Principal who, String action, String detail) {
        return new StoreBatch.JobAudit(who.describe(), action, detail == null ? "" : detail);
    }

    /** Logs an entry that the store wrote with the job it names ({@link #forNewJob}). */
    public void stored(StoreBatch.JobAudit entry, String target) {
        log.info("audit: {} {} {} {}", entry.actor(), entry.action(), target, entry.detail());
    }

    public List<AuditRow> recent(int limit) {
        return audit.recent(limit);
    }
}
