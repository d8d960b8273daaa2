package io.gridwork.cli;

import io.gridwork.client.GridClient;
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
                "The same jar is never sent twice. With --wait: shows progress on stderr, prints the result and exits "
                + "with the job's outcome (0 succeeded, 1 failed or cancelled)."})
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
            description = "With --wait: give up waiting after this long (exit 3; the job goes on).")
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
            if (!wait) {
                if (client.json()) {
                    stdout.println(Json.print(c.status(id)));
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
}
