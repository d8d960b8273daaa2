package io.gridwork.master.store;

/** A task that has not succeeded yet, as read back after a master restart. */
public record StoredTask(long index, byte[] input, int failures, int losses, int crashes,
        /** The last checkpoint an attempt of it saved (null: none). */
        byte[] checkpoint,
        /** The data set holding its last checkpoint when that is large (null: none, or inline in checkpoint). */
        String checkpointData) {

    /** A task with an inline checkpoint (or none). */
    public StoredTask(long index, byte[] input, int failures, int losses, int crashes, byte[] checkpoint) {
        this(index, input, failures, losses, crashes, checkpoint, null);
    }

    /** A task without a checkpoint. */
    public StoredTask(long index, byte[] input, int failures, int losses, int crashes) {
        this(index, input, failures, losses, crashes, null, null);
    }
}
