package io.gridwork.master.store;

/** A task that has not succeeded yet, as read back after a master restart. */
public record StoredTask(long index, byte[] input, int failures, int losses, int crashes) {}
