package io.gridwork.examples;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.nio.ByteBuffer;
import java.util.Set;
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
 *
 * <p>With {@code --arg checkpointEvery=N} each task saves a checkpoint (its count so far, 16 bytes) every N samples
 * ({@link TaskContext#saveCheckpoint}), and an attempt that follows a lost one resumes from it: the generator is
 * counter-based (SplitMix64, the algorithm of {@link java.util.SplittableRandom}, whose state after n draws is the seed
 * plus n times a constant), so it jumps to where the checkpoint left off and the result stays bit-identical.
 */
public final class PiJob extends GridJob<Long, Long, Double> {

    private static final long SEED = 0x9E3779B97F4A7C15L;
    /** The increment of SplitMix64 (SplittableRandom's golden gamma). */
    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    /** Told of every stretch of samples a task has computed (to measure work, e.g. work redone after a loss). */
    @FunctionalInterface
    public interface Computed {
        void samples(long index, long from, long to);
    }

    public PiJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.DOUBLE);
    }

    @Override
    public Set<String> arguments() {
        return Set.of("samples", "tasks", "checkpointEvery");
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
        long every = args.getLong("checkpointEvery", 0);
        if (every < 0) {
            throw new IllegalArgumentException("argument 'checkpointEvery' must be 0 (none) or positive, got " + every);
        }
        long each = samples / tasks;
        long extra = samples % tasks;
        return LongStream.range(0, tasks).mapToObj(i -> each + (i < extra ? 1 : 0));
    }

    @Override
    public Long execute(Long samples, TaskContext context) {
        return countInside(context.taskIndex(), samples, context.args().getLong("checkpointEvery", 0), context, null);
    }

    /** Points inside the quarter circle among {@code samples} drawn for task {@code index}. */
    public static long countInside(long index, long samples, TaskContext context) {
        return countInside(index, samples, 0, context, null);
    }

    /**
     * Points inside the quarter circle among {@code samples} drawn for task {@code index}, saving a checkpoint every
     * {@code checkpointEvery} samples (0: none) and starting from the context's checkpoint if it has one.
     *
     * @param computed told of each stretch computed (null: nobody)
     */
    public static long countInside(long index, long samples, long checkpointEvery, TaskContext context,
            Computed computed) {
        long done = 0;
        long inside = 0;
        if (checkpointEvery > 0 && context != null) {
            byte[] state = context.checkpoint().orElse(null);
            if (state != null) {
                ByteBuffer b = ByteBuffer.wrap(state);
                done = b.getLong();
                inside = b.getLong();
            }
        }
        long seed = SEED + index * 0xBF58476D1CE4E5B9L + 2 * done * GAMMA; // two draws per sample
        long step = 1 << 22;
        if (checkpointEvery > 0) {
            step = Math.max(1, Math.min(step, checkpointEvery / 16));
        }
        long nextCheckpoint = checkpointEvery > 0 ? done + checkpointEvery : Long.MAX_VALUE;
        while (done < samples) {
            long chunk = Math.min(Math.min(step, samples - done), nextCheckpoint - done);
            for (long i = 0; i < chunk; i++) {
                seed += GAMMA;
                double x = (mix64(seed) >>> 11) * 0x1.0p-53;
                seed += GAMMA;
                double y = (mix64(seed) >>> 11) * 0x1.0p-53;
                if (x * x + y * y <= 1.0) {
                    inside++;
                }
            }
            if (computed != null) {
                computed.samples(index, done, done + chunk);
            }
            done += chunk;
            if (context != null) {
                context.checkCancelled();
                context.reportProgress((double) done / samples);
                if (done == nextCheckpoint && done < samples) {
                    context.saveCheckpoint(ByteBuffer.allocate(16).putLong(done).putLong(inside).array());
                    nextCheckpoint += checkpointEvery;
                }
            }
        }
        return inside;
    }

    /** SplitMix64's output function (as in SplittableRandom). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public Double merge(Stream<Long> insideCounts, JobArgs args) {
        long samples = args.getLong("samples", 100_000_000L);
        long inside = insideCounts.mapToLong(Long::longValue).sum();
        return 4.0 * inside / samples;
    }
}
