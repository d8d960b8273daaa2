package io.gridwork.worker;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/** One task that returns the CRC-32 of the checkpoint it was given (-1: none), twice read to be the same. */
public final class GivenCheckpointJob extends GridJob<Long, Long, Long> {

    public GivenCheckpointJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return Stream.of(0L);
    }

    @Override
    public Long execute(Long index, TaskContext context) {
        byte[] given = context.checkpoint().orElse(null);
        if (given == null) {
            return -1L;
        }
        if (!java.util.Arrays.equals(given, context.checkpoint().orElseThrow())) {
            throw new IllegalStateException("checkpoint() gave two different states");
        }
        CRC32 crc = new CRC32();
        crc.update(given);
        return crc.getValue();
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.findFirst().orElse(0L);
    }
}
