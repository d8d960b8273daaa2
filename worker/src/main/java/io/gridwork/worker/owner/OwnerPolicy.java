package io.gridwork.worker.owner;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * What the owner's settings say the worker may do now, from its probe, its hours and its CPU limit. Pure but for the
 * probe and the CPU meter it is given; the time comes from the clock it is given (tests set it).
 *
 * <ul>
 *   <li>Outside {@code --hours}, or the owner is busy ({@code --when-idle}: the probe says so): {@link Mode#VACATE}:
 *       take no tasks, hand back the unstarted ones, and the running ones after the grace period.</li>
 *   <li>Above {@code --max-cpu-percent} (this worker's process CPU time over the last check interval, as a percentage
 *       of all the machine's cores): {@link Mode#PAUSE}: take no new tasks and hand back the unstarted ones; running
 *       tasks go on (throttled, not killed) and the worker takes tasks again once a check finds it below the limit.
 *       The throttle works at task granularity: one long task using more than the limit is not slowed.</li>
 *   <li>Otherwise {@link Mode#SERVE}.</li>
 * </ul>
 */
public final class OwnerPolicy {

    /** What the worker may do. */
    public enum Mode {
        SERVE, PAUSE, VACATE
    }

    /** The verdict of one check; {@code reason} says why it is not serving ("" when serving). */
    public record Verdict(Mode mode, String reason) {
        public static final Verdict SERVE = new Verdict(Mode.SERVE, "");

        public boolean busy() {
            return mode != Mode.SERVE;
        }
    }

    private final OwnerProbe probe;
    private final Hours hours;
    private final int maxCpuPercent;
    private final LongSupplier processCpuNanos;
    private final int cores;
    private final Clock clock;
    private long lastCpu = -1;
    private long lastWall;

    /**
     * @param probe the idleness test, or null (no --when-idle)
     * @param hours the hours, or null (all day)
     * @param maxCpuPercent from 1 to 100, or 0 (no limit)
     * @param processCpuNanos this process's CPU time so far, in nanoseconds (all its threads)
     */
    public OwnerPolicy(OwnerProbe probe, Hours hours, int maxCpuPercent, LongSupplier processCpuNanos, int cores,
            Clock clock) {
        this.probe = probe;
        this.hours = hours;
        this.maxCpuPercent = maxCpuPercent;
        this.processCpuNanos = processCpuNanos;
        this.cores = Math.max(1, cores);
        this.clock = clock;
    }

    /** One check (may block while the probe runs its command or reads files). */
    public Verdict check() {
        if (hours != null) {
            LocalTime now = LocalTime.ofInstant(clock.instant(), clock.getZone());
            if (!hours.contains(now)) {
                return new Verdict(Mode.VACATE, "outside the hours " + hours);
            }
        }
        if (probe != null) {
            OwnerProbe.Reading r = probe.read();
            if (r.busy()) {
                return new Verdict(Mode.VACATE, "owner busy: " + r.reason());
            }
        }
        if (maxCpuPercent > 0) {
            double used = cpuPercent();
            if (used >= maxCpuPercent) {
                return new Verdict(Mode.PAUSE, String.format(Locale.ROOT, "worker CPU %.0f%% >= --max-cpu-percent %d",
                        used, maxCpuPercent));
            }
        }
        return Verdict.SERVE;
    }

    /** The worker's CPU use since the last check, as a percentage of all cores (0 at the first check). */
    private double cpuPercent() {
        long cpu = processCpuNanos.getAsLong();
        long wall = clock.millis();
        try {
            if (lastCpu < 0 || wall <= lastWall) {
                return 0;
            }
            double wallNanos = Duration.ofMillis(wall - lastWall).toNanos() * (double) cores;
            return 100.0 * (cpu - lastCpu) / wallNanos;
        } finally {
            lastCpu = cpu;
            lastWall = wall;
        }
    }
}
