package io.gridwork.worker;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The CPU time of the thread running a task (user + system, from {@link ThreadMXBean#getCurrentThreadCpuTime()}): what
 * the worker reports as {@code TaskResult.cpu_nanos}, and the master's usage ledger records. It measures the thread
 * that runs the task's code, from just before the code starts to just after it returns or throws (the jar's fetch and
 * the output's encoding are not in it); threads the task starts itself are not counted. On a JVM without thread CPU
 * time (or with it switched off) every measure is 0, which the ledger shows as "not measured".
 *
 * <p><b>Short tasks.</b> Reading a thread's CPU clock is a system call (about 0.5 µs on an idle machine, far more under
 * load); read twice per task, it cut the throughput of jobs of empty tasks from about 60,000 to about 35,000 tasks/s
 * ({@code grid bench performance --only 2}). So while the tasks this worker ran lately took under {@link #SHORT_NANOS}
 * of wall time each (an average over the last few dozen), the clock is not read, and a task's CPU time is its wall time:
 * a task that short runs on its thread's CPU from start to end. The first task that takes longer raises the average,
 * and the tasks after it are measured again; only tasks started while the average was short are counted at their
 * wall time.
 */
final class TaskCpuTime {

    /** Below this average wall time per task the CPU clock is not read: 100 µs. */
    static final long SHORT_NANOS = 100_000;
    /** What {@link #start()} returns when the clock is not read for this task. */
    static final long WALL = -2;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean SUPPORTED = enable();
    /**
     * The recent tasks' wall time, an average that gives each new task 1/8 of the weight (updated from every task
     * thread without a lock: a lost update only delays the average by one task). It starts at 10 ms, so a new worker
     * measures its first few dozen tasks.
     */
    private static volatile long recentWallNanos = 10_000_000;

    private TaskCpuTime() {}

    private static boolean enable() {
        try {
            if (!THREADS.isCurrentThreadCpuTimeSupported()) {
                return false;
            }
            if (!THREADS.isThreadCpuTimeEnabled()) {
                THREADS.setThreadCpuTimeEnabled(true);
            }
            return THREADS.isThreadCpuTimeEnabled();
        } catch (UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** The current thread's CPU time in nanoseconds, or -1 if it cannot be measured. */
    static long now() {
        return SUPPORTED ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    /**
     * Just before a task's code starts: the thread's CPU clock, {@link #WALL} while recent tasks were short (its wall
     * time will be its CPU time), or -1 if it cannot be measured.
     */
    static long start() {
        return SUPPORTED && recentWallNanos < SHORT_NANOS ? WALL : now();
    }

    /**
     * Just after a task's code returned or threw, {@code wallNanos} after it started: its CPU time since {@code start}
     * (from {@link #start()}), its wall time if the clock was not read, or 0 if it cannot be measured.
     */
    static long since(long start, long wallNanos) {
        long wall = Math.max(0, wallNanos);
        long recent = recentWallNanos;
        recentWallNanos = recent + ((wall - recent) >> 3);
        if (start == WALL) {
            return wall;
        }
        return since(start);
    }

    /** The current thread's CPU time since {@code start} (from {@link #now()}), or 0 if it cannot be measured. */
    static long since(long start) {
        if (start < 0) {
            return 0;
        }
        long end = THREADS.getCurrentThreadCpuTime();
        return end < start ? 0 : end - start;
    }

    /** For tests: the average as a new worker has it. */
    static void reset() {
        recentWallNanos = 10_000_000;
    }
}
