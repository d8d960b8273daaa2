package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each attempt's System.out and System.err land in its own bounded log; everything else in the original streams. */
class TaskOutputCaptureTest {

    @Test
    void twoTasksPrintingAtTheSameTimeLandInTheirOwnLogs() throws Exception {
        TaskOutputCapture.install();
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<TaskLog> a = pool.submit(() -> printAs("A", together));
            Future<TaskLog> b = pool.submit(() -> printAs("B", together));
            String textA = a.get(30, TimeUnit.SECONDS).text(StandardCharsets.UTF_8);
            String textB = b.get(30, TimeUnit.SECONDS).text(StandardCharsets.UTF_8);
            for (int i = 0; i < 200; i++) {
                assertThat(textA).contains("out A " + i + "\n").contains("err A " + i + "\n").contains("child A " + i + "\n");
                assertThat(textB).contains("out B " + i + "\n").contains("err B " + i + "\n").contains("child B " + i + "\n");
            }
            assertThat(textA).doesNotContain(" B ");
            assertThat(textB).doesNotContain(" A ");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Prints on System.out and System.err, and from a thread it starts, interleaved with another task doing the same. */
    private static TaskLog printAs(String who, CyclicBarrier together) throws Exception {
        TaskLog log = new TaskLog(1 << 20);
        TaskOutputCapture.begin(log);
        try {
            together.await(10, TimeUnit.SECONDS);
            Thread child = new Thread(() -> {
                for (int i = 0; i < 200; i++) {
                    System.out.println("child " + who + " " + i);
                }
            });
            child.start();
            for (int i = 0; i < 200; i++) {
                System.out.println("out " + who + " " + i);
                System.err.println("err " + who + " " + i);
            }
            child.join();
        } finally {
            TaskOutputCapture.end(log);
        }
        return log;
    }

    @Test
    void writesOfNoTaskAndAfterTheAttemptEndedGoToTheOriginalStreams() throws Exception {
        TaskOutputCapture.install();
        TaskLog log = new TaskLog(1024);
        TaskOutputCapture.begin(log);
        System.out.print("during");
        TaskOutputCapture.end(log);
        System.out.print(""); // the thread's writes are its own again
        Thread late = new Thread(() -> System.out.print("late"));
        TaskLog other = new TaskLog(1024);
        TaskOutputCapture.begin(other);
        TaskOutputCapture.end(other); // a thread started by an attempt that has ended
        late.start();
        late.join();
        assertThat(log.text(StandardCharsets.UTF_8)).isEqualTo("during");
        assertThat(other.total()).isZero();
    }

    @Test
    void aLogOverItsLimitKeepsTheHeadAndTheTailAndSaysHowMuchWasCut() {
        TaskLog log = new TaskLog(100);
        PrintStream out = new PrintStream(new ByteArrayOutputStream() {
            @Override
            public void write(byte[] b, int off, int len) {
                log.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        out.print("HEAD:");
        for (int i = 0; i < 1000; i++) {
            out.print("line " + i + "\n");
        }
        out.print(":TAIL");
        String text = log.text(StandardCharsets.UTF_8);
        long written = "HEAD:".length() + ":TAIL".length();
        for (int i = 0; i < 1000; i++) {
            written += ("line " + i + "\n").length();
        }
        assertThat(log.total()).isEqualTo(written);
        assertThat(log.cutBytes()).isEqualTo(written - 100);
        assertThat(text).startsWith("HEAD:line 0\n").endsWith("line 999\n:TAIL")
                .contains("[... " + (written - 100) + " bytes of output cut: over the limit of 100 bytes");
        String kept = text.replaceAll("\n?\\[\\.\\.\\. .* \\.\\.\\.\\]\n", "");
        assertThat(kept.getBytes(StandardCharsets.UTF_8)).hasSize(100);
    }

    @Test
    void aLogUnderItsLimitIsWhole() {
        TaskLog log = new TaskLog(64);
        byte[] bytes = "héllo\nwörld\n".getBytes(StandardCharsets.UTF_8);
        log.write(bytes, 0, bytes.length);
        assertThat(log.text(StandardCharsets.UTF_8)).isEqualTo("héllo\nwörld\n");
        assertThat(log.cutBytes()).isZero();
    }

    @Test
    void aSingleWriteLargerThanTheTailKeepsItsEnd() {
        TaskLog log = new TaskLog(10);
        byte[] bytes = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        log.write(bytes, 0, bytes.length);
        assertThat(log.text(StandardCharsets.US_ASCII)).startsWith("01234\n[... 10 bytes").endsWith("...]\nfghij");
    }

    @Test
    void theWorkerOptionIsBounded() {
        assertThat(WorkerOptions.builder().build().taskLogLimit()).isEqualTo(64 << 10);
        assertThat(WorkerOptions.builder().taskLogLimit(0).build().taskLogLimit()).isZero();
        assertThatThrownBy(() -> WorkerOptions.builder().taskLogLimit((1 << 20) + 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task-log-limit");
        assertThatThrownBy(() -> WorkerOptions.builder().taskLogLimit(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task-log-limit");
    }
}
