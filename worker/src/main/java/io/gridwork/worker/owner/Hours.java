package io.gridwork.worker.owner;

import java.time.LocalTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hours of the day a worker may take tasks ({@code --hours 18:00-08:00}), in the machine's local time. The start
 * is inside, the end outside; a span whose end is before its start goes over midnight.
 */
public record Hours(LocalTime start, LocalTime end) {

    private static final Pattern FORM = Pattern.compile("(\\d{1,2}):(\\d{2})-(\\d{1,2}):(\\d{2})");

    public Hours {
        if (start.equals(end)) {
            throw new IllegalArgumentException("hours: the start and the end are the same (" + start
                    + "); leave --hours out to take tasks all day");
        }
    }

    /** Parses {@code HH:MM-HH:MM} (24-hour clock); a message naming --hours otherwise. */
    public static Hours parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("hours: '" + text + "' is not HH:MM-HH:MM (for example 18:00-08:00)");
        }
        return new Hours(time(text, m.group(1), m.group(2)), time(text, m.group(3), m.group(4)));
    }

    private static LocalTime time(String text, String h, String min) {
        int hour = Integer.parseInt(h);
        int minute = Integer.parseInt(min);
        if (hour > 23 || minute > 59) {
            throw new IllegalArgumentException("hours: '" + text + "' has a time out of 00:00-23:59");
        }
        return LocalTime.of(hour, minute);
    }

    /** Whether the time of day is inside the hours. */
    public boolean contains(LocalTime t) {
        if (start.isBefore(end)) {
            return !t.isBefore(start) && t.isBefore(end);
        }
        return !t.isBefore(start) || t.isBefore(end); // over midnight
    }

    @Override
    public String toString() {
        return start + "-" + end;
    }
}
