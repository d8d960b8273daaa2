package io.gridwork.examples;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Estimates pi by Monte Carlo: throws {@code samples} random points at the unit square and counts those inside
 * the quarter circle. Each task draws its share of the points from a generator seeded by its task index, so the
 * estimate is bit-identical however the tasks are spread, retried or reassigned.
 *
 * <pre>
 * grid submit --jar examples/target/gridwork-examples.jar --job io.gridwork.examples.PiJob \
 *     --arg samples=200000000 --arg tasks=100 --wait
 * </pre>
 */
public final class PiJob extends GridJob<Long, Long, Double> {

    private static final long SEED = 0x9E3779B97F4A7C15L;

    public PiJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.DOUBLE);
    }

    @Override
    public Set<String> arguments() {
        return Set.of("samples", "tasks");
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        long samples = args.getLong("samples", 100_000_000L);
        int tasks = args.getInt("tasks", 100);
        if (samples < 1) {
            throw new IllegalArgumentException("argument 'samples' must be positive, got " + samples);
        }
        if (tasks < 1 || tasks > samples) {
            throw new IllegalArgumentException("argument 'tasks' must be from 1 to samples, got " + tasks);
        }
        long each = samples / tasks;
        long extra = samples % tasks;
        return LongStream.range(0, tasks).mapToObj(i -> each + (i < extra ? 1 : 0));
    }

    @Override
    public Long execute(Long samples, TaskContext context) {
        return countInside(context.taskIndex(), samples, context);
    }

    /** Points inside the quarter circle among {@code samples} drawn for task {@code index}. */
    public static long countInside(long index, long samples, TaskContext context) {
        SplittableRandom random = new SplittableRandom(SEED + index * 0xBF58476D1CE4E5B9L);
        long inside = 0;
        long done = 0;
        while (done < samples) {
            long chunk = Math.min(1 << 22, samples - done);
            for (long i = 0; i < chunk; i++) {
                double x = random.nextDouble();
                double y = random.nextDouble();
                if (x * x + y * y <= 1.0) {
                    inside++;
                }
            }
            done += chunk;
            if (context != null) {
                context.checkCancelled();
                context.reportProgress((double) done / samples);
            }
        }
        return inside;
    }

    @Override
    public Double merge(Stream<Long> insideCounts, JobArgs args) {
        long samples = args.getLong("samples", 100_000_000L);
        long inside = insideCounts.mapToLong(Long::longValue).sum();
        return 4.0 * inside / samples;
    }
}
