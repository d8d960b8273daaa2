package io.gridwork.master.store;

import java.time.Instant;
import java.util.Objects;

/**
 * What a usage report adds up: attempts that ended in {@code [since, until)} (either may be null: unbounded), of one
 * user and/or one job (null: all), grouped by {@link By}.
 */
public record UsageQuery(By by, String user, String job, Instant since, Instant until) {

    /** The dimension a report groups by. */
    public enum By {
        USER, JOB, WORKER, DAY;

        /** The name used on the wire and the command line ({@code user}, {@code job}, ...). */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public UsageQuery {
        Objects.requireNonNull(by, "by");
        if (since != null && until != null && !since.isBefore(until)) {
            throw new IllegalArgumentException("since must be before until");
        }
    }
}
