package io.gridwork.cli;

import ch.qos.logback.classic.Level;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.gridwork.client.GridException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.util.List;
import picocli.CommandLine;

/** The {@code grid} command line: one class per command, exceptions mapped to exit codes and one-line messages. */
public final class Main {

    /** The process's stdout, as commands print to it (binary results go to System.out directly). */
    static final PrintWriter STDOUT = new PrintWriter(System.out, true);

    private Main() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        ClientWarmUp.start(args); // while the command line is built and parsed
        int code = commandLine(ConfigDefaults.system(), args).setOut(STDOUT).execute(args);
        System.exit(code);
    }

    /** The configured command line; tests call {@code setOut}/{@code setErr} and {@code execute} on it. */
    public static CommandLine commandLine() {
        return commandLine(ConfigDefaults.system());
    }

    /** The command line with option defaults from {@code defaults} (tests give it an environment of their own). */
    static CommandLine commandLine(ConfigDefaults defaults) {
        return commandLine(defaults, GridCommand.SUBCOMMANDS);
    }

    /**
     * The command line to run {@code args} with: when they name a command ({@code grid --verbose status job-3}), the
     * top command with that one subcommand, which parses and runs them as the whole tree would; else (help, a
     * misspelled command, no command) the whole tree. Building the whole tree builds every command's options, the
     * master's and the worker's too: a client command starts a third faster without them. A configuration file with
     * keys of other commands is still checked against the whole tree (see {@link ConfigDefaults}).
     */
    static CommandLine commandLine(ConfigDefaults defaults, String[] args) {
        Class<?> named = command(args);
        if (named == null) {
            return commandLine(defaults);
        }
        defaults.wholeTree(() -> tree(GridCommand.SUBCOMMANDS));
        return commandLine(defaults, List.of(named));
    }

    /**
     * The subcommand {@code args} name, or null: the first argument that is not an option of the top command
     * ({@code --verbose}, {@code --config FILE}), if it is a command's name. Null also for anything picocli would
     * read differently ({@code @argument-file}, {@code --}, an option of the top command that ends parsing), and for
     * {@code help}, which shows the other commands.
     */
    static Class<?> command(String[] args) {
        for (int i = 0; args != null && i < args.length; i++) {
            String a = args[i];
            if (a.equals("--verbose") || a.startsWith("--config=")) {
                continue;
            }
            if (a.equals("--config")) {
                i++;
                continue;
            }
            if (a.startsWith("-") || a.startsWith("@")) {
                return null; // --help, --version, --, an unknown option: whatever picocli says about it needs the whole tree
            }
            for (Class<?> c : GridCommand.SUBCOMMANDS) {
                if (c.getAnnotation(CommandLine.Command.class).name().equals(a)) {
                    return c == CommandLine.HelpCommand.class ? null : c; // help shows the other commands
                }
            }
            return null;
        }
        return null;
    }

    /** The top command with these subcommands, nothing configured. */
    private static CommandLine tree(List<Class<?>> subcommands) {
        CommandLine cmd = new CommandLine(new GridCommand());
        for (Class<?> c : subcommands) {
            cmd.addSubcommand(c);
        }
        return cmd;
    }

    private static CommandLine commandLine(ConfigDefaults defaults, List<Class<?>> subcommands) {
        CommandLine cmd = tree(subcommands);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        defaults.attachTo(cmd);
        cmd.setExecutionStrategy(parseResult -> {
            defaults.afterParse(parseResult);
            ClientWarmUp.await(); // before anything it may be initializing is touched here
            Logging.configure(verbose(parseResult) ? Level.INFO : Level.ERROR);
            return new CommandLine.RunLast().execute(parseResult);
        });
        cmd.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            String name = failed.getCommandSpec().qualifiedName();
            String fromConfig = defaults.describe(ex);
            String message;
            if (ex instanceof ConfigDefaults.ConfigException) {
                message = oneLine(ex.getMessage());
            } else if (fromConfig != null) {
                message = oneLine(fromConfig);
            } else {
                message = unknownOption(ex) + didYouMean(ex) + " (see '" + name + " --help')";
            }
            report(failed, name, ExitCodes.USAGE, message, json(failed, args));
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
            report(failed, name, code, oneLine(message), json(failed, parseResult.originalArgs().toArray(new String[0])));
            if (verbose(parseResult)) {
                ex.printStackTrace(failed.getErr());
                failed.getErr().flush();
            }
            return code;
        });
        return cmd;
    }

    /**
     * Prints a failure on stderr: {@code NAME: MESSAGE}, or with {@code --output json} one JSON object,
     * {@code {"error": {"code": "unreachable", "exit_code": 3, "message": "..."}}}, on one line.
     */
    static void report(CommandLine failed, String name, int exitCode, String message, boolean json) {
        if (json) {
            JsonObject error = new JsonObject();
            error.addProperty("code", codeName(exitCode));
            error.addProperty("exit_code", exitCode);
            error.addProperty("message", message);
            error.addProperty("command", name);
            JsonObject wrapper = new JsonObject();
            wrapper.add("error", error);
            failed.getErr().println(ErrorJson.GSON.toJson(wrapper));
        } else {
            failed.getErr().println(name + ": " + message);
        }
        failed.getErr().flush();
    }

    /** Gson for errors printed as JSON, made at the first: a command that succeeds never loads Gson's 117 classes. */
    private static final class ErrorJson {
        static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    }

    /** The name of an exit code in JSON errors: scripts may test either. */
    static String codeName(int exitCode) {
        switch (exitCode) {
            case ExitCodes.JOB_FAILED: return "job_failed";
            case ExitCodes.USAGE: return "usage";
            case ExitCodes.UNREACHABLE: return "unreachable";
            case ExitCodes.AUTH: return "auth";
            case ExitCodes.WAIT_TIMEOUT: return "wait_timeout";
            default: return "error";
        }
    }

    /** Whether the failed command was to print JSON: its {@code --output} (or the arguments, if parsing failed first). */
    private static boolean json(CommandLine failed, String[] args) {
        CommandLine.Model.OptionSpec output = failed.getCommandSpec().findOption("--output");
        if (output != null && output.getValue() == ClientOptions.Format.json) {
            return true;
        }
        for (int i = 0; args != null && i < args.length; i++) {
            String a = args[i];
            if (a.equalsIgnoreCase("--output=json") || (a.equals("--output") && i + 1 < args.length
                    && args[i + 1].equalsIgnoreCase("json"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Picocli's message, except for an unknown option: "unknown option '--limt'" (picocli lists the option's value
     * with it, as another unknown argument).
     */
    private static String unknownOption(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()
                && unmatched.getUnmatched().get(0).startsWith("-")) {
            String option = unmatched.getUnmatched().get(0);
            int eq = option.indexOf('=');
            return "unknown option '" + (eq > 0 ? option.substring(0, eq) : option) + "'";
        }
        return ex.getMessage();
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

    /** "; did you mean --wait?" for a misspelled option (or subcommand) close to one the command has; else "". */
    static String didYouMean(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException)) {
            return "";
        }
        CommandLine.Model.CommandSpec spec = ex.getCommandLine().getCommandSpec();
        for (String typed : ((CommandLine.UnmatchedArgumentException) ex).getUnmatched()) {
            String word = typed.contains("=") ? typed.substring(0, typed.indexOf('=')) : typed;
            java.util.Collection<String> known = word.startsWith("-") ? spec.optionsMap().keySet()
                    : spec.subcommands().keySet();
            java.util.Optional<String> close = io.gridwork.internal.Suggestions.closest(word, known);
            if (close.isPresent()) {
                return "; did you mean " + close.get() + "?";
            }
        }
        return "";
    }
}
