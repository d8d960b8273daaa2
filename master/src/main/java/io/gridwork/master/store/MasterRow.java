package io.gridwork.master.store;

import java.time.Instant;

/**
 * A master process that used the store, as stored in {@code master_node}. One row per start of a master: a master
 * that restarts, or steps down and rejoins, has a new id and a new epoch. {@code leaseAgeMs} is measured by the
 * store's own clock (so the masters' clocks need not agree), at the moment the row was read.
 */
public record MasterRow(
        String id,
        String address,
        String httpAddress,
        /** ACTIVE, STANDBY, DEAD or LEFT as stored (SUSPECT and LINK_FAILED are a peer's view, never stored). */
        String state,
        long epoch,
        Instant startedAt,
        long leaseAgeMs,
        /** Unfinished jobs it owns. */
        long jobs) {}
