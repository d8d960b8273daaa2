package io.gridwork.cli;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.client.GridClient;
import io.gridwork.client.GridException;
import io.gridwork.client.JobSubmission;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "submit", sortOptions = false,
        description = {"Submits a job (its jar is uploaded once) and prints its id.",
                "The same jar is never sent twice. With --wait: shows progress on stderr (with why the job waits, when "
                + "it does), prints the result and exits with the job's outcome (0 succeeded, 1 failed or cancelled).",
                "Warns on stderr when no worker connected now can run the job (its --require, its --slots-per-task)."})
final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobSpecOptions job;

    @Option(names = "--wait", description = "Wait for the job to end, print its result, exit with its outcome.")
    boolean wait;

    @Option(names = "--out", paramLabel = "FILE", description = "With --wait: write the result to FILE (for binary results such as images).")
    Path out;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --wait: give up waiting after this long (exit 6; the job goes on). Ctrl-C also stops "
                    + "the wait, not the job.")
    Duration waitTimeout;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() throws Exception {
        JobSubmission submission = job.submission();
        if (out != null && !wait) {
            throw CliException.usage("--out needs --wait (or use: grid result JOB --out FILE)");
        }
        try (GridClient c = client.connect()) {
            String id = c.submit(submission);
            var stdout = spec.commandLine().getOut();
            JobStatus status = statusOrNull(c, id);
            String unrunnable = status == null ? null : unrunnable(status);
            if (unrunnable != null) {
                var stderr = spec.commandLine().getErr();
                stderr.println("grid submit: warning: job " + id + " waits: " + unrunnable + "; it starts once a "
                        + "worker that can run it connects (grid cancel " + id + " to drop it)");
                stderr.flush();
            }
            if (!wait) {
                if (client.json()) {
                    stdout.println(Json.print(status != null ? status : c.status(id)));
                } else {
                    stdout.println(id);
                }
                stdout.flush();
                return ExitCodes.OK;
            }
            return Outcome.await(c, id, client, out, waitTimeout == null ? Duration.ofDays(3650) : waitTimeout, stdout,
                    spec.commandLine().getErr());
        }
    }

    /** The job's status just after it was submitted, or null if the master cannot say (the job is submitted anyway). */
    private static JobStatus statusOrNull(GridClient c, String id) {
        try {
            return c.status(id);
        } catch (GridException e) {
            return null;
        }
    }

    /**
     * Why no worker connected now can run the job (none connected, none matches its requirement, none has enough
     * slots), as the master says in its waiting reason; null if some worker can.
     */
    static String unrunnable(JobStatus status) {
        String reason = status.getWaitingReason();
        return reason.startsWith("no worker") || reason.startsWith("no matching worker") ? reason : null;
    }
}
