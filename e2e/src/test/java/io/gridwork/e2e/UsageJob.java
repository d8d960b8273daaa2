package io.gridwork.e2e;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * {@code n} tasks (argument {@code n}) that each keep a CPU busy for {@code spin} ms, then sleep {@code ms} ms, and
 * print a line (so that every attempt keeps its row in the task logs). The result is the sum of the task indexes.
 */
public final class UsageJob extends GridJob<Long, Long, Long> {

    public UsageJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, args.getLong("n")).boxed();
    }

    @Override
    public Long execute(Long x, TaskContext context) throws Exception {
        long spinUntil = System.nanoTime() + context.args().getLong("spin") * 1_000_000L;
        long spins = 0;
        while (System.nanoTime() < spinUntil) {
            spins++;
        }
        Thread.sleep(context.args().getLong("ms"));
        System.out.println("usage task " + x + " attempt " + context.attempt() + " (" + (spins > 0) + ")");
        return x;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
