package io.gridwork.sdk;

import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A computation that Gridwork splits into tasks, runs on the workers and merges: the one class a job author
 * writes. The class needs a public constructor without parameters; the master and the workers create it from
 * the uploaded jar, so it must not rely on anything outside that jar and this SDK.
 *
 * <pre>{@code
 * public final class SquareSumJob extends GridJob<Long, Long, Long> {
 *     public SquareSumJob() {
 *         super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
 *     }
 *
 *     // the --arg names it takes: any other is refused at submission
 *     public Set<String> arguments() {
 *         return Set.of("n", "chunk");
 *     }
 *
 *     // on the master: the job's arguments -> the task inputs (here the first number of each chunk), lazily
 *     public Stream<Long> split(JobArgs args) {
 *         long n = args.getLong("n");
 *         long chunk = args.getLong("chunk", 100_000);
 *         return LongStream.iterate(0, from -> from < n, from -> from + chunk).boxed();
 *     }
 *
 *     // on a worker: one input -> one output
 *     public Long execute(Long from, TaskContext context) {
 *         long to = Math.min(context.args().getLong("n"), from + context.args().getLong("chunk", 100_000));
 *         long sum = 0;
 *         for (long x = from; x < to; x++) {
 *             sum += x * x;
 *         }
 *         return sum;
 *     }
 *
 *     // on the master: the outputs, in task order -> the job's result
 *     public Long merge(Stream<Long> outputs, JobArgs args) {
 *         return outputs.mapToLong(Long::longValue).sum();
 *     }
 * }
 * }</pre>
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #split} is called once when the job is submitted (it should check its arguments right away:
 *       an {@link IllegalArgumentException} it throws makes the submission fail with that message) and
 *       again if the master restarts before the split is complete, so it must produce the same inputs in the
 *       same order for the same arguments. The stream is consumed lazily, a batch at a time, so a job of a
 *       million tasks is never held in memory at once.</li>
 *   <li>{@link #execute} may run more than once for the same input (a retry, or a task reassigned from a
 *       worker that was lost), possibly at the same time on two workers; only one output per task is ever
 *       merged. It should not depend on which worker or attempt runs it.</li>
 *   <li>{@link #merge} receives exactly one output per task, in task order, read from the master's store as
 *       the stream is consumed; the job's answer is therefore the same however its tasks were spread, retried
 *       or reassigned.</li>
 * </ul>
 *
 * @param <I> task input type
 * @param <O> task output type
 * @param <R> job result type
 */
public abstract class GridJob<I, O, R> {

    private final Codec<I> inputCodec;
    private final Codec<O> outputCodec;
    private final Codec<R> resultCodec;

    /**
     * @param inputCodec encodes task inputs (made by {@code split} on the master, read by {@code execute})
     * @param outputCodec encodes task outputs (made by {@code execute} on a worker, read by {@code merge})
     * @param resultCodec encodes the job's result; its {@link Codec#toText} is what {@code grid result} shows
     */
    protected GridJob(Codec<I> inputCodec, Codec<O> outputCodec, Codec<R> resultCodec) {
        this.inputCodec = Objects.requireNonNull(inputCodec, "inputCodec");
        this.outputCodec = Objects.requireNonNull(outputCodec, "outputCodec");
        this.resultCodec = Objects.requireNonNull(resultCodec, "resultCodec");
    }

    /** Runs on the master: the task inputs of a job with these arguments, in task order. */
    public abstract Stream<I> split(JobArgs args) throws Exception;

    /** Runs on a worker: the output of one task. Throw {@link NonRetryableException} for a failure retries cannot fix. */
    public abstract O execute(I input, TaskContext context) throws Exception;

    /** Runs on the master: the job's result from the task outputs, given in task order. */
    public abstract R merge(Stream<O> outputs, JobArgs args) throws Exception;

    /**
     * The names of the arguments this job accepts ({@code --arg NAME=VALUE}). When the set is not empty, the master
     * refuses a submission with any other argument ({@code INVALID_ARGUMENT} naming it, with the closest declared
     * name as a suggestion), so that a misspelled {@code --arg sample=1e6} is not silently ignored. The default, an
     * empty set, means "not declared": every argument is passed to the job as given.
     *
     * <pre>{@code
     * @Override
     * public Set<String> arguments() {
     *     return Set.of("samples", "tasks");
     * }
     * }</pre>
     */
    public Set<String> arguments() {
        return Set.of();
    }

    /**
     * The data-set ranges a task will read, so the master can place it on a worker that already holds them (it waits a
     * bounded time for such a worker before it gives the task to any other). Called on the master for each task as it
     * is split; the default, no ranges, places the task anywhere.
     */
    public java.util.List<DataRange> dataNeeds(I input) {
        return java.util.List.of();
    }

    /** Settings this job chooses for itself; the default chooses nothing. */
    public JobOptions options(JobArgs args) {
        return JobOptions.DEFAULTS;
    }

    public final Codec<I> inputCodec() {
        return inputCodec;
    }

    public final Codec<O> outputCodec() {
        return outputCodec;
    }

    public final Codec<R> resultCodec() {
        return resultCodec;
    }
}
