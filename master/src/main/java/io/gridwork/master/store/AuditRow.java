package io.gridwork.master.store;

import java.time.Instant;

/** One entry of the audit log. */
public record AuditRow(long seq, Instant at, String actor, String action, String target, String detail) {}
