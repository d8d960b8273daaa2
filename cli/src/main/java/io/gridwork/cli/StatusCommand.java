package io.gridwork.cli;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.TaskCounts;
import io.gridwork.client.GridClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "status", description = {"Shows a job's state, task counts, owning master and result or error.",
        "With --output json: the job's status as the protocol has it (master: the owning master's id, master_address: "
        + "where it is reached)."})
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String jobId;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        try (GridClient c = client.connect()) {
            JobStatus s = c.status(jobId);
            PrintWriter out = spec.commandLine().getOut();
            if (client.json()) {
                out.println(Json.print(s));
            } else {
                TaskCounts t = s.getTasks();
                out.println(s.getId() + "  " + s.getState() + "  " + s.getJobClass());
                if (s.getArgsCount() > 0) {
                    out.println("  args       " + Formats.pairs(s.getArgsMap()));
                }
                if (!s.getMaster().isEmpty()) {
                    out.println("  master     " + s.getMaster()
                            + (s.getMasterAddress().isEmpty() ? "" : " (" + s.getMasterAddress() + ")"));
                }
                if (!s.getSchedule().isEmpty()) {
                    out.println("  schedule   " + s.getSchedule());
                }
                out.println("  tasks      " + t.getTotal() + (s.getSplitComplete() ? "" : " so far") + " total, "
                        + t.getSucceeded() + " succeeded, " + t.getRunning() + " running, "
                        + (t.getHeld() > 0 ? t.getHeld() + " held, " : "") + t.getQueued() + " queued, "
                        + t.getFailed() + " failed, " + t.getRetried() + " retried"
                        + (t.getLost() > 0 ? ", " + t.getLost() + " lost" : "")
                        + (t.getRejected() > 0 ? ", " + t.getRejected() + " rejected" : "")
                        + (t.getSpeculated() > 0 ? ", " + t.getSpeculated() + " speculated" : ""));
                if (!s.getWaitingReason().isEmpty()) {
                    out.println("  waiting    " + s.getWaitingReason());
                }
                if (!s.getRequire().isEmpty() || s.getSlotsPerTask() > 1 || s.getPriority() != 0 || !s.getSpeculation()) {
                    out.println("  placement  " + (s.getRequire().isEmpty() ? "any worker" : "require " + s.getRequire())
                            + ", " + Formats.count(s.getSlotsPerTask(), "slot") + " per task"
                            + ", priority " + s.getPriority() + (s.getSpeculation() ? "" : ", no speculation"));
                }
                out.println("  submitted  " + Formats.time(s.getSubmittedAt()));
                if (s.hasStartedAt()) {
                    out.println("  started    " + Formats.time(s.getStartedAt()));
                }
                if (s.hasFinishedAt()) {
                    out.println("  finished   " + Formats.time(s.getFinishedAt()) + (s.hasStartedAt()
                            ? " (ran " + Formats.between(s.getStartedAt(), s.getFinishedAt()) + ")" : " (never started)"));
                }
                if (s.hasResult()) {
                    out.println("  result     " + Formats.abbreviate(s.getResult(), 200));
                } else if (s.getState() == JobStatus.State.SUCCEEDED) {
                    out.println("  result     " + s.getResultMediaType() + ", " + Formats.count(s.getResultSize(), "byte")
                            + " (grid result " + s.getId() + " --out FILE)");
                }
                if (s.hasError()) {
                    out.println("  error      " + s.getError());
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
