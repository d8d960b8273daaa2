package io.gridwork.cli;

import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The training run of the class-data sharing archive of client commands (see the launchers, {@code grid} and the
 * distribution's {@code bin/grid}, which run it with {@code -XX:ArchiveClassesAtExit=FILE} on the class path they
 * use): it starts a master in this JVM (TLS, loopback, a throwaway data directory), runs client commands against it
 * as a user types them, stops the master and exits. The JVM then writes every class loaded to the archive, and client
 * commands started with {@code -XX:SharedArchiveFile=FILE} map them instead of reading, parsing and verifying them.
 * The master's own classes land in the archive too (a bigger file, mapped, not read); a master in another JVM would
 * keep them out, but could outlive a training that is killed.
 *
 * <p>Exit code 0 when every command ran (an answer from the master, a refusal included), 5 if not; the launchers keep
 * the archive only after 0.
 */
public final class CdsTraining {

    private CdsTraining() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path dir = Files.createTempDirectory("gridwork-cds-");
        int code;
        try (GridMaster master = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0).httpPort(MasterOptions.HTTP_OFF)
                .dataDir(dir.resolve("data")).build())) {
            code = train("127.0.0.1:" + master.port(), master.credentialsFile());
        } catch (IOException | RuntimeException e) {
            System.err.println("grid: class-data archive training: " + e);
            code = ExitCodes.ERROR;
        } finally {
            DemoCommand.deleteQuietly(dir);
        }
        System.exit(code);
    }

    /** Runs the client commands; 0 if each got an answer from the master (or printed what it prints without one). */
    static int train(String address, Path credentials) {
        List<List<String>> commands = List.of(
                List.of("--version"),
                List.of("--help"),
                List.of("status", "--help"),
                List.of("jobs"),
                List.of("jobs", "--output", "json"),
                List.of("status", "job-1"),
                List.of("status", "job-1", "--output", "json"),
                List.of("workers"),
                List.of("masters"),
                List.of("token", "list"),
                List.of("schedule", "list"),
                List.of("audit"));
        Writer discard = Writer.nullWriter();
        int failed = 0;
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            if (!command.get(0).startsWith("-") && !command.contains("--help")) {
                args.addAll(List.of("--master", address, "--credentials", credentials.toString()));
            }
            String[] argv = args.toArray(new String[0]);
            // the user's environment and configuration file must not steer the training
            ConfigDefaults defaults = new ConfigDefaults(Map.of(), null, null);
            int code = Main.commandLine(defaults, argv).setOut(new PrintWriter(discard))
                    .setErr(new PrintWriter(discard)).execute(argv);
            // status of a job that does not exist: the master's answer (NOT_FOUND, exit 2) is the path trained
            if (code != ExitCodes.OK && code != ExitCodes.USAGE) {
                System.err.println("grid: class-data archive training: grid " + String.join(" ", command)
                        + " exited " + code);
                failed++;
            }
        }
        return failed == 0 ? ExitCodes.OK : ExitCodes.ERROR;
    }
}
