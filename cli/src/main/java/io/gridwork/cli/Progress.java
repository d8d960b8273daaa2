package io.gridwork.cli;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.TaskCounts;
import java.io.PrintWriter;
import java.util.Locale;

/** Shows a job's progress on stderr: a bar redrawn in place on a terminal, otherwise a line per change (at most one a second). */
final class Progress {

    private static final int BAR = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private String lastLine = "";
    private long lastPrintNanos;
    private boolean drawn;
    private boolean reconnecting;
    private JobStatus last;

    Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    void update(JobStatus status) {
        synchronized (this) {
            reconnecting = false;
            last = status;
        }
        String line = describe(status);
        long now = System.nanoTime();
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
            err.flush();
            drawn = true;
        } else if (!line.equals(lastLine) && (now - lastPrintNanos > 1_000_000_000L || isEnd(status))) {
            err.println(line);
            err.flush();
            lastLine = line;
            lastPrintNanos = now;
        }
    }

    /**
     * Says that the master cannot be reached and is being reconnected to: once per outage (the next status ends it),
     * with {@code problem} saying what went wrong.
     */
    void reconnecting(io.gridwork.client.GridException problem) {
        String id;
        synchronized (this) {
            if (reconnecting) {
                return;
            }
            reconnecting = true;
            id = last == null ? null : last.getId();
        }
        String line = (id == null ? "" : id + " ") + "reconnecting: " + Transport.describe(problem, null);
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
            drawn = true;
        } else {
            err.println(line);
            lastLine = line;
        }
        err.flush();
    }

    /** Ends the progress display (the bar's line is finished). */
    void finish() {
        if (terminal && drawn) {
            err.println();
            err.flush();
            drawn = false;
        }
    }

    private String describe(JobStatus s) {
        TaskCounts t = s.getTasks();
        long total = t.getTotal();
        double fraction = total == 0 ? (isEnd(s) ? 1 : 0) : (double) t.getSucceeded() / total;
        String seconds = Formats.duration(java.time.Duration.ofNanos(System.nanoTime() - startNanos));
        String counts = t.getSucceeded() + "/" + total + " tasks";
        String extra = (t.getRunning() > 0 ? ", " + t.getRunning() + " running" : "")
                + (t.getHeld() > 0 ? ", " + t.getHeld() + " held" : "")
                + (t.getRetried() > 0 ? ", " + t.getRetried() + " retried" : "")
                + (t.getFailed() > 0 ? ", " + t.getFailed() + " failed" : "")
                + (s.getWaitingReason().isEmpty() ? "" : ", waiting: " + s.getWaitingReason());
        if (terminal) {
            int filled = (int) Math.round(fraction * BAR);
            return String.format(Locale.ROOT, "%s [%s%s] %3.0f%% %s%s %s %s", s.getId(), "#".repeat(filled),
                    ".".repeat(BAR - filled), fraction * 100, counts, extra, s.getState(), seconds);
        }
        return String.format(Locale.ROOT, "%s %s %s (%.0f%%)%s after %s", s.getId(), s.getState(), counts,
                fraction * 100, extra, seconds);
    }

    private static boolean isEnd(JobStatus s) {
        return s.getState() == JobStatus.State.SUCCEEDED || s.getState() == JobStatus.State.FAILED
                || s.getState() == JobStatus.State.CANCELLED;
    }
}
