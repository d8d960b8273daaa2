package io.gridwork.master.testjobs;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** Task i raises i to {@code power}; the result is their sum. It declares its arguments: {@code n} and {@code power}. */
public final class PowersJob extends GridJob<Long, Long, Long> {

    public PowersJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Set<String> arguments() {
        return Set.of("n", "power");
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, args.getLong("n")).boxed();
    }

    @Override
    public Long execute(Long x, TaskContext context) {
        long power = context.args().getLong("power", 2);
        long result = 1;
        for (int i = 0; i < power; i++) {
            result *= x;
        }
        return result;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
