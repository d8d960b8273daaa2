package io.gridwork.cli;

import io.gridwork.api.v1.ResultHeader;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(mixinStandardHelpOptions = true, name = "result", description = {"Prints the result of a job that succeeded (or writes it to --out FILE).",
        "A binary result (such as an image) needs --out, unless stdout is not a terminal."})
final class ResultCommand implements Callable<Integer> {

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String jobId;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the result to FILE.")
    Path out;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        try (GridClient c = client.connect()) {
            if (client.json()) {
                JobResult r = c.result(jobId);
                ResultHeader.Builder header = ResultHeader.newBuilder().setJobId(jobId).setMediaType(r.mediaType())
                        .setSize(r.size());
                r.text().ifPresent(header::setText);
                client.out().println(Json.print(header));
                client.out().flush();
                if (out != null) {
                    Outcome.save(r, out, client.err());
                }
                return ExitCodes.OK;
            }
            Outcome.printResult(c, jobId, null, out, client.out(), client.err());
            return ExitCodes.OK;
        }
    }
}
