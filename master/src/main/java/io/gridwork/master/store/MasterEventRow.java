package io.gridwork.master.store;

import java.time.Instant;

/**
 * One event of the masters' failure detector, as stored in {@code master_event}: {@code type} is a name of
 * {@code MasterInfo.Event.Type} (JOINED, SUSPECT, LINK_FAILED, RECOVERED, TAKEOVER, STEPPED_DOWN, LEFT, PROMOTED).
 * {@code seq} is assigned by the store (0 before).
 */
public record MasterEventRow(long seq, Instant at, String type, String masterId, String byMasterId, long jobs,
        long durationMs, String detail) {}
