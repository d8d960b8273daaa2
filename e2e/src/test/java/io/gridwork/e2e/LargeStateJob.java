package io.gridwork.e2e;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * One task with a large checkpoint: its first attempt saves {@code size} bytes (a fixed pattern) and then fails, so that
 * the next attempt starts from the checkpoint, which the grid keeps in its data grid; that attempt checks every byte it
 * was given and returns "resumed from N bytes".
 */
public final class LargeStateJob extends GridJob<Long, String, String> {

    public LargeStateJob() {
        super(Codecs.LONG, Codecs.STRING, Codecs.STRING);
    }

    static byte[] state(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 131 + i / 4093);
        }
        return b;
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return Stream.of(0L);
    }

    @Override
    public String execute(Long index, TaskContext context) {
        int size = (int) context.args().getLong("size", 2 << 20);
        byte[] given = context.checkpoint().orElse(null);
        if (given == null) {
            context.saveCheckpoint(state(size));
            throw new IllegalStateException("the first attempt fails once its checkpoint is saved");
        }
        if (!Arrays.equals(given, state(size))) {
            throw new IllegalStateException("the checkpoint given (" + given.length + " bytes) is not the one saved");
        }
        return "resumed from " + given.length + " bytes";
    }

    @Override
    public String merge(Stream<String> outputs, JobArgs args) {
        return outputs.findFirst().orElse("");
    }
}
