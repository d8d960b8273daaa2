package io.gridwork.master.testjobs;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.Stream;

/** A split whose size is not known up front (an iterate stream); the result is the sum of the outputs. */
public final class UnsizedJob extends GridJob<Long, Long, Long> {

    public UnsizedJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        long n = args.getLong("n");
        return Stream.iterate(0L, i -> i < n, i -> i + 1);
    }

    @Override
    public Long execute(Long x, TaskContext context) {
        return x;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
