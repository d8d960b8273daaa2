package io.gridwork.master.store;

/**
 * A worker's trust record from jobs run by quorum, kept by worker name: replicas whose output agreed with the one
 * accepted, and replicas whose output disagreed.
 */
public record TrustRow(String workerName, long agreed, long disagreed) {}
