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
 * n tasks that each wait {@code ms} milliseconds (reporting progress) and return their index. Each start is
 * appended to the file {@code log} as {@code index attempt pid epochMillis}, so a benchmark can see when and where a
 * task ran again. {@code hangOn=i}: task i hangs on its first attempt, without progress and deaf to cancellation.
 */
public final class SleepyJob extends GridJob<Long, Long, Long> {

    public SleepyJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
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
            String line = i + " " + context.attempt() + " " + ProcessHandle.current().pid() + " "
                    + System.currentTimeMillis() + "\n";
            try {
                Files.writeString(Path.of(log), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (i == args.getLong("hangOn", -1) && context.attempt() == 1) {
            while (true) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ignored) {
                    // hung: deaf to cancellation
                }
            }
        }
        if (i == args.getLong("failOnce", -1) && context.attempt() == 1) {
            throw new IllegalStateException("task " + i + " fails its first attempt");
        }
        long ms = args.getLong("ms", 100);
        long end = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < end) {
            context.checkCancelled();
            context.reportProgress(1.0 - (end - System.nanoTime()) / (ms * 1e6));
            Thread.sleep(Math.min(50, Math.max(1, ms)));
        }
        return i;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
