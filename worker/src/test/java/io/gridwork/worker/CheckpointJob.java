package io.gridwork.worker;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.nio.charset.StandardCharsets;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Tasks that save one checkpoint ("after " and the checkpoint they were given, or "after none") and return their
 * index times 10, plus 1 if they were given a checkpoint; with arg {@code size} the state is that many bytes instead.
 */
public final class CheckpointJob extends GridJob<Long, Long, Long> {

    public CheckpointJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, args.getLong("n", 1)).boxed();
    }

    @Override
    public Long execute(Long index, TaskContext context) {
        byte[] given = context.checkpoint().orElse(null);
        long size = context.args().getLong("size", -1);
        byte[] state = size >= 0 ? new byte[(int) size]
                : ("after " + (given == null ? "none" : new String(given, StandardCharsets.UTF_8)))
                        .getBytes(StandardCharsets.UTF_8);
        context.saveCheckpoint(state);
        if (!java.util.Arrays.equals(context.checkpoint().orElseThrow(), state)) {
            throw new IllegalStateException("checkpoint() does not give the state just saved");
        }
        return index * 10 + (given == null ? 0 : 1);
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
