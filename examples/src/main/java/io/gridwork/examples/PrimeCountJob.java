package io.gridwork.examples;

import io.gridwork.sdk.Codec;
import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Counts the primes below {@code limit} exactly: the range is cut into {@code tasks} slices, each counted by a
 * segmented sieve. The result is the bare count; for {@code limit=20000000} it is 1270607.
 *
 * <pre>
 * grid submit --jar examples/target/gridwork-examples.jar --job io.gridwork.examples.PrimeCountJob \
 *     --arg limit=20000000 --arg tasks=200 --wait
 * </pre>
 *
 * It also shows a codec of a job's own type: {@link Range}.
 */
public final class PrimeCountJob extends GridJob<PrimeCountJob.Range, Long, Long> {

    /** The numbers from {@code from} (inclusive) to {@code to} (exclusive). */
    public record Range(long from, long to) {}

    /** Two longs, big-endian. */
    public static final Codec<Range> RANGE = new Codec<>() {
        @Override
        public byte[] encode(Range r) {
            return ByteBuffer.allocate(16).putLong(r.from()).putLong(r.to()).array();
        }

        @Override
        public Range decode(byte[] bytes) {
            if (bytes.length != 16) {
                throw new IllegalArgumentException("a range is 16 bytes, got " + bytes.length);
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            return new Range(b.getLong(), b.getLong());
        }
    };

    public PrimeCountJob() {
        super(RANGE, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Set<String> arguments() {
        return Set.of("limit", "tasks");
    }

    @Override
    public Stream<Range> split(JobArgs args) {
        long limit = args.getLong("limit");
        int tasks = args.getInt("tasks", 100);
        if (limit < 0 || limit > 1_000_000_000_000L) {
            throw new IllegalArgumentException("argument 'limit' must be from 0 to 10^12, got " + limit);
        }
        if (tasks < 1) {
            throw new IllegalArgumentException("argument 'tasks' must be positive, got " + tasks);
        }
        long size = Math.max(1, (limit + tasks - 1) / tasks);
        long slices = limit == 0 ? 1 : (limit + size - 1) / size;
        return LongStream.range(0, slices).mapToObj(i -> new Range(i * size, Math.min(limit, (i + 1) * size)));
    }

    @Override
    public Long execute(Range range, TaskContext context) {
        return countPrimes(range.from(), range.to(), context);
    }

    /** The number of primes p with from <= p < to. */
    public static long countPrimes(long from, long to, TaskContext context) {
        if (to <= 2 || to <= from) {
            return 0;
        }
        from = Math.max(from, 2);
        int root = (int) Math.sqrt((double) to) + 1;
        BitSet composite = new BitSet(root + 1);
        for (int i = 2; (long) i * i <= root; i++) {
            if (!composite.get(i)) {
                for (int j = i * i; j <= root; j += i) {
                    composite.set(j);
                }
            }
        }
        long count = 0;
        final int segment = 1 << 20;
        BitSet marks = new BitSet(segment);
        for (long low = from; low < to; low += segment) {
            long high = Math.min(to, low + segment);
            marks.clear();
            for (int p = 2; (long) p * p < high; p = composite.nextClearBit(p + 1)) {
                long start = Math.max((long) p * p, (low + p - 1) / p * p);
                for (long m = start; m < high; m += p) {
                    marks.set((int) (m - low));
                }
            }
            count += (high - low) - marks.cardinality();
            if (context != null) {
                context.checkCancelled();
                context.reportProgress((double) (high - from) / (to - from));
            }
        }
        return count;
    }

    @Override
    public Long merge(Stream<Long> counts, JobArgs args) {
        return counts.mapToLong(Long::longValue).sum();
    }
}
