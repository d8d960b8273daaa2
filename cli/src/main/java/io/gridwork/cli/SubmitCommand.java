package io.gridwork.cli;

import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    @Option(names = "--jar", required = true, paramLabel = "FILE", description = "The job's jar.")
    Path jar;

    @Option(names = "--job", required = true, paramLabel = "CLASS", description = "The job class (extends io.gridwork.sdk.GridJob).")
    String jobClass;

    @Option(names = "--arg", paramLabel = "KEY=VALUE",
            description = "A job argument; repeat for more. A value @FILE is the contents of FILE (@@ for a literal @).")
    List<String> args = new ArrayList<>();

    @Option(names = "--wait", description = "Wait for the job to end, print its result, exit with its outcome.")
    boolean wait;

    @Option(names = "--out", paramLabel = "FILE", description = "With --wait: write the result to FILE (for binary results such as images).")
    Path out;

    @Option(names = "--max-attempts", paramLabel = "N", description = "Attempts of a failing task before the job fails (default: the job's, else 3).")
    int maxAttempts;

    @Option(names = "--task-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Cancel and retry a task that runs this long without reporting progress.")
    Duration taskTimeout;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --wait: give up waiting after this long (exit 3; the job goes on).")
    Duration waitTimeout;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() throws Exception {
        var values = KeyValues.parse("--arg", args, true);
        if (!Files.isRegularFile(jar)) {
            throw CliException.usage("--jar: no such file " + jar);
        }
        if (maxAttempts < 0 || maxAttempts > 100) {
            throw CliException.usage("--max-attempts must be from 1 to 100");
        }
        if (out != null && !wait) {
            throw CliException.usage("--out needs --wait (or use: grid result JOB --out FILE)");
        }
        JobSubmission submission = JobSubmission.builder()
                .jar(jar)
                .jobClass(jobClass)
                .args(values)
                .maxAttempts(maxAttempts)
                .taskTimeout(taskTimeout == null ? Duration.ZERO : taskTimeout)
                .build();
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
