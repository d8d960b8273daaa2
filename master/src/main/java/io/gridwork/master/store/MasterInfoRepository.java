package io.gridwork.master.store;

import java.util.Optional;

/**
 * Named values the masters of one store share in {@code master_info}: the epoch, the grid's CA, the peer secret.
 * (A master's id is no longer kept here: every start of a master has its own, see {@link Store#masterId()}.)
 */
public interface MasterInfoRepository {

    /** Increments and returns the epoch: a number that grows with every start of a master on this store. */
    long nextEpoch();

    /** The value stored under {@code name}, if any. */
    Optional<String> value(String name);

    /**
     * Stores {@code value} under {@code name} unless a value is stored there already, and returns the stored value:
     * of several masters doing this at once, all get the value of the one that stored first.
     */
    String valueIfAbsent(String name, String value);
}
