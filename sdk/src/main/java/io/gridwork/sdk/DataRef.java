package io.gridwork.sdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A data set of the data grid as a job sees it ({@link JobArgs#data(String)}): its name in the job, its id, its size
 * and how it is cut into chunks. {@link GridJob#split} uses it to make tasks over {@link DataRange ranges}, and a task
 * opens them with {@link TaskContext#openData(DataRange)}.
 *
 * <pre>{@code
 * public Stream<DataRange> split(JobArgs args) {
 *     return args.data("text").ranges(64L << 20).stream();   // tasks of about 64 MiB, cut at chunk edges
 * }
 * }</pre>
 *
 * @param name      the name the job gave it ({@code --data NAME=ID})
 * @param id        its content-addressed id
 * @param size      bytes
 * @param chunkSize bytes per chunk (the last chunk may be shorter)
 */
public record DataRef(String name, String id, long size, int chunkSize) implements java.io.Serializable {

    public DataRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(id, "id");
        if (size < 0) {
            throw new IllegalArgumentException("size " + size);
        }
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size " + chunkSize);
        }
    }

    /** How many chunks it has (0 for an empty data set). */
    public int chunks() {
        return (int) ((size + chunkSize - 1) / chunkSize);
    }

    /** The whole data set as one range. */
    public DataRange whole() {
        return new DataRange(name, 0, size);
    }

    /**
     * The data set cut into consecutive ranges of about {@code targetBytes} each, every cut on a chunk boundary (so a
     * range is at least one chunk), covering it exactly once and in order. Empty for an empty data set.
     */
    public List<DataRange> ranges(long targetBytes) {
        if (targetBytes <= 0) {
            throw new IllegalArgumentException("targetBytes must be positive, got " + targetBytes);
        }
        long step = Math.max(1, (targetBytes + chunkSize / 2) / chunkSize) * (long) chunkSize;
        List<DataRange> ranges = new ArrayList<>();
        for (long offset = 0; offset < size; offset += step) {
            ranges.add(new DataRange(name, offset, Math.min(step, size - offset)));
        }
        return ranges;
    }
}
