package io.gridwork.master.store;

/** A task that has not succeeded yet, as read back after a master restart. */
public record StoredTask(long index, byte[] input, int failures, int losses, int crashes,
        /** The last checkpoint an attempt of it saved (null: none). */
        byte[] checkpoint) {

    /** A task without a checkpoint. */
    public StoredTask(long index, byte[] input, int failures, int losses, int crashes) {
        this(index, input, failures, losses, crashes, null);
    }
}
