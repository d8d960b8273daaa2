package io.gridwork.worker.owner;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The default idleness test of {@code --when-idle}, read from what Linux exposes. The owner is busy if either holds:
 *
 * <ul>
 *   <li><b>Load from others</b>: the CPU time used by every process but this worker, per core, over the time since
 *       the last check, is at least {@code idleLoad}. Read from the aggregate {@code cpu} line of {@code /proc/stat}
 *       (user, nice, system, irq, softirq and steal are busy; idle and iowait are not) less this process's own
 *       {@code utime + stime + cutime + cstime} from {@code /proc/self/stat}, both in clock ticks. The worker's task
 *       threads are thus left out, and so are the processes its tasks started once they were waited for. At the first
 *       check, when there is no earlier sample, the 1-minute load average of {@code /proc/loadavg} per core stands in
 *       (the worker runs nothing yet).</li>
 *   <li><b>An interactive session</b>: a terminal was used within {@code idleAfter}. The idle time of a terminal is
 *       the time since its device's last access ({@code atime} of {@code /dev/pts/N} and {@code /dev/ttyN}), which the
 *       kernel updates on input: what {@code who -u} and {@code w} show as IDLE. A graphical session that holds no
 *       terminal is not seen: for it, give the owner's own test with {@code --idle-command} (e.g. a script around
 *       {@code xprintidle}).</li>
 * </ul>
 *
 * The roots of {@code /proc} and {@code /dev} and the clock are given, so tests read files they wrote.
 */
public final class LinuxActivityProbe implements OwnerProbe {

    private final Path proc;
    private final Path dev;
    private final Clock clock;
    private final double idleLoad;
    private final Duration idleAfter;
    private final int cores;
    // the previous sample (read by the owner watch's thread only)
    private long lastTotal = -1;
    private long lastBusy;
    private long lastSelf;

    public LinuxActivityProbe(Path proc, Path dev, Clock clock, double idleLoad, Duration idleAfter, int cores) {
        this.proc = proc;
        this.dev = dev;
        this.clock = clock;
        this.idleLoad = idleLoad;
        this.idleAfter = idleAfter;
        this.cores = Math.max(1, cores);
    }

    /** The machine's own {@code /proc} and {@code /dev}. */
    public static LinuxActivityProbe system(Clock clock, double idleLoad, Duration idleAfter) {
        return new LinuxActivityProbe(Path.of("/proc"), Path.of("/dev"), clock, idleLoad, idleAfter,
                Runtime.getRuntime().availableProcessors());
    }

    /** Whether this machine exposes what the probe reads (a Linux {@code /proc}). */
    public static boolean supported() {
        return Files.isReadable(Path.of("/proc/stat")) && Files.isReadable(Path.of("/proc/self/stat"));
    }

    @Override
    public Reading read() {
        String load;
        try {
            double others = othersLoadPerCore();
            if (others >= idleLoad) {
                return Reading.busy(String.format(Locale.ROOT, "load from other processes %.2f per core >= %.2f",
                        others, idleLoad));
            }
            load = String.format(Locale.ROOT, "%.2f", others);
        } catch (IOException | RuntimeException e) {
            return Reading.busy("cannot read the load (" + e.getMessage() + ")");
        }
        Instant now = clock.instant();
        Session recent = latestSession();
        if (recent != null) {
            Duration idle = Duration.between(recent.used, now);
            if (idle.compareTo(idleAfter) < 0) {
                return Reading.busy("a session on " + recent.name + " was active " + Math.max(0, idle.toSeconds())
                        + " s ago (idle after " + idleAfter.toSeconds() + " s)");
            }
        }
        return new Reading(false, "load from others " + load + " per core");
    }

    /** CPU used by processes other than this one, per core, since the last call. */
    double othersLoadPerCore() throws IOException {
        long[] cpu = cpuLine();
        long total = cpu[0];
        long busy = cpu[1];
        long self = selfTicks();
        try {
            if (lastTotal < 0 || total <= lastTotal) {
                return firstLoad();
            }
            double others = (double) ((busy - lastBusy) - Math.max(0, self - lastSelf)) / (total - lastTotal);
            return Math.max(0, others);
        } finally {
            lastTotal = total;
            lastBusy = busy;
            lastSelf = self;
        }
    }

    private double firstLoad() throws IOException {
        String[] f = Files.readString(proc.resolve("loadavg")).trim().split("\\s+");
        return Double.parseDouble(f[0]) / cores;
    }

    /** {total, busy} clock ticks over all CPUs, from the first line of /proc/stat. */
    private long[] cpuLine() throws IOException {
        String first;
        try (var lines = Files.lines(proc.resolve("stat"))) {
            first = lines.findFirst().orElseThrow(() -> new IOException("/proc/stat is empty"));
        }
        String[] f = first.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 8) {
            throw new IOException("unexpected /proc/stat line: " + first);
        }
        long user = Long.parseLong(f[1]);
        long nice = Long.parseLong(f[2]);
        long system = Long.parseLong(f[3]);
        long idle = Long.parseLong(f[4]);
        long iowait = Long.parseLong(f[5]);
        long irq = Long.parseLong(f[6]);
        long softirq = Long.parseLong(f[7]);
        long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
        long busy = user + nice + system + irq + softirq + steal;
        return new long[] {busy + idle + iowait, busy};
    }

    /** utime + stime + cutime + cstime of this process, from /proc/self/stat (fields 14 to 17). */
    private long selfTicks() throws IOException {
        String text = Files.readString(proc.resolve("self").resolve("stat"));
        int close = text.lastIndexOf(')');
        String[] f = text.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state): field n is f[n - 3]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }

    private record Session(String name, Instant used) {}

    /** The terminal used last (its device's atime): /dev/pts/N and /dev/ttyN; null if there is none. */
    private Session latestSession() {
        Session latest = null;
        latest = latest(latest, dev.resolve("pts"), "[0-9]*", "pts/");
        latest = latest(latest, dev, "tty[0-9]*", "");
        return latest;
    }

    private static Session latest(Session best, Path dir, String glob, String prefix) {
        if (!Files.isDirectory(dir)) {
            return best;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
            for (Path p : entries) {
                try {
                    Instant used = Files.readAttributes(p, BasicFileAttributes.class).lastAccessTime().toInstant();
                    if (best == null || used.isAfter(best.used)) {
                        best = new Session(prefix + p.getFileName(), used);
                    }
                } catch (IOException gone) {
                    // the terminal closed meanwhile
                }
            }
        } catch (IOException e) {
            return best;
        }
        return best;
    }
}
