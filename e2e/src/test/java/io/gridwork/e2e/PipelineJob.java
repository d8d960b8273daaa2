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
 * A stage of a pipeline for {@code PipelineIT}: {@code tasks} tasks, task i outputs i + 1 after sleeping {@code ms};
 * the result is {@code in + plus + 1 + 2 + ... + tasks} (so a stage's result says which results it was given). Each
 * task appends "STAGE start i" and "STAGE end i" to {@code log}; {@code fail=true} makes every task fail.
 */
public final class PipelineJob extends GridJob<Long, Long, Long> {

    public PipelineJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public java.util.Set<String> arguments() {
        return java.util.Set.of("stage", "in", "plus", "tasks", "ms", "log", "fail");
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        args.getLong("in", 0); // a result that is not a number is refused here, when the stage starts
        args.getLong("plus", 0);
        return LongStream.range(0, args.getLong("tasks")).boxed();
    }

    @Override
    public Long execute(Long i, TaskContext context) throws InterruptedException {
        JobArgs args = context.args();
        String stage = args.get("stage");
        append(args, stage + " start " + i);
        Thread.sleep(args.getLong("ms", 0));
        if (Boolean.parseBoolean(args.get("fail", "false"))) {
            throw new IllegalStateException("stage " + stage + " fails on purpose");
        }
        append(args, stage + " end " + i);
        return i + 1;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return args.getLong("in", 0) + args.getLong("plus", 0) + outputs.mapToLong(Long::longValue).sum();
    }

    /** The result of a stage with {@code tasks} tasks given {@code in} and {@code plus}. */
    static long expected(long in, long plus, long tasks) {
        return in + plus + tasks * (tasks + 1) / 2;
    }

    private static void append(JobArgs args, String line) {
        String log = args.get("log", "");
        if (log.isEmpty()) {
            return;
        }
        try {
            Files.writeString(Path.of(log), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
