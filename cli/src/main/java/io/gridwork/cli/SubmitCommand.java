package io.gridwork.cli;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.client.GridClient;
import io.gridwork.client.GridException;
import io.gridwork.client.JobSubmission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(mixinStandardHelpOptions = true, name = "submit", sortOptions = false,
        description = {"Submits a job (its jar is uploaded once) and prints its id.",
                "The same jar is never sent twice. With --wait: shows progress on stderr (with why the job waits, when "
                + "it does), prints the result and exits with the job's outcome (0 succeeded, 1 failed or cancelled).",
                "Warns on stderr when no worker connected now can run the job (its --require, its --slots-per-task)."})
final class SubmitCommand implements Callable<Integer> {

    @Mixin
    JobSpecOptions job;

    @Option(names = "--data", paramLabel = "NAME=ID|NAME=FILE",
            description = {"A data set the job reads, under the name its code uses (JobArgs.data(NAME)): the id of one "
                    + "in the grid (grid data put prints it), or a file, which is put first (its id on stderr). "
                    + "Repeat for more. An unknown id is refused (exit 2) and nothing is stored."})
    java.util.List<String> data = new java.util.ArrayList<>();

    @Option(names = "--after", paramLabel = "JOB[,JOB...]", split = ",",
            description = {"Run the job after these jobs: it is stored at once in state WAITING and starts when every "
                    + "one of them has SUCCEEDED; if one fails or is cancelled, it is cancelled, naming that job. An "
                    + "argument --arg NAME=@result:JOB takes JOB's result text when the job starts (JOB must be in "
                    + "--after). Unknown ids, more than 64 jobs: refused (exit 2), nothing stored."})
    java.util.List<String> after = new java.util.ArrayList<>();

    @Option(names = "--wait", description = "Wait for the job to end, print its result, exit with its outcome.")
    boolean wait;

    @Option(names = "--out", paramLabel = "FILE", description = "With --wait: write the result to FILE (for binary results such as images).")
    Path out;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --wait: give up waiting after this long (exit 6; the job goes on). Ctrl-C also stops "
                    + "the wait, not the job.")
    Duration waitTimeout;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() throws Exception {
        JobSubmission.Builder builder = job.builder();
        for (String id : after) {
            if (id.isBlank()) {
                throw CliException.usage("--after: an empty job id");
            }
        }
        builder.after(after);
        if (out != null && !wait) {
            throw CliException.usage("--out needs --wait (or use: grid result JOB --out FILE)");
        }
        java.util.Map<String, String> dataSets = KeyValues.parse("--data", data, false);
        java.util.Map<String, Path> files = new java.util.LinkedHashMap<>();
        dataSets.forEach((name, value) -> {
            Path file = Path.of(value);
            if (Files.isRegularFile(file)) {
                files.put(name, file);
            } else if (!io.gridwork.internal.data.DataLayout.isId(value)) {
                throw CliException.usage("--data " + name + ": no such file " + value + " (nor a data set id: 64 "
                        + "lowercase hex digits)");
            }
        });
        try (GridClient c = client.connect()) {
            for (var e : dataSets.entrySet()) {
                Path file = files.get(e.getKey());
                if (file == null) {
                    builder.data(e.getKey(), e.getValue());
                    continue;
                }
                io.gridwork.api.v1.DataSet set = DataCommand.put(c, file, null, 0, "--data " + e.getKey());
                var stderr = client.err();
                stderr.println("grid submit: stored " + file + " as data set " + set.getId() + " ("
                        + Formats.bytes(set.getSize()) + ")");
                stderr.flush();
                builder.data(e.getKey(), set.getId());
            }
            var stdout = client.out();
            var stderr = client.err();
            if (wait) {
                // one call from the submission to the end (SubmitAndWatch): its first status is the stored job's
                boolean[] warned = {false};
                return Outcome.submitAndAwait(c, builder.build(), client, out,
                        waitTimeout == null ? Duration.ofDays(3650) : waitTimeout, stdout, stderr, status -> {
                            if (!warned[0] && status.getState() == JobStatus.State.QUEUED) {
                                String unrunnable = unrunnable(status);
                                if (unrunnable != null) {
                                    warned[0] = true;
                                    warn(stderr, status.getId(), unrunnable);
                                }
                            }
                        });
            }
            String id = c.submit(builder.build());
            JobStatus status = statusOrNull(c, id);
            String unrunnable = status == null ? null : unrunnable(status);
            if (unrunnable != null) {
                warn(stderr, id, unrunnable);
            }
            if (client.json()) {
                stdout.println(Json.print(status != null ? status : c.status(id)));
            } else {
                stdout.println(id);
            }
            stdout.flush();
            return ExitCodes.OK;
        }
    }

    private static void warn(java.io.PrintWriter stderr, String id, String unrunnable) {
        stderr.println("grid submit: warning: job " + id + " waits: " + unrunnable + "; it starts once a "
                + "worker that can run it connects (grid cancel " + id + " to drop it)");
        stderr.flush();
    }

    /** The job's status just after it was submitted, or null if the master cannot say (the job is submitted anyway). */
    private static JobStatus statusOrNull(GridClient c, String id) {
        try {
            return c.status(id);
        } catch (GridException e) {
            return null;
        }
    }

    /**
     * Why no worker connected now can run the job (none connected, none matches its requirement, none has enough
     * slots), as the master says in its waiting reason; null if some worker can.
     */
    static String unrunnable(JobStatus status) {
        String reason = status.getWaitingReason();
        return reason.startsWith("no worker") || reason.startsWith("no matching worker") ? reason : null;
    }
}
