package io.gridwork.client;

import io.gridwork.api.v1.Schedule;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;

/**
 * A schedule to create: a name, when it fires (a Quartz cron expression read in a time zone, or once at an
 * instant), the job each firing submits, and the misfire and overlap policies.
 *
 * <pre>{@code
 * client.createSchedule(ScheduleSubmission.builder()
 *         .name("nightly-primes")
 *         .cron("0 0 3 * * ?").timezone(ZoneId.of("Europe/Paris"))
 *         .job(JobSubmission.builder().jar(jar).jobClass("io.gridwork.examples.PrimeCountJob").arg("limit", "1e9").build())
 *         .build());
 * }</pre>
 */
public final class ScheduleSubmission {

    private final String name;
    private final String cron;
    private final ZoneId timezone;
    private final Instant at;
    private final JobSubmission job;
    private final Schedule.Misfire misfire;
    private final Schedule.Overlap overlap;

    private ScheduleSubmission(Builder b) {
        this.name = b.name;
        this.cron = b.cron;
        this.timezone = b.timezone;
        this.at = b.at;
        this.job = b.job;
        this.misfire = b.misfire;
        this.overlap = b.overlap;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return name;
    }

    /** The cron expression, or null for a single firing. */
    public String cron() {
        return cron;
    }

    /** The zone the cron expression is read in; null: the master's default (UTC). */
    public ZoneId timezone() {
        return timezone;
    }

    /** The time of a single firing, or null. */
    public Instant at() {
        return at;
    }

    public JobSubmission job() {
        return job;
    }

    public Schedule.Misfire misfire() {
        return misfire;
    }

    public Schedule.Overlap overlap() {
        return overlap;
    }

    /** Builds a {@link ScheduleSubmission}; {@link #build()} checks that a name, a time and a job were given. */
    public static final class Builder {
        private String name;
        private String cron;
        private ZoneId timezone;
        private Instant at;
        private JobSubmission job;
        private Schedule.Misfire misfire = Schedule.Misfire.MISFIRE_FIRE_ONCE;
        private Schedule.Overlap overlap = Schedule.Overlap.OVERLAP_SKIP;

        private Builder() {}

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Quartz syntax, seconds first: {@code SEC MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK [YEAR]}. */
        public Builder cron(String cron) {
            this.cron = Objects.requireNonNull(cron, "cron");
            return this;
        }

        public Builder timezone(ZoneId timezone) {
            this.timezone = Objects.requireNonNull(timezone, "timezone");
            return this;
        }

        /** A single firing at this time (instead of a cron expression). */
        public Builder at(Instant at) {
            this.at = Objects.requireNonNull(at, "at");
            return this;
        }

        public Builder job(JobSubmission job) {
            this.job = Objects.requireNonNull(job, "job");
            return this;
        }

        public Builder misfire(Schedule.Misfire misfire) {
            this.misfire = Objects.requireNonNull(misfire, "misfire");
            return this;
        }

        public Builder overlap(Schedule.Overlap overlap) {
            this.overlap = Objects.requireNonNull(overlap, "overlap");
            return this;
        }

        public ScheduleSubmission build() {
            if (name == null || job == null) {
                throw new IllegalStateException("a schedule needs a name and a job");
            }
            if ((cron == null) == (at == null)) {
                throw new IllegalStateException("a schedule needs a cron expression or a time, not both");
            }
            return new ScheduleSubmission(this);
        }
    }
}
