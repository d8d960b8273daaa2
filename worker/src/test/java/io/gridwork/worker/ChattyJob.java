package io.gridwork.worker;

import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * n tasks that print on System.out and System.err (and from a thread they start) and return their index; task
 * {@code fail} (if given) throws, with a cause, on every attempt; task {@code loud} prints {@code bytes} bytes.
 */
public final class ChattyJob extends GridJob<Long, Long, Long> {

    public ChattyJob() {
        super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
    }

    @Override
    public Stream<Long> split(JobArgs args) {
        return LongStream.range(0, args.getLong("n")).boxed();
    }

    @Override
    public Long execute(Long index, TaskContext context) throws Exception {
        for (int i = 0; i < 50; i++) {
            System.out.println("task " + index + " attempt " + context.attempt() + " out " + i);
            System.err.println("task " + index + " attempt " + context.attempt() + " err " + i);
            Thread.sleep(1);
        }
        Thread helper = new Thread(() -> System.out.println("task " + index + " helper thread"));
        helper.start();
        helper.join();
        if (index == context.args().getLong("loud", -1)) {
            StringBuilder line = new StringBuilder();
            for (long written = 0; written < context.args().getLong("bytes", 0); written += 100) {
                line.setLength(0);
                line.append("loud ").append(written).append(' ');
                while (line.length() < 99) {
                    line.append('.');
                }
                System.out.println(line);
            }
            System.out.println("loud end");
        }
        if (index == context.args().getLong("fail", -1)) {
            throw new IllegalStateException("task " + index + " gives up",
                    new java.io.IOException("the disk is full"));
        }
        return index;
    }

    @Override
    public Long merge(Stream<Long> outputs, JobArgs args) {
        return outputs.mapToLong(Long::longValue).sum();
    }
}
