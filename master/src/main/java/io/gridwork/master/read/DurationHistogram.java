package io.gridwork.master.read;

import java.util.List;

/**
 * How long a job's succeeded tasks took: {@code counts[i]} tasks took less than {@code boundsMs[i]} (and at least the
 * bound before); the last count, one more than the bounds, is of those that took longer than the last bound.
 */
public record DurationHistogram(List<Long> boundsMs, List<Long> counts) {

    public DurationHistogram {
        boundsMs = List.copyOf(boundsMs);
        counts = List.copyOf(counts);
        if (counts.size() != boundsMs.size() + 1) {
            throw new IllegalArgumentException("a histogram has one count more than bounds: " + boundsMs.size()
                    + " bounds, " + counts.size() + " counts");
        }
    }
}
