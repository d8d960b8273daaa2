package io.gridwork.cli;

import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Small text formats shared by the commands. */
final class Formats {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private Formats() {}

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    static String time(Timestamp t) {
        return t.getSeconds() == 0 ? "-" : TIME.format(instant(t));
    }

    /** The time in {@code zone}, with the zone's abbreviation: {@code 2026-12-01 03:00:00 CET}. */
    static String time(Timestamp t, java.time.ZoneId zone) {
        return t.getSeconds() == 0 ? "-" : ZONED.withZone(zone).format(instant(t));
    }

    private static final DateTimeFormatter ZONED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

    /**
     * A duration as every command prints it: {@code 450ms}, {@code 2.5s}, {@code 10s}, {@code 59.9s}, {@code 1m05s},
     * {@code 2h03m}, {@code 3d04h}; tenths of a second below a minute (without a trailing {@code .0}).
     */
    static String duration(Duration d) {
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            long tenths = Math.round(millis / 100.0);
            if (tenths < 600) {
                return tenths % 10 == 0 ? tenths / 10 + "s" : String.format(Locale.ROOT, "%d.%ds", tenths / 10, tenths % 10);
            }
        }
        long s = Math.round(millis / 1000.0);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        long m = s / 60;
        if (m < 24 * 60) {
            return String.format(Locale.ROOT, "%dh%02dm", m / 60, m % 60);
        }
        long h = m / 60;
        return String.format(Locale.ROOT, "%dd%02dh", h / 24, h % 24);
    }

    static String between(Timestamp from, Timestamp to) {
        if (from.getSeconds() == 0) {
            return "-";
        }
        Instant end = to.getSeconds() == 0 ? Instant.now() : instant(to);
        return duration(Duration.between(instant(from), end));
    }

    /** A count with its unit, singular or plural: {@code 1 slot}, {@code 2 slots}, {@code 0 bytes}. */
    static String count(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }

    /** A size as people read it: {@code 0 B}, {@code 512 B}, {@code 1.5 KiB}, {@code 12.0 MiB}, {@code 1.2 GiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = n;
        int unit = -1;
        do {
            value /= 1024;
            unit++;
        } while (value >= 1024 && unit < units.length - 1);
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    static String pairs(Map<String, String> map) {
        return map.entrySet().stream().map(e -> e.getKey() + "=" + abbreviate(e.getValue(), 40))
                .collect(Collectors.joining(" "));
    }

    static String abbreviate(String s, int max) {
        String oneLine = s.replace('\n', ' ');
        return oneLine.length() > max ? oneLine.substring(0, max - 1) + "…" : oneLine;
    }
}
