package io.gridwork.master.store;

import java.util.List;

/** The audit log. */
public interface AuditRepository {

    /** Appends an entry (its {@code seq} is ignored: the store numbers entries); long texts are shortened. */
    void insert(AuditRow entry);

    /** The most recent entries first. */
    List<AuditRow> recent(int limit);
}
