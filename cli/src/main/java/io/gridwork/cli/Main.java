package io.gridwork.cli;

import ch.qos.logback.classic.Level;
import io.gridwork.client.GridException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/** The {@code grid} command line: one class per command, exceptions mapped to exit codes and one-line messages. */
public final class Main {

    /** The process's stdout, as commands print to it (binary results go to System.out directly). */
    static final PrintWriter STDOUT = new PrintWriter(System.out, true);

    private Main() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code = commandLine().setOut(STDOUT).execute(args);
        System.exit(code);
    }

    /** The configured command line; tests call {@code setOut}/{@code setErr} and {@code execute} on it. */
    public static CommandLine commandLine() {
        return commandLine(ConfigDefaults.system());
    }

    /** The command line with option defaults from {@code defaults} (tests give it an environment of their own). */
    static CommandLine commandLine(ConfigDefaults defaults) {
        CommandLine cmd = new CommandLine(new GridCommand());
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        defaults.attachTo(cmd);
        cmd.setExecutionStrategy(parseResult -> {
            defaults.afterParse(parseResult);
            Logging.configure(verbose(parseResult) ? Level.INFO : Level.ERROR);
            return new CommandLine.RunLast().execute(parseResult);
        });
        cmd.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            String name = failed.getCommandSpec().qualifiedName();
            String fromConfig = defaults.describe(ex);
            if (ex instanceof ConfigDefaults.ConfigException) {
                failed.getErr().println(name + ": " + oneLine(ex.getMessage()));
            } else if (fromConfig != null) {
                failed.getErr().println(name + ": " + oneLine(fromConfig));
            } else {
                failed.getErr().println(name + ": " + ex.getMessage() + " (see '" + name + " --help')");
            }
            failed.getErr().flush();
            return ExitCodes.USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, failed, parseResult) -> {
            String name = failed.getCommandSpec().qualifiedName();
            int code;
            String message;
            if (ex instanceof CliException) {
                code = ((CliException) ex).exitCode();
                message = ex.getMessage();
            } else if (ex instanceof GridException) {
                GridException grid = (GridException) ex;
                code = Transport.answeredHttp(grid) ? ExitCodes.UNREACHABLE : exitCode(grid);
                message = Transport.describe(grid, target(failed));
            } else if (ex instanceof NoSuchFileException) {
                code = ExitCodes.USAGE;
                message = "no such file " + ((NoSuchFileException) ex).getFile();
            } else if (ex instanceof IllegalArgumentException) {
                code = ExitCodes.USAGE;
                message = ex.getMessage();
            } else {
                code = ExitCodes.ERROR;
                message = "unexpected error: " + ex;
            }
            failed.getErr().println(name + ": " + oneLine(message));
            if (verbose(parseResult)) {
                ex.printStackTrace(failed.getErr());
            }
            failed.getErr().flush();
            return code;
        });
        return cmd;
    }

    /** The master address a client command called, or null (not a client command, or no valid address). */
    private static String target(CommandLine command) {
        for (CommandLine.Model.CommandSpec mixin : command.getCommandSpec().mixins().values()) {
            if (mixin.userObject() instanceof ClientOptions options) {
                try {
                    return options.target();
                } catch (RuntimeException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The exit code for a failed call to the master. */
    static int exitCode(GridException e) {
        if (e.isTlsFailure()) {
            return ExitCodes.AUTH;
        }
        switch (e.code()) {
            case UNAVAILABLE:
            case DEADLINE_EXCEEDED:
                return ExitCodes.UNREACHABLE;
            case UNAUTHENTICATED:
            case PERMISSION_DENIED:
                return ExitCodes.AUTH;
            case INVALID_ARGUMENT:
            case NOT_FOUND:
            case ALREADY_EXISTS:
            case FAILED_PRECONDITION:
            case OUT_OF_RANGE:
            case RESOURCE_EXHAUSTED:
                return ExitCodes.USAGE;
            default:
                return ExitCodes.ERROR;
        }
    }

    private static boolean verbose(CommandLine.ParseResult result) {
        CommandLine.Model.OptionSpec option = result.commandSpec().findOption("--verbose");
        if (option != null && Boolean.TRUE.equals(option.getValue())) {
            return true; // also when set by GRID_VERBOSE or the configuration file
        }
        for (CommandLine.ParseResult r = result; r != null; r = r.subcommand()) {
            if (r.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "error";
        }
        String line = message.replace('\r', ' ').replace('\n', ' ').trim();
        return line.length() > 2000 ? line.substring(0, 1999) + "…" : line;
    }
}
