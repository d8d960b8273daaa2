package io.gridwork.worker;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The CPU time of the thread running a task (user + system, from {@link ThreadMXBean#getCurrentThreadCpuTime()}): what
 * the worker reports as {@code TaskResult.cpu_nanos}, and the master's usage ledger records. It measures the thread
 * that runs the task's code, from just before the code starts to just after it returns or throws (the jar's fetch and
 * the output's encoding are not in it); threads the task starts itself are not counted. On a JVM without thread CPU
 * time (or with it switched off) every measure is 0, which the ledger shows as "not measured".
 */
final class TaskCpuTime {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean SUPPORTED = enable();

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

    /** The current thread's CPU time since {@code start} (from {@link #now()}), or 0 if it cannot be measured. */
    static long since(long start) {
        if (start < 0) {
            return 0;
        }
        long end = THREADS.getCurrentThreadCpuTime();
        return end < start ? 0 : end - start;
    }
}
