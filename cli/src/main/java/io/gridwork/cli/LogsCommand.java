package io.gridwork.cli;

import io.gridwork.api.v1.GetTaskLogsRequest;
import io.gridwork.api.v1.GetTaskLogsResponse;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.TaskAttempt;
import io.gridwork.client.GridClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(mixinStandardHelpOptions = true, name = "logs", sortOptions = false, description = {
        "Shows a job's task attempts with their logs: for each attempt, the worker that ran it, when, how it ended, "
        + "what its code wrote to System.out and System.err (interleaved, as written), and a failure's stack trace.",
        "Attempts are listed in the order they ended, then those running now. A worker keeps up to its "
        + "--task-log-limit of output per attempt (the head and the tail). With --follow, each attempt is shown when it "
        + "ends (its output arrives with its end, not line by line), until the job ends; the exit code is then the "
        + "job's (0 succeeded, 1 failed or cancelled).",
        "With --output json: one TaskAttempt object (as the protocol has it) per line."})
final class LogsCommand implements Callable<Integer> {

    /** How often --follow asks the master for attempts that ended since. */
    static final Duration FOLLOW_INTERVAL = Duration.ofSeconds(1);
    private static final int PAGE = 200;

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String jobId;

    @Option(names = "--task", paramLabel = "N", description = "Only task N's attempts (tasks are numbered from 0).")
    Long task;

    @Option(names = "--attempt", paramLabel = "K", description = "Only attempt K of the task (1 for its first; needs --task).")
    Integer attempt;

    @Option(names = "--failed", description = "Only attempts that did not succeed (failed, timed out, lost, cancelled).")
    boolean failedOnly;

    @Option(names = {"-f", "--follow"}, description = "Keep showing attempts as they end, until the job ends.")
    boolean follow;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() throws InterruptedException {
        if (task != null && task < 0) {
            throw CliException.usage("--task must be 0 or more, got " + task);
        }
        if (attempt != null && task == null) {
            throw CliException.usage("--attempt needs --task: an attempt number is a task's");
        }
        if (attempt != null && attempt < 1) {
            throw CliException.usage("--attempt must be 1 or more, got " + attempt);
        }
        if (attempt != null && follow) {
            throw CliException.usage("--attempt and --follow do not go together: --follow shows each attempt of the "
                    + "task as it ends");
        }
        PrintWriter out = client.out();
        try (GridClient c = client.connect()) {
            GetTaskLogsRequest.Builder request = GetTaskLogsRequest.newBuilder().setJobId(jobId).setLimit(PAGE)
                    .setFailuresOnly(failedOnly);
            if (task != null) {
                request.setTask(task);
            }
            if (attempt != null) {
                request.setAttempt(attempt);
            }
            Set<String> runningShown = new HashSet<>();
            long shown = 0;
            while (true) {
                GetTaskLogsResponse r = c.taskLogs(request.build());
                for (TaskAttempt a : r.getAttemptsList()) {
                    shown++;
                    if (a.getOutcome() == TaskAttempt.Outcome.RUNNING) {
                        // shown once (when following); its output comes when it ends
                        if (runningShown.add(a.getTask() + "/" + a.getAttempt())) {
                            print(out, a);
                        }
                    } else {
                        print(out, a);
                    }
                }
                out.flush();
                request.setAfterSeq(r.getNextAfterSeq());
                if (r.getMore()) {
                    continue;
                }
                if (!follow) {
                    if (shown == 0 && !client.json()) {
                        client.err().println("job " + jobId + ": no attempt "
                                + (failedOnly ? "that did not succeed " : "") + "yet"
                                + (task != null ? " of task " + task : ""));
                    }
                    return ExitCodes.OK;
                }
                if (r.getJobEnded()) {
                    JobStatus.State state = c.status(jobId).getState();
                    return state == JobStatus.State.SUCCEEDED ? ExitCodes.OK : ExitCodes.JOB_FAILED;
                }
                Thread.sleep(FOLLOW_INTERVAL.toMillis());
            }
        }
    }

    private void print(PrintWriter out, TaskAttempt a) {
        if (client.json()) {
            out.println(Json.line(a));
            return;
        }
        out.println(header(a));
        if (!a.getError().isEmpty()) {
            out.println("error: " + a.getError());
        }
        if (!a.getLog().isEmpty()) {
            out.println("-- output (stdout and stderr)" + (a.getLogCutBytes() > 0 ? ", " + a.getLogCutBytes()
                    + " bytes cut" : ""));
            out.print(a.getLog());
            if (!a.getLog().endsWith("\n")) {
                out.println();
            }
        }
        if (!a.getStackTrace().isEmpty()) {
            out.println("-- stack trace");
            out.print(a.getStackTrace());
            if (!a.getStackTrace().endsWith("\n")) {
                out.println();
            }
        }
    }

    /** One line that says which attempt, where, when and how it ended. */
    static String header(TaskAttempt a) {
        String worker = a.getWorkerName().isEmpty() ? a.getWorkerId() : a.getWorkerName();
        StringBuilder b = new StringBuilder("== task ").append(a.getTask()).append(", attempt ").append(a.getAttempt())
                .append(": ").append(a.getOutcome()).append(" on ").append(worker.isEmpty() ? "an unknown worker" : worker);
        if (a.hasStartedAt()) {
            b.append(", started ").append(Formats.time(a.getStartedAt()));
        }
        if (a.getOutcome() == TaskAttempt.Outcome.RUNNING) {
            b.append(", running");
        } else if (a.getDurationMs() > 0) {
            b.append(", ran ").append(Formats.duration(Duration.ofMillis(a.getDurationMs())));
        } else if (a.hasStartedAt() && a.hasEndedAt()) {
            b.append(", ended after ").append(Formats.between(a.getStartedAt(), a.getEndedAt()));
        }
        return b.toString();
    }
}
