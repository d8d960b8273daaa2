package io.gridwork.e2e;

import io.gridwork.examples.PiJob;
import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@link PiJob} (with its checkpoints), that also appends every stretch of samples a task computed to the file
 * {@code trace} ("index from to worker attempt", one line each, written as computed: a worker killed with kill -9
 * leaves what it computed in the file), so that a test can add up the samples computed against those needed.
 */
public final class TracedPiJob extends GridJob<Long, Long, Double> {

    private final PiJob pi = new PiJob();

    public TracedPiJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.DOUBLE);
    }

    @Override
    public Set<String> arguments() {
        return Set.of("samples", "tasks", "checkpointEvery", "trace");
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return pi.split(args);
    }

    @Override
    public Long execute(Long samples, TaskContext context) throws IOException {
        String who = " " + context.workerName() + " " + context.attempt() + "\n";
        try (FileChannel trace = FileChannel.open(Path.of(context.args().get("trace")), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            return PiJob.countInside(context.taskIndex(), samples, context.args().getLong("checkpointEvery", 0),
                    context, (index, from, to) -> {
                        try {
                            trace.write(ByteBuffer.wrap((index + " " + from + " " + to + who)
                                    .getBytes(StandardCharsets.UTF_8)));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
    }

    @Override
    public Double merge(Stream<Long> insideCounts, JobArgs args) {
        return pi.merge(insideCounts, args);
    }
}
