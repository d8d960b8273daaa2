package io.gridwork.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

@Command(name = "grid", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Gridwork: splits large computations into tasks, runs them on a grid of workers and merges the results."},
        footer = {"", "Exit codes:",
                "  0  success",
                "  1  the job failed or was cancelled",
                "  2  bad usage or bad input",
                "  3  master unreachable",
                "  4  missing or refused credential",
                "  5  other error",
                "  6  --wait-timeout ran out (the job goes on)"})
public final class GridCommand implements Runnable {

    /**
     * The subcommands, in the order help lists them. They are not in the annotation: picocli would build every one
     * (with the master's and worker's option classes) for each run, which is a third of a client command's start
     * (see {@link Main#commandLine(ConfigDefaults, String[])}).
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            MasterCommand.class,
            WorkerCommand.class,
            SubmitCommand.class,
            JobsCommand.class,
            StatusCommand.class,
            LogsCommand.class,
            WaitCommand.class,
            ResultCommand.class,
            CancelCommand.class,
            WorkersCommand.class,
            MastersCommand.class,
            ScheduleCommand.class,
            DataCommand.class,
            TokenCommand.class,
            AuditCommand.class,
            UsageCommand.class,
            QuotaCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            CompletionCommand.class,
            CommandLine.HelpCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Show details: stack traces of errors; with status, the failed task attempts with theirs.")
    boolean verbose;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Configuration file with defaults for any option (default: $GRID_CONFIG, else "
                    + "~/.gridwork/gridwork.properties if it exists, else conf/gridwork.properties of the distribution).")
    java.nio.file.Path config;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
