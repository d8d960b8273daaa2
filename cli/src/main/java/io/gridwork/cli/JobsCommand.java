package io.gridwork.cli;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListJobsRequest;
import io.gridwork.api.v1.ListJobsResponse;
import io.gridwork.client.GridClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(mixinStandardHelpOptions = true, name = "jobs", sortOptions = false,
        description = {"Lists the most recent jobs, newest first. A WAITING job (grid submit --after) shows what it "
                + "waits for in RESULT/ERROR.",
                "RAN is how long a job has run (from its first task's start; - for a job that never started). "
                + "With --watch: the list again every --interval, on a terminal in place, otherwise when it changed; "
                + "until Ctrl-C."})
final class JobsCommand implements Callable<Integer> {

    /** A job's state as the options take it. */
    enum State { waiting, queued, running, succeeded, failed, cancelled }

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "How many (default: ${DEFAULT-VALUE}, at most 1000).")
    int limit;

    @Option(names = "--state", paramLabel = "STATE", split = ",",
            description = "Only jobs in these states, comma-separated or repeated: ${COMPLETION-CANDIDATES}.")
    List<State> states = new ArrayList<>();

    @Option(names = "--owner", paramLabel = "NAME", description = "Only the jobs of this owner (the name of the "
            + "token that submitted them; only admins and viewers see other owners' jobs).")
    String owner;

    @Option(names = "--class", paramLabel = "CLASS", description = "Only the jobs of this job class: its full name, or "
            + "its simple name (PiJob).")
    String jobClass;

    @Option(names = "--schedule", paramLabel = "NAME", description = "Only the jobs this schedule started.")
    String schedule;

    @Option(names = "--watch", description = "Show the list again every --interval until Ctrl-C.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "2s",
            description = "With --watch: how often (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() throws InterruptedException {
        if (limit < 1 || limit > 1000) {
            throw CliException.usage("--limit must be from 1 to 1000");
        }
        if (interval.toMillis() < 100) {
            throw CliException.usage("--interval must be at least 100ms");
        }
        ListJobsRequest.Builder request = ListJobsRequest.newBuilder().setLimit(limit);
        for (State s : states) {
            request.addStates(JobStatus.State.valueOf(s.name().toUpperCase(java.util.Locale.ROOT)));
        }
        if (schedule != null) {
            request.setSchedule(schedule);
        }
        if (owner != null) {
            request.setOwner(owner.trim());
        }
        if (jobClass != null) {
            request.setJobClass(jobClass.trim());
        }
        PrintWriter out = client.out();
        try (GridClient c = client.connect()) {
            if (!watch) {
                out.print(render(c.jobs(request.build())));
                out.flush();
                return ExitCodes.OK;
            }
            boolean terminal = Terminal.stdout() && out == Main.STDOUT;
            String last = null;
            while (!Thread.currentThread().isInterrupted()) {
                String text = render(c.jobs(request.build()));
                if (terminal) {
                    out.print("\u001b[H\u001b[2J" + text); // clear the screen, draw anew
                } else if (!text.equals(last)) {
                    out.print(last == null || client.json() ? text : System.lineSeparator() + text);
                }
                out.flush();
                last = text;
                Thread.sleep(interval.toMillis());
            }
            return ExitCodes.OK;
        }
    }

    /** The list as printed: a table, or JSON (one line per list with --watch). */
    private String render(List<JobStatus> jobs) {
        java.io.StringWriter text = new java.io.StringWriter();
        PrintWriter out = new PrintWriter(text);
        if (client.json()) {
            ListJobsResponse.Builder response = ListJobsResponse.newBuilder().addAllJobs(jobs);
            out.println(watch ? Json.line(response) : Json.print(response));
            out.flush();
            return text.toString();
        }
        Table table = new Table("ID", "STATE", "JOB", "OWNER", "TASKS", "SUBMITTED", "RAN", "RESULT/ERROR");
        for (JobStatus s : jobs) {
            String cls = s.getJobClass().substring(s.getJobClass().lastIndexOf('.') + 1);
            String detail = s.hasError() ? s.getError() : s.hasResult() ? s.getResult()
                    : s.getState() == JobStatus.State.SUCCEEDED ? s.getResultMediaType()
                    : s.getState() == JobStatus.State.WAITING ? s.getWaitingReason() : "";
            table.row(s.getId(), s.getState(), cls, s.getOwner().isEmpty() ? "-" : s.getOwner(),
                    s.getTasks().getSucceeded() + "/" + s.getTasks().getTotal(),
                    Formats.time(s.getSubmittedAt()),
                    s.hasStartedAt() ? Formats.between(s.getStartedAt(), s.getFinishedAt()) : "-", // never started
                    Formats.abbreviate(detail, 50));
        }
        if (table.size() == 0) {
            out.println("no jobs");
        } else {
            table.print(out);
        }
        out.flush();
        return text.toString();
    }
}
