package io.gridwork.bench.jobs;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * A job whose result shows a lost or doubly merged task, for master failovers. Task i waits {@code ms} milliseconds
 * (reporting progress, listening to cancellation) and returns i*i+1; the result is
 * {@code count=<outputs merged> sum=<their sum>}, which equals {@link #expected(long)} only when every task's output
 * was merged exactly once. With {@code log=FILE} every task appends {@code start i attempt pid epochMillis} when it
 * starts and {@code done i attempt pid epochMillis} when it returns, so a test can tell a task that ran to its end
 * twice (a finished task run again) from one that was only started again. Subclasses may inject faults in
 * {@link #beforeWork}.
 */
public class TallyJob extends GridJob<Long, Long, String> {

    public TallyJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.STRING);
    }

    /** The result of a run in which every one of {@code n} tasks was merged exactly once. */
    public static String expected(long n) {
        long sum = 0;
        for (long i = 0; i < n; i++) {
            sum += i * i + 1;
        }
        return "count=" + n + " sum=" + sum;
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, args.getLong("n")).boxed();
    }

    @Override
    public Long execute(Long i, TaskContext context) throws Exception {
        String log = context.args().get("log", "");
        record(log, "start", i, context);
        beforeWork(i, context);
        long ms = context.args().getLong("ms", 100);
        long end = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < end) {
            context.checkCancelled();
            context.reportProgress(1.0 - (end - System.nanoTime()) / (ms * 1e6));
            Thread.sleep(Math.max(1, Math.min(20, (end - System.nanoTime()) / 1_000_000L)));
        }
        record(log, "done", i, context);
        return i * i + 1;
    }

    /** Called when task {@code i} starts, after its start is recorded: a fault injected here shows in the log. */
    protected void beforeWork(long i, TaskContext context) throws Exception {
        // a tally has no faults
    }

    private static void record(String log, String what, long i, TaskContext context) {
        if (log.isEmpty()) {
            return;
        }
        String line = what + " " + i + " " + context.attempt() + " " + ProcessHandle.current().pid() + " "
                + System.currentTimeMillis() + "\n";
        try {
            // one short append per line: lines of concurrent tasks and workers do not interleave
            Files.writeString(Path.of(log), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String merge(Stream<Long> outputs, JobArgs args) {
        long[] countAndSum = {0, 0};
        outputs.forEach(o -> {
            countAndSum[0]++;
            countAndSum[1] += o;
        });
        return "count=" + countAndSum[0] + " sum=" + countAndSum[1];
    }
}
