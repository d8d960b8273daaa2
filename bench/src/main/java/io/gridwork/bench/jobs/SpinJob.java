package io.gridwork.bench.jobs;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** n tasks that each keep a core busy for {@code ms} milliseconds: load for the workers. */
public final class SpinJob extends GridJob<Long, Long, Long> {

    public SpinJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, args.getLong("n")).boxed();
    }

    @Override
    public Long execute(Long i, TaskContext context) {
        long end = System.nanoTime() + context.args().getLong("ms", 100) * 1_000_000L;
        long x = i;
        while (System.nanoTime() < end) {
            for (int k = 0; k < 10_000; k++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            context.checkCancelled();
        }
        return x;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.count();
    }
}
