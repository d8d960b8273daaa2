package io.gridwork.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The same figure measured several times in one run of the bench: its median, and the spread (min and max) that says
 * how far one run can be trusted on a shared machine.
 */
final class Runs {

    private final List<Double> values = new ArrayList<>();

    void add(double value) {
        values.add(value);
    }

    int count() {
        return values.size();
    }

    /** The middle value (the mean of the two middle ones for an even count). */
    double median() {
        List<Double> sorted = sorted();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    double min() {
        return sorted().get(0);
    }

    double max() {
        List<Double> sorted = sorted();
        return sorted.get(sorted.size() - 1);
    }

    private List<Double> sorted() {
        if (values.isEmpty()) {
            throw new IllegalStateException("no run measured");
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted;
    }

    /**
     * The median first, so that a line reads (and parses) as before, then the spread: with {@code number} "%,.0f" and
     * {@code unit} "tasks/s", "49,948 tasks/s (median of 3 runs; min 45,012, max 51,230)".
     */
    String describe(String number, String unit) {
        return String.format(Locale.ROOT, number + " %s (median of %d runs; min " + number + ", max " + number + ")",
                median(), unit, count(), min(), max());
    }

    /** The spread alone, "1.60-1.80 ms", for a line that gives several medians. */
    String range(String number, String unit) {
        return String.format(Locale.ROOT, number + "-" + number + " %s", min(), max(), unit);
    }

    /** The value at quantile {@code q} (0.5 the median, 0.99 the 99th percentile) of one run's samples, nearest rank. */
    static double quantile(List<Long> samples, double q) {
        List<Long> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(sorted.size() * q);
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
