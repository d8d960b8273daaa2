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

    @Option(names = "--require", paramLabel = "EXPR",
            description = {"Run tasks only on workers that match, e.g. 'os=linux && mem>=4g && gpu=a100': worker labels "
                    + "(--label) and os, arch, java, mem, cores, slots, name compared with = != >= <= > <, joined by &&; "
                    + "sizes may end in k, m, g, t.", "Until a matching worker is connected the job stays QUEUED and "
                    + "grid status says why."})
    String require;

    @Option(names = "--slots-per-task", paramLabel = "N",
            description = "Worker slots each task occupies, for tasks that use several cores (default: the job's, else 1).")
    int slotsPerTask;

    @Option(names = "--priority", paramLabel = "N",
            description = "From -1000 to 1000; higher runs first (default: the job's, else 0). Jobs of equal priority "
                    + "share the workers fairly, between users first, then between jobs.")
    int priority;

    @Option(names = "--no-speculation",
            description = "Never start a second attempt of a slow task near the end (for tasks with side effects).")
    boolean noSpeculation;

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
        if (slotsPerTask < 0 || slotsPerTask > 4096) {
            throw CliException.usage("--slots-per-task must be from 1 to 4096");
        }
        if (priority < -1000 || priority > 1000) {
            throw CliException.usage("--priority must be from -1000 to 1000");
        }
        if (out != null && !wait) {
            throw CliException.usage("--out needs --wait (or use: grid result JOB --out FILE)");
        }
        JobSubmission.Builder builder = JobSubmission.builder()
                .jar(jar)
                .jobClass(jobClass)
                .args(values)
                .maxAttempts(maxAttempts)
                .taskTimeout(taskTimeout == null ? Duration.ZERO : taskTimeout)
                .require(require == null ? "" : require)
                .slotsPerTask(slotsPerTask)
                .priority(priority);
        if (noSpeculation) {
            builder.noSpeculation();
        }
        JobSubmission submission = builder.build();
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
