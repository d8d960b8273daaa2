package io.gridwork.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One {@code grid} command run in this JVM: its exit code and what it printed on stdout and stderr. */
record GridRun(int code, String out, String err) {

    /** Runs {@code grid ARGS} on {@code cmd}, its stdout and stderr captured. */
    static GridRun execute(CommandLine cmd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = cmd.setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new GridRun(code, out.toString(), err.toString());
    }

    /** Runs {@code grid ARGS} on the whole command tree, its defaults from {@code defaults}. */
    static GridRun execute(ConfigDefaults defaults, String... args) {
        return execute(Main.commandLine(defaults), args);
    }
}
