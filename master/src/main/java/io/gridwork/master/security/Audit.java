package io.gridwork.master.security;

import io.gridwork.master.store.AuditRepository;
import io.gridwork.master.store.AuditRow;
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

    public List<AuditRow> recent(int limit) {
        return audit.recent(limit);
    }
}
