package io.gridwork.e2e;

import io.gridwork.bench.jobs.TallyJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;

/**
 * A {@link TallyJob} with faults to inject: {@code throwOn=i} always throws, {@code hangOn=i} hangs on its first
 * attempt (ignoring cancellation, without progress), {@code exitOn=i} calls System.exit. Each start of a task is
 * appended to the file {@code log} (when given) as {@code start i attempt pid millis}, before the fault.
 */
public final class ChaosJob extends TallyJob {

    @Override
    protected void beforeWork(long i, TaskContext context) {
        JobArgs args = context.args();
        if (i == args.getLong("throwOn", -1)) {
            throw new IllegalStateException("task " + i + " always fails");
        }
        if (i == args.getLong("exitOn", -1)) {
            System.exit(3);
        }
        if (i == args.getLong("hangOn", -1) && context.attempt() == 1) {
            while (true) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ignored) {
                    // a hung task does not listen
                }
            }
        }
    }
}
