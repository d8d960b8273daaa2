package io.gridwork.master.http;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** Tasks per second over the last minutes, from samples of the total number of tasks done. Thread-safe. */
final class Throughput {

    record Point(long atMillis, double perSecond) {}

    private record Sample(long atMillis, long done) {}

    private final Deque<Sample> samples = new ArrayDeque<>();
    private final int keep;

    /** @param keep samples kept (300, one every 2 s, is ten minutes) */
    Throughput(int keep) {
        this.keep = keep;
    }

    synchronized void add(long atMillis, long done) {
        samples.addLast(new Sample(atMillis, done));
        while (samples.size() > keep + 1) {
            samples.removeFirst();
        }
    }

    /** The rate between each pair of consecutive samples, oldest first (a counter that went down counts as 0). */
    synchronized List<Point> rates() {
        List<Point> out = new ArrayList<>(samples.size());
        Sample prev = null;
        for (Sample s : samples) {
            if (prev != null && s.atMillis() > prev.atMillis()) {
                long delta = Math.max(0, s.done() - prev.done());
                out.add(new Point(s.atMillis(), delta * 1000.0 / (s.atMillis() - prev.atMillis())));
            }
            prev = s;
        }
        return out;
    }
}
