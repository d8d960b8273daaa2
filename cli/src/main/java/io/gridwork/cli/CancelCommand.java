package io.gridwork.cli;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.client.GridClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(mixinStandardHelpOptions = true, name = "cancel", description = "Cancels a job that has not ended; its running tasks are stopped.")
final class CancelCommand implements Callable<Integer> {

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String jobId;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the job's error message.")
    String reason;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        try (GridClient c = client.connect()) {
            JobStatus s = c.cancel(jobId, reason);
            return client.print(s, () -> s.getId() + " " + s.getState());
        }
    }
}
