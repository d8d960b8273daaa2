package io.gridwork.e2e;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** Four tasks that print on System.out and System.err; task 1 then throws (with a cause) on every attempt. */
public final class NoisyJob extends GridJob<Long, Long, Long> {

    public NoisyJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, 4).boxed();
    }

    @Override
    public Long execute(Long x, TaskContext context) {
        System.out.println("noisy task " + x + " attempt " + context.attempt() + " starts");
        System.err.println("noisy task " + x + " attempt " + context.attempt() + " warns");
        if (x == 1) {
            try {
                Integer.parseInt("forty-two");
            } catch (NumberFormatException e) {
                throw new IllegalStateException("cannot read the count on attempt " + context.attempt(), e);
            }
        }
        return x;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
