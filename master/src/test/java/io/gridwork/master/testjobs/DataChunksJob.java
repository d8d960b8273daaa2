package io.gridwork.master.testjobs;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.DataRange;
import io.gridwork.sdk.DataRef;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Stream;

/** One task per chunk of data set "text" (its input: the chunk's offset); each task counts its range's bytes. */
public final class DataChunksJob extends GridJob<Long, Long, Long> {

    public DataChunksJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        DataRef text = args.data("text");
        return text.ranges(1).stream().map(DataRange::offset);
    }

    @Override
    public List<DataRange> dataNeeds(Long offset) {
        return List.of(new DataRange("text", offset, 1));
    }

    @Override
    public Long execute(Long offset, TaskContext context) {
        try (InputStream in = context.openData(new DataRange("text", offset, 1))) {
            return (long) in.readAllBytes().length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
