package io.gridwork.bench.jobs;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Machines of different speeds, emulated: {@code n} tasks that each take {@code ms} milliseconds times the running
 * worker's {@code slowness} label (a worker started with {@code --label slowness=8} is eight times slower). Each task
 * returns its index and the worker that ran it. The merge refuses a task merged twice or missing, and reports how
 * many tasks each worker ran: {@code tasks=40 fast-1=18 fast-2=19 slow=3}.
 */
public final class BalanceJob extends GridJob<Long, String, String> {

    public BalanceJob() {
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
    public String execute(Long index, TaskContext context) throws Exception {
        double slowness = Double.parseDouble(context.workerLabels().getOrDefault("slowness", "1"));
        long ms = Math.round(context.args().getLong("ms", 100) * slowness);
        long end = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < end) {
            context.checkCancelled();
            Thread.sleep(Math.max(1, Math.min(20, (end - System.nanoTime()) / 1_000_000L)));
        }
        return index + " " + context.workerName();
    }

    @Override
    public String merge(Stream<String> outputs, JobArgs args) {
        long n = args.getLong("n");
        boolean[] seen = new boolean[Math.toIntExact(n)];
        Map<String, Integer> perWorker = new TreeMap<>();
        long count = 0;
        for (String output : (Iterable<String>) outputs::iterator) {
            int space = output.indexOf(' ');
            int index = Integer.parseInt(output.substring(0, space));
            if (seen[index]) {
                throw new IllegalStateException("task " + index + " was merged twice");
            }
            seen[index] = true;
            count++;
            perWorker.merge(output.substring(space + 1), 1, Integer::sum);
        }
        if (count != n) {
            throw new IllegalStateException("merged " + count + " outputs of " + n + " tasks");
        }
        StringBuilder b = new StringBuilder("tasks=").append(count);
        perWorker.forEach((worker, tasks) -> b.append(' ').append(worker).append('=').append(tasks));
        return b.toString();
    }
}
