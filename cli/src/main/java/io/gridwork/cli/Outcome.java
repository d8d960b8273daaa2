package io.gridwork.cli;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.client.GridClient;
import io.gridwork.client.GridException;
import io.gridwork.client.JobResult;
import io.gridwork.client.JobSubmission;
import io.grpc.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/** Waiting for a job and showing how it ended: shared by {@code submit --wait} and {@code wait}. */
final class Outcome {

    private Outcome() {}

    /** Waits with progress on stderr, prints the result (or the error), returns the exit code. */
    static int await(GridClient client, String jobId, ClientOptions options, Path out, Duration timeout,
            PrintWriter stdout, PrintWriter stderr) {
        Progress progress = new Progress(stderr, Terminal.stderr());
        StopNotice notice = new StopNotice(progress, stderr);
        notice.following(jobId);
        JobStatus last;
        long start = System.nanoTime();
        try {
            last = client.await(jobId, timeout, progress::update, progress::reconnecting);
        } catch (GridException e) {
            throw timedOut(e, jobId, start, timeout);
        } finally {
            notice.remove();
            progress.finish();
        }
        return report(client, jobId, last, options, out, stdout, stderr);
    }

    /**
     * Submits the job and waits for it on one call to the master ({@link GridClient#submitAndAwait}): the first
     * status (the job stored) goes to {@code stored} before the progress shows it; then as {@link #await}.
     */
    static int submitAndAwait(GridClient client, JobSubmission submission, ClientOptions options, Path out,
            Duration timeout, PrintWriter stdout, PrintWriter stderr, Consumer<JobStatus> stored) throws IOException {
        Progress progress = new Progress(stderr, Terminal.stderr());
        StopNotice notice = new StopNotice(progress, stderr);
        String[] id = {null};
        JobStatus last;
        long start = System.nanoTime();
        try {
            last = client.submitAndAwait(submission, timeout, status -> {
                if (id[0] == null) {
                    id[0] = status.getId();
                    notice.following(id[0]); // from now on Ctrl-C leaves a stored job behind: say so
                }
                stored.accept(status);
                progress.update(status);
            }, progress::reconnecting);
        } catch (GridException e) {
            if (id[0] == null) {
                throw e; // refused, or not acknowledged: nothing to wait for
            }
            throw timedOut(e, id[0], start, timeout);
        } finally {
            notice.remove();
            progress.finish();
        }
        return report(client, id[0], last, options, out, stdout, stderr);
    }

    /** A wait that ran out (exit 6, naming the job and how to go on), or the failure as it is. */
    private static RuntimeException timedOut(GridException e, String jobId, long start, Duration timeout) {
        if (e.code() == Status.Code.DEADLINE_EXCEEDED && System.nanoTime() - start >= timeout.toNanos()) {
            return new CliException(ExitCodes.WAIT_TIMEOUT, "job " + jobId + " did not end within "
                    + Formats.duration(timeout) + " (--wait-timeout); it goes on: wait again with grid wait "
                    + jobId + ", or cancel it with grid cancel " + jobId, e);
        }
        return e;
    }

    /** How the job ended, on stdout and stderr; the exit code. */
    private static int report(GridClient client, String jobId, JobStatus last, ClientOptions options, Path out,
            PrintWriter stdout, PrintWriter stderr) {
        if (last.getState() != JobStatus.State.SUCCEEDED) {
            if (options.json()) {
                stdout.println(Json.print(last));
                stdout.flush();
            }
            stderr.println("grid: job " + jobId + " " + last.getState()
                    + (last.hasError() ? ": " + last.getError() : ""));
            stderr.flush();
            return ExitCodes.JOB_FAILED;
        }
        if (options.json()) {
            stdout.println(Json.print(last));
            stdout.flush();
            if (out != null) {
                save(client.result(jobId), out, stderr);
            }
            return ExitCodes.OK;
        }
        printResult(client, jobId, last.hasResult() ? last.getResult() : null, out, stdout, stderr);
        return ExitCodes.OK;
    }

    /**
     * What Ctrl-C (or SIGTERM) prints while a job is waited for: the wait stops, not the job. A shutdown hook from
     * {@link #following} (once the job's id is known) until {@link #remove}.
     */
    private static final class StopNotice {
        private final Progress progress;
        private final PrintWriter stderr;
        private Thread hook;

        StopNotice(Progress progress, PrintWriter stderr) {
            this.progress = progress;
            this.stderr = stderr;
        }

        void following(String jobId) {
            Thread t = new Thread(() -> {
                progress.finish();
                stderr.println(stoppedWaiting(jobId));
                stderr.flush();
            }, "gridwork-wait-interrupted");
            if (addShutdownHook(t)) {
                hook = t;
            }
        }

        void remove() {
            if (hook != null) {
                removeShutdownHook(hook);
                hook = null;
            }
        }
    }

    /** What Ctrl-C during a wait prints: the job goes on, and how to wait for it or cancel it. */
    static String stoppedWaiting(String jobId) {
        return "grid: stopped waiting; job " + jobId + " goes on: wait for it with grid wait " + jobId
                + ", or cancel it with grid cancel " + jobId;
    }

    private static boolean addShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        } catch (IllegalStateException e) {
            return false; // the JVM is already shutting down
        }
    }

    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs, which is right, as the wait did not end on its own
        }
    }

    /**
     * Shows a succeeded job's result: its text on stdout, or into {@code out}; a binary result goes to
     * {@code out}, or to stdout when stdout is not a terminal.
     */
    static void printResult(GridClient client, String jobId, String text, Path out, PrintWriter stdout,
            PrintWriter stderr) {
        if (out != null) {
            save(client.result(jobId), out, stderr);
            return;
        }
        if (text != null) {
            stdout.print(text.endsWith("\n") ? text : text + "\n");
            stdout.flush();
            return;
        }
        JobResult result = client.result(jobId);
        if (result.text().isPresent()) {
            stdout.print(result.text().get().endsWith("\n") ? result.text().get() : result.text().get() + "\n");
            stdout.flush();
        } else if (!Terminal.stdout() && stdout == Main.STDOUT) {
            System.out.write(result.bytes(), 0, result.size());
            System.out.flush();
        } else {
            stderr.println("grid: the result of job " + jobId + " is binary (" + result.mediaType() + ", "
                    + Formats.count(result.size(), "byte") + "): save it with grid result " + jobId + " --out FILE");
            stderr.flush();
        }
    }

    static void save(JobResult result, Path out, PrintWriter stderr) {
        byte[] bytes = result.text().map(t -> (t.endsWith("\n") ? t : t + "\n").getBytes(StandardCharsets.UTF_8))
                .orElseGet(result::bytes);
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(out, bytes);
        } catch (IOException e) {
            throw CliException.usage("cannot write " + out + ": " + e.getMessage());
        }
        stderr.println("result of job " + result.jobId() + " written to " + out + " ("
                + Formats.count(bytes.length, "byte") + ", " + result.mediaType() + ")");
        stderr.flush();
    }
}
