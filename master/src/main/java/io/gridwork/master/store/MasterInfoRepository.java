package io.gridwork.master.store;

/** What the store knows about the master(s) using it. */
public interface MasterInfoRepository {

    /** Increments and returns the epoch: a number that grows with every start of a master on this store. */
    long nextEpoch();

    /**
     * The master's id: created at its first start on this store and the same ever after. The jobs it stores carry it
     * as their {@code ownerMaster}.
     */
    String masterId();
}
