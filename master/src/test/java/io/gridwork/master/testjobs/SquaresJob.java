package io.gridwork.master.testjobs;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** Task i squares i; the result lists the outputs in the order merge received them. */
public final class SquaresJob extends GridJob<Long, Long, List<Long>> {

    public SquaresJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.listOf(Codecs.LONG));
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        long n = args.getLong("n");
        if (n < 0) {
            throw new IllegalArgumentException("argument 'n' must not be negative");
        }
        return LongStream.range(0, n).boxed();
    }

    @Override
    public Long execute(Long x, TaskContext context) {
        return x * x;
    }

    @Override
    public List<Long> merge(Stream<Long> outputs, JobArgs args) {
        return outputs.collect(Collectors.toList());
    }
}
