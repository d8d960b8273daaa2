package io.gridwork.worker;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/** One task that reads the whole data set "text" with openData and returns its CRC-32. */
public final class DataReadJob extends GridJob<Long, Long, Long> {

    public DataReadJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return Stream.of(0L);
    }

    @Override
    public Long execute(Long index, TaskContext context) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[700]; // not a divisor of the chunk size: reads cross chunk edges
        try (InputStream in = context.openData("text")) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return crc.getValue();
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.findFirst().orElse(0L);
    }
}
