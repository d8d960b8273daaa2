package io.gridwork.worker;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * Gives each task attempt its own {@code System.out} and {@code System.err}: installed once per JVM, it replaces both
 * with streams that send what a task's thread (or a thread it started, which inherits the attempt) writes to that
 * attempt's {@link TaskLog}, and everything else (the worker's own log, threads of no task) to the original streams.
 * Writes of a thread an attempt left running after it ended go to the original streams too.
 *
 * <p>Routing is by thread, not by class loader: a job's code and the libraries it calls (a logging library writing to
 * the console, say) are captured alike while they run on the task's threads.
 */
final class TaskOutputCapture {

    /** The attempt the current thread writes for; inherited by the threads it starts. */
    private static final InheritableThreadLocal<TaskLog> CURRENT = new InheritableThreadLocal<>();
    private static PrintStream originalOut;
    private static PrintStream originalErr;
    private static Charset charset;

    private TaskOutputCapture() {}

    /** Replaces {@code System.out} and {@code System.err}, once per JVM (later calls do nothing). */
    static synchronized void install() {
        if (originalOut != null) {
            return;
        }
        originalOut = System.out;
        originalErr = System.err;
        charset = consoleCharset();
        System.setOut(new PrintStream(new Router(originalOut), true, charset));
        System.setErr(new PrintStream(new Router(originalErr), true, charset));
    }

    /** Whether {@link #install()} has run. */
    static synchronized boolean installed() {
        return originalOut != null;
    }

    /** The charset task output is encoded in, and decoded from when it is sent. */
    static synchronized Charset charset() {
        return charset != null ? charset : consoleCharset();
    }

    /** From now on, what the current thread (and the threads it starts) writes goes to {@code log}. */
    static void begin(TaskLog log) {
        CURRENT.set(log);
    }

    /** The current thread writes to the original streams again; the log takes no more writes. */
    static void end(TaskLog log) {
        log.close();
        CURRENT.remove();
    }

    private static Charset consoleCharset() {
        String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }

    /** Sends each write to the current thread's attempt, if it has one still open, else to the original stream. */
    private static final class Router extends OutputStream {
        private final PrintStream original;

        Router(PrintStream original) {
            this.original = original;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            TaskLog log = CURRENT.get();
            if (log != null && !log.closed()) {
                log.write(b, off, len);
            } else {
                original.write(b, off, len);
            }
        }

        @Override
        public void flush() {
            TaskLog log = CURRENT.get();
            if (log == null || log.closed()) {
                original.flush();
            }
        }
    }
}
