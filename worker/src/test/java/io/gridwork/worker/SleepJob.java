package io.gridwork.worker;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** n tasks that each sleep ms milliseconds and return their index; the result is the sum of the indexes. */
public final class SleepJob extends GridJob<Long, Long, Long> {

    public SleepJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, args.getLong("n")).boxed();
    }

    @Override
    public Long execute(Long index, TaskContext context) throws InterruptedException {
        long end = System.nanoTime() + context.args().getLong("ms") * 1_000_000L;
        while (System.nanoTime() < end) {
            context.checkCancelled();
            context.reportProgress(0.5);
            Thread.sleep(5);
        }
        return index;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
