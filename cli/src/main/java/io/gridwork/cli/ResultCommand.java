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
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "result", description = {"Prints the result of a job that succeeded (or writes it to --out FILE).",
        "A binary result (such as an image) needs --out, unless stdout is not a terminal."})
final class ResultCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

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
                spec.commandLine().getOut().println(Json.print(header));
                spec.commandLine().getOut().flush();
                if (out != null) {
                    Outcome.save(r, out, spec.commandLine().getErr());
                }
                return ExitCodes.OK;
            }
            Outcome.printResult(c, jobId, null, out, spec.commandLine().getOut(), spec.commandLine().getErr());
            return ExitCodes.OK;
        }
    }
}
