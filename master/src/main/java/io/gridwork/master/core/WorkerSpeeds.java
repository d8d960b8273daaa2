package io.gridwork.master.core;

/**
 * A worker's speed, defined once. Each task of a job whose tasks take at least {@link #MIN_TIMED_TASK_MS} on average
 * gives a sample: the job's mean task duration so far over this task's duration on the worker (2.0: it ran twice as
 * fast as the job's tasks do on average). A worker's <em>pace</em> is the geometric moving average of its samples (in
 * logarithms, so one outlier does not dominate), and its <em>relative speed</em>, the figure users read, is its pace
 * over the geometric mean of the paces of the live workers that have one: identical workers all show about 1.0, a
 * worker twice as fast as the others about 2.0 against them. A worker with no sample yet shows 1.0. Speculation
 * compares relative speeds (a second attempt goes only to a worker at least as fast as the first one's).
 * Loop-confined (the fields live on {@link WorkerEntry}).
 */
final class WorkerSpeeds {

    /** Jobs whose tasks are shorter than this on average measure scheduling noise more than a worker's speed. */
    static final long MIN_TIMED_TASK_MS = 20;
    /** Samples of a job taken before its mean settles are left out: its first this many tasks. */
    static final int MIN_JOB_SAMPLES = 3;
    /** Weight of the newest sample in a worker's pace (an exponential moving average of logarithms). */
    static final double WEIGHT = 0.2;
    /** A sample is bounded to 1/100 .. 100 times the job's mean. */
    private static final double MAX_LOG_SAMPLE = Math.log(100);

    private WorkerSpeeds() {}

    /**
     * Records a task of {@code durationMs} on {@code w}, of a job whose {@code jobTimed} tasks so far took
     * {@code jobMeanMs} on average (this one not included). Returns whether it counted.
     */
    static boolean record(WorkerEntry w, double jobMeanMs, long jobTimed, long durationMs) {
        if (jobTimed < MIN_JOB_SAMPLES || jobMeanMs < MIN_TIMED_TASK_MS) {
            return false;
        }
        double sample = Math.log(jobMeanMs / Math.max(1, durationMs));
        sample = Math.max(-MAX_LOG_SAMPLE, Math.min(MAX_LOG_SAMPLE, sample));
        w.logPace = w.timedTasks == 0 ? sample : w.logPace * (1 - WEIGHT) + sample * WEIGHT;
        w.timedTasks++;
        return true;
    }

    /** The grid's average pace (in logarithms) over the live workers that have one; 0 if none has. */
    static double gridLogPace(Iterable<WorkerEntry> workers) {
        double sum = 0;
        int n = 0;
        for (WorkerEntry w : workers) {
            if (w.timedTasks > 0 && !w.state.isDeparted()) {
                sum += w.logPace;
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** The relative speed of {@code w} against a grid whose average pace is {@code gridLogPace}. */
    static double relative(WorkerEntry w, double gridLogPace) {
        if (w.timedTasks == 0) {
            return 1.0;
        }
        return Math.exp(w.logPace - gridLogPace);
    }
}
