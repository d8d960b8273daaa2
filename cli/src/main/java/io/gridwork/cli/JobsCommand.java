package io.gridwork.cli;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListJobsResponse;
import io.gridwork.client.GridClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "jobs", description = "Lists the most recent jobs, newest first.")
final class JobsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "How many (default: ${DEFAULT-VALUE}, at most 1000).")
    int limit;

    @Option(names = "--schedule", paramLabel = "NAME", description = "Only the jobs this schedule started.")
    String schedule;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        if (limit < 1 || limit > 1000) {
            throw CliException.usage("--limit must be from 1 to 1000");
        }
        try (GridClient c = client.connect()) {
            List<JobStatus> jobs = schedule == null ? c.jobs(limit) : c.jobs(limit, schedule);
            var out = spec.commandLine().getOut();
            if (client.json()) {
                out.println(Json.print(ListJobsResponse.newBuilder().addAllJobs(jobs)));
                out.flush();
                return ExitCodes.OK;
            }
            Table table = new Table("ID", "STATE", "JOB", "TASKS", "SUBMITTED", "RAN", "RESULT/ERROR");
            for (JobStatus s : jobs) {
                String cls = s.getJobClass().substring(s.getJobClass().lastIndexOf('.') + 1);
                String detail = s.hasError() ? s.getError() : s.hasResult() ? s.getResult()
                        : s.getState() == JobStatus.State.SUCCEEDED ? s.getResultMediaType() : "";
                table.row(s.getId(), s.getState(), cls, s.getTasks().getSucceeded() + "/" + s.getTasks().getTotal(),
                        Formats.time(s.getSubmittedAt()),
                        Formats.between(s.hasStartedAt() ? s.getStartedAt() : s.getSubmittedAt(), s.getFinishedAt()),
                        Formats.abbreviate(detail, 50));
            }
            if (table.size() == 0) {
                out.println("no jobs");
                out.flush();
            } else {
                table.print(out);
            }
            return ExitCodes.OK;
        }
    }
}
