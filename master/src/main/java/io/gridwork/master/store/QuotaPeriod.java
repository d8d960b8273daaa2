package io.gridwork.master.store;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Optional;

/** The period of a cost limit, in UTC: a calendar day, a week from Monday, or a calendar month. */
public enum QuotaPeriod {
    DAY, WEEK, MONTH;

    /** The start of the period that holds {@code at}. */
    public Instant start(Instant at) {
        LocalDate d = LocalDate.ofInstant(at, ZoneOffset.UTC);
        LocalDate first = switch (this) {
            case DAY -> d;
            case WEEK -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> d.withDayOfMonth(1);
        };
        return first.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** When the period that holds {@code at} ends (the next one's start). */
    public Instant end(Instant at) {
        LocalDate first = LocalDate.ofInstant(start(at), ZoneOffset.UTC);
        LocalDate next = switch (this) {
            case DAY -> first.plusDays(1);
            case WEEK -> first.plusWeeks(1);
            case MONTH -> first.plusMonths(1);
        };
        return next.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code day}, {@code week} or {@code month} (any case). */
    public static Optional<QuotaPeriod> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        for (QuotaPeriod p : values()) {
            if (p.name().equalsIgnoreCase(s.trim())) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
