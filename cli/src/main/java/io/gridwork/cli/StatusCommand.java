package io.gridwork.cli;

import io.gridwork.api.v1.GetTaskLogsRequest;
import io.gridwork.api.v1.GetTaskLogsResponse;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.TaskAttempt;
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
        "With --verbose: also the attempts that did not succeed (the latest " + StatusCommand.VERBOSE_ATTEMPTS + "), each "
        + "with the worker that ran it, its error and its stack trace (their output: grid logs JOB --failed).",
        "With --output json: the job's status as the protocol has it (master: the owning master's id, master_address: "
        + "where it is reached; data: the bytes its tasks read from data sets, data_sets: the data sets it reads)."})
final class StatusCommand implements Callable<Integer> {

    /** Attempts that did not succeed shown by --verbose. */
    static final int VERBOSE_ATTEMPTS = 20;

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
                if (s.getAfterCount() > 0) {
                    out.println("  after      " + String.join(", ", s.getAfterList()));
                }
                if (s.getDownstreamCount() > 0) {
                    out.println("  then       " + String.join(", ", s.getDownstreamList()));
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
                        + (t.getSpeculated() > 0 ? ", " + t.getSpeculated() + " speculated" : "")
                        + (t.getResumed() > 0 ? ", " + t.getResumed() + " resumed from a checkpoint" : ""));
                if (s.getQuorum() > 1) {
                    out.println("  quorum     " + s.getQuorum() + " equal outputs on different hosts (at most "
                            + s.getQuorumMax() + " replicas): " + t.getValidated() + " validated, " + t.getMismatched()
                            + " mismatched");
                }
                if (!s.getWaitingReason().isEmpty()) {
                    out.println("  waiting    " + s.getWaitingReason());
                }
                data(s, out);
                UsageCommand.statusLine(s, out);
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
                if (verbose(spec)) {
                    attempts(c, s, out);
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /**
     * The data sets a job reads and where its tasks' bytes came from, when it has any:
     * {@code data  text=ID} and {@code data read  1.5 MiB local, 4.0 MiB from peers, 0 B from the master}.
     */
    static void data(JobStatus s, PrintWriter out) {
        s.getDataSetsMap().forEach((name, id) -> out.println("  data       " + name + "=" + id));
        if (s.getDataSetsCount() > 0 || s.hasData()) {
            io.gridwork.api.v1.DataCounters d = s.getData();
            out.println("  data read  " + Formats.bytes(d.getBytesLocal()) + " local, "
                    + Formats.bytes(d.getBytesFromPeers()) + " from peers, "
                    + Formats.bytes(d.getBytesFromMaster()) + " from the master");
        }
    }

    /** The attempts that did not succeed, latest last, with their errors and stack traces. */
    private static void attempts(GridClient c, JobStatus s, PrintWriter out) {
        GetTaskLogsRequest.Builder request = GetTaskLogsRequest.newBuilder().setJobId(s.getId()).setFailuresOnly(true)
                .setLimit(1000);
        java.util.ArrayDeque<TaskAttempt> latest = new java.util.ArrayDeque<>();
        long seen = 0;
        GetTaskLogsResponse r;
        do {
            r = c.taskLogs(request.build());
            for (TaskAttempt a : r.getAttemptsList()) {
                seen++;
                latest.addLast(a);
                if (latest.size() > VERBOSE_ATTEMPTS) {
                    latest.removeFirst();
                }
            }
            request.setAfterSeq(r.getNextAfterSeq());
        } while (r.getMore());
        if (latest.isEmpty()) {
            out.println("  attempts   none failed");
            return;
        }
        out.println("  attempts   " + seen + " did not succeed" + (seen > latest.size() ? ", the latest "
                + latest.size() + " below" : "") + " (their output: grid logs " + s.getId() + " --failed)");
        for (TaskAttempt a : latest) {
            out.println("    " + LogsCommand.header(a).substring(3));
            if (!a.getError().isEmpty()) {
                out.println("      error: " + a.getError());
            }
            if (!a.getStackTrace().isEmpty()) {
                a.getStackTrace().lines().forEach(line -> out.println("      " + line));
            }
        }
    }

    /** Whether --verbose was given (it is inherited from the top command, or set by GRID_VERBOSE or configuration). */
    static boolean verbose(CommandSpec spec) {
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            picocli.CommandLine.Model.OptionSpec option = s.findOption("--verbose");
            if (option != null && Boolean.TRUE.equals(option.getValue())) {
                return true;
            }
            picocli.CommandLine.ParseResult parsed = s.commandLine() == null ? null : s.commandLine().getParseResult();
            if (parsed != null && parsed.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
