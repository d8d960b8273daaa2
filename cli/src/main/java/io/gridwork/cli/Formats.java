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

    static String duration(Duration d) {
        if (d.toMillis() < 10_000) {
            return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
        }
        long s = d.toSeconds();
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    static String between(Timestamp from, Timestamp to) {
        if (from.getSeconds() == 0) {
            return "-";
        }
        Instant end = to.getSeconds() == 0 ? Instant.now() : instant(to);
        return duration(Duration.between(instant(from), end));
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
