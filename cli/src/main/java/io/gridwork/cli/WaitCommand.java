package io.gridwork.cli;

import io.gridwork.client.GridClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(mixinStandardHelpOptions = true, name = "wait", description = {"Waits for a job to end and prints its result.",
        "Shows progress on stderr; exits with the job's outcome (0 succeeded, 1 failed or cancelled). "
        + "Keeps waiting across a master restart, and, with several masters (--master a:7070,b:7070), across a "
        + "failover: when the master it follows dies it follows the job on another."})
final class WaitCommand implements Callable<Integer> {

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String jobId;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the result to FILE.")
    Path out;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Give up after this long (exit 6; the job goes on).")
    Duration waitTimeout;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        try (GridClient c = client.connect()) {
            // an unknown job is an error at once; a master that is restarting is waited for
            return Outcome.await(c, jobId, client, out, waitTimeout == null ? Duration.ofDays(3650) : waitTimeout,
                    client.out(), client.err());
        }
    }
}
