package io.gridwork.cli;

import io.gridwork.client.JobSubmission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The job to run, as {@code grid submit} and {@code grid schedule add} take it: jar, class, arguments and options. */
final class JobSpecOptions {

    @Option(names = "--jar", required = true, paramLabel = "FILE", description = "The job's jar (uploaded once).")
    Path jar;

    @Option(names = "--job", required = true, paramLabel = "CLASS", description = "The job class (extends io.gridwork.sdk.GridJob).")
    String jobClass;

    @Option(names = "--arg", paramLabel = "KEY=VALUE",
            description = "A job argument; repeat for more. A value @FILE is the contents of FILE (@@ for a literal @); "
                    + "@result:JOB is JOB's result text when the job starts (grid submit --after JOB).")
    List<String> args = new ArrayList<>();

    @Option(names = "--max-attempts", paramLabel = "N", description = "Attempts of a failing task before the job fails (default: the job's, else 3).")
    int maxAttempts;

    @Option(names = "--task-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Cancel and retry a task that runs this long without reporting progress.")
    Duration taskTimeout;

    @Option(names = "--require", paramLabel = "EXPR",
            description = {"Run tasks only on workers that match, e.g. 'os=linux && mem>=4g && gpu=a100': worker labels "
                    + "(--label) and os, arch, java, mem, cores, slots, name compared with = != >= <= > <, joined by &&; "
                    + "sizes may end in k, m, g, t.", "Until a matching worker is connected the job stays QUEUED and "
                    + "grid status says why."})
    String require;

    @Option(names = "--slots-per-task", paramLabel = "N",
            description = "Worker slots each task occupies, for tasks that use several cores (default: the job's, else 1).")
    int slotsPerTask;

    @Option(names = "--priority", paramLabel = "N",
            description = "From -1000 to 1000; higher runs first (default: the job's, else 0). Jobs of equal priority "
                    + "share the workers fairly, between users first, then between jobs.")
    int priority;

    @Option(names = "--no-speculation",
            description = "Never start a second attempt of a slow task near the end (for tasks with side effects).")
    boolean noSpeculation;

    @Option(names = "--quorum", paramLabel = "N",
            description = {"Results by quorum: run each task on N workers on different hosts and accept its output when "
                    + "N outputs are equal byte for byte (default: the job's, else 1). A worker's host is its label "
                    + "host=NAME, else its advertised host, else its address.", "On a mismatch the task runs on more "
                    + "workers until N agree or --quorum-max replicas have run; then it fails naming the workers that "
                    + "disagreed."})
    Integer quorum;

    @Option(names = "--quorum-max", paramLabel = "N",
            description = "The most replicas of one task with --quorum, from N to 32 (default: N + 2).")
    Integer quorumMax;

    /** The submission, after checking what can be checked here (exit 2 with one line otherwise). */
    JobSubmission submission() {
        return builder().build();
    }

    /** The same as a builder, for a command that adds to it (submit's --data). */
    JobSubmission.Builder builder() {
        var values = KeyValues.parse("--arg", args, true);
        if (!Files.isRegularFile(jar)) {
            throw CliException.usage("--jar: no such file " + jar);
        }
        if (maxAttempts < 0 || maxAttempts > 100) {
            throw CliException.usage("--max-attempts must be from 1 to 100");
        }
        if (slotsPerTask < 0 || slotsPerTask > 4096) {
            throw CliException.usage("--slots-per-task must be from 1 to 4096");
        }
        if (priority < -1000 || priority > 1000) {
            throw CliException.usage("--priority must be from -1000 to 1000");
        }
        if (quorum != null && (quorum < 1 || quorum > io.gridwork.sdk.JobOptions.MAX_QUORUM)) {
            throw CliException.usage("--quorum must be from 1 to " + io.gridwork.sdk.JobOptions.MAX_QUORUM);
        }
        if (quorumMax != null && quorum == null) {
            throw CliException.usage("--quorum-max needs --quorum");
        }
        if (quorumMax != null && (quorumMax < quorum || quorumMax > io.gridwork.sdk.JobOptions.MAX_QUORUM_REPLICAS)) {
            throw CliException.usage("--quorum-max must be from the quorum (" + quorum + ") to "
                    + io.gridwork.sdk.JobOptions.MAX_QUORUM_REPLICAS);
        }
        JobSubmission.Builder builder = JobSubmission.builder()
                .jar(jar)
                .jobClass(jobClass)
                .args(values)
                .maxAttempts(maxAttempts)
                .taskTimeout(taskTimeout == null ? Duration.ZERO : taskTimeout)
                .require(require == null ? "" : require)
                .slotsPerTask(slotsPerTask)
                .priority(priority);
        if (noSpeculation) {
            builder.noSpeculation();
        }
        if (quorum != null) {
            builder.quorum(quorum, quorumMax == null ? 0 : quorumMax);
        }
        return builder;
    }
}
