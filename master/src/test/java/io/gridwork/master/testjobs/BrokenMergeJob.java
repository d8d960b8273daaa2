package io.gridwork.master.testjobs;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** A merge that throws. */
public final class BrokenMergeJob extends GridJob<Long, Long, Long> {

    public BrokenMergeJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, 2).boxed();
    }

    @Override
    public Long execute(Long x, TaskContext context) {
        return x;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        throw new IllegalStateException("merge exploded");
    }
}
