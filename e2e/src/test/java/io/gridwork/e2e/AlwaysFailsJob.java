package io.gridwork.e2e;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** Its task 1 always throws; the others succeed. */
public final class AlwaysFailsJob extends GridJob<Long, Long, Long> {

    public AlwaysFailsJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, 3).boxed();
    }

    @Override
    public Long execute(Long x, TaskContext context) {
        if (x == 1) {
            throw new IllegalStateException("disk full on attempt " + context.attempt());
        }
        return x;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
