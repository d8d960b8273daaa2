package io.gridwork.e2e;

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
 * A job for fault injection. Task i works for {@code ms} milliseconds (reporting progress) and returns i*i+1; the
 * result is {@code count=<outputs merged> sum=<their sum>}, so a lost or doubly merged output shows. Each start of
 * a task is appended to the file {@code log} (when given). Faults: {@code throwOn=i} always throws, {@code hangOn=i}
 * hangs on its first attempt (ignoring cancellation, without progress), {@code exitOn=i} calls System.exit.
 */
public final class ChaosJob extends GridJob<Long, Long, String> {

    public ChaosJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.STRING);
    }

    /** The result of a run without faults. */
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
        JobArgs args = context.args();
        String log = args.get("log", "");
        if (!log.isEmpty()) {
            String line = i + " " + context.attempt() + " " + ProcessHandle.current().pid() + "\n";
            try {
                Files.writeString(Path.of(log), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (i == args.getLong("throwOn", -1)) {
            throw new IllegalStateException("task " + i + " always fails");
        }
        if (i == args.getLong("exitOn", -1)) {
            System.exit(3);
        }
        if (i == args.getLong("hangOn", -1) && context.attempt() == 1) {
            while (true) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ignored) {
                    // a hung task does not listen
                }
            }
        }
        long ms = args.getLong("ms", 100);
        long end = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < end) {
            context.checkCancelled();
            context.reportProgress(1.0 - (end - System.nanoTime()) / (ms * 1e6));
            Thread.sleep(Math.min(20, ms));
        }
        return i * i + 1;
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
