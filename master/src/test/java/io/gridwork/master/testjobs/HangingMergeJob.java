package io.gridwork.master.testjobs;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** A merge that never finishes (until interrupted); with {@code oom=true} it asks for more memory than exists. */
public final class HangingMergeJob extends GridJob<Long, Long, Long> {

    public HangingMergeJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        if (args.getBoolean("hangSplit", false)) {
            sleepForever();
        }
        return LongStream.range(0, 1).boxed();
    }

    @Override
    public Long execute(Long x, TaskContext context) {
        return x;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        if (args.getBoolean("oom", false)) {
            long[][] hog = new long[64][];
            for (int i = 0; i < hog.length; i++) {
                hog[i] = new long[Integer.MAX_VALUE - 8];
            }
            return (long) hog.length;
        }
        sleepForever();
        return 0L;
    }

    private static void sleepForever() {
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            throw new IllegalStateException("interrupted", e);
        }
    }
}
