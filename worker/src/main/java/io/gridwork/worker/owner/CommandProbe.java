package io.gridwork.worker.owner;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The owner's own test ({@code --idle-command CMD}): the command is run at every check, exit status 0 means the owner
 * is idle, anything else busy. It is split on spaces and run directly (no shell; for pipes or quoting give a
 * script). Its output is discarded. A command that runs longer than its time limit is killed and counts as busy.
 */
public final class CommandProbe implements OwnerProbe {

    /** Longest a check may take: the owner's command should answer at once; a hung one must not stop the checks. */
    public static final Duration TIME_LIMIT = Duration.ofSeconds(10);

    private final List<String> command;
    private final Duration timeLimit;

    private CommandProbe(List<String> command, Duration timeLimit) {
        this.command = command;
        this.timeLimit = timeLimit;
    }

    /**
     * The probe for a command line; refuses (with a message naming --idle-command) a command that does not exist or
     * is not executable, so that a worker with a mistyped command does not start.
     */
    public static CommandProbe of(String commandLine) {
        return of(commandLine, TIME_LIMIT, System.getenv("PATH"));
    }

    static CommandProbe of(String commandLine, Duration timeLimit, String pathVariable) {
        List<String> words = new ArrayList<>();
        for (String w : (commandLine == null ? "" : commandLine.trim()).split("\\s+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("idle-command: empty command");
        }
        words.set(0, resolve(words.get(0), pathVariable));
        return new CommandProbe(List.copyOf(words), timeLimit);
    }

    private static String resolve(String program, String pathVariable) {
        if (program.contains(File.separator)) {
            Path p = Path.of(program);
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new IllegalArgumentException("idle-command: " + program + " does not exist or is not executable");
            }
            return p.toAbsolutePath().toString();
        }
        if (pathVariable != null) {
            for (String dir : pathVariable.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        throw new IllegalArgumentException("idle-command: no program " + program + " on the PATH");
    }

    List<String> command() {
        return command;
    }

    @Override
    public Reading read() {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            return Reading.busy("the idle command cannot run: " + e.getMessage());
        }
        try {
            if (!p.waitFor(timeLimit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                long ms = timeLimit.toMillis();
                return Reading.busy("the idle command did not answer within " + (ms % 1000 == 0 ? ms / 1000 + " s"
                        : ms + " ms"));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return Reading.busy("the idle command was interrupted");
        }
        int code = p.exitValue();
        return code == 0 ? Reading.IDLE : Reading.busy("the idle command exited " + code);
    }
}
