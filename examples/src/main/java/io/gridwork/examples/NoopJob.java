package io.gridwork.examples;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Tasks that do nothing, to measure the scheduler's own overhead: split, dispatch, store and merge, with no
 * work in between. The result is the number of tasks merged.
 *
 * <pre>
 * grid submit --jar examples/target/gridwork-examples.jar --job io.gridwork.examples.NoopJob \
 *     --arg tasks=100000 --wait
 * </pre>
 */
public final class NoopJob extends GridJob<byte[], byte[], Long> {

    private static final byte[] NOTHING = new byte[0];

    public NoopJob() {
        super(Codecs.BYTES, Codecs.BYTES, Codecs.LONG);
    }

    @Override
    public Set<String> arguments() {
        return Set.of("tasks");
    }

    @Override
    public Stream<byte[]> split(JobArgs args) {
        int tasks = args.getInt("tasks", 1000);
        if (tasks < 0) {
            throw new IllegalArgumentException("argument 'tasks' must not be negative, got " + tasks);
        }
        return IntStream.range(0, tasks).mapToObj(i -> NOTHING);
    }

    @Override
    public byte[] execute(byte[] input, TaskContext context) {
        return NOTHING;
    }

    @Override
    public Long merge(Stream<byte[]> outputs, JobArgs args) {
        return outputs.count();
    }
}
