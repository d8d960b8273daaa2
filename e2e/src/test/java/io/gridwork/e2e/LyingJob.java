package io.gridwork.e2e;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * A faulty or dishonest worker, emulated: {@code n} tasks, task {@code i} outputs {@code "i:i*i"}, except on a worker
 * labelled {@code liar=true}, where it outputs {@code "i:i*i+1"}. Each task takes {@code ms} milliseconds. The merge
 * refuses a task merged twice or missing, and counts wrong outputs: {@code tasks=30 wrong=0}.
 */
public final class LyingJob extends GridJob<Long, String, String> {

    public LyingJob() {
        super(Codecs.LONG, Codecs.STRING, Codecs.STRING);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        long n = args.getLong("n");
        if (n < 1) {
            throw new IllegalArgumentException("argument 'n' must be at least 1");
        }
        return LongStream.range(0, n).boxed();
    }

    @Override
    public String execute(Long i, TaskContext context) throws Exception {
        long ms = context.args().getLong("ms", 0);
        if (ms > 0) {
            Thread.sleep(ms);
        }
        boolean liar = "true".equals(context.workerLabels().get("liar"));
        return i + ":" + (i * i + (liar ? 1 : 0));
    }

    @Override
    public String merge(Stream<String> outputs, JobArgs args) {
        int n = Math.toIntExact(args.getLong("n"));
        boolean[] seen = new boolean[n];
        long count = 0;
        long wrong = 0;
        for (String output : (Iterable<String>) outputs::iterator) {
            int colon = output.indexOf(':');
            int i = Integer.parseInt(output.substring(0, colon));
            if (seen[i]) {
                throw new IllegalStateException("task " + i + " was merged twice");
            }
            seen[i] = true;
            count++;
            if (Long.parseLong(output.substring(colon + 1)) != (long) i * i) {
                wrong++;
            }
        }
        if (count != n) {
            throw new IllegalStateException("merged " + count + " outputs of " + n + " tasks");
        }
        return "tasks=" + count + " wrong=" + wrong;
    }
}
