package io.gridwork.master.store;

/**
 * Who this master process is on the store: a random id and an epoch from {@link MasterInfoRepository#nextEpoch()},
 * both new at every start and after stepping down ({@link Store#rejoin()}). The jobs it stores carry both.
 */
public record MasterIdentity(String id, long epoch) {}
