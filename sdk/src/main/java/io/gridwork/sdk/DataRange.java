package io.gridwork.sdk;

import java.util.Objects;

/**
 * A range of bytes of a data set the job reads, named as in {@link JobArgs#data(String)}: a task input that
 * {@link TaskContext#openData(DataRange)} opens, and that {@link GridJob#dataNeeds} names so that the master places
 * the task on a worker that already holds it.
 *
 * @param name   the data set's name in the job
 * @param offset the first byte
 * @param length bytes
 */
public record DataRange(String name, long offset, long length) implements java.io.Serializable {

    public DataRange {
        Objects.requireNonNull(name, "name");
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " of data set '" + name + "'");
        }
    }

    /** The byte after the last one. */
    public long end() {
        return offset + length;
    }
}
