package io.gridwork.cli;

import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The training run of the class-data sharing archive of client commands (see the launchers, {@code grid} and the
 * distribution's {@code bin/grid}, which run it with {@code -XX:DumpLoadedClassList=LIST} on the class path they
 * use): it starts a master in this JVM (TLS, loopback, a throwaway data directory), runs client commands against it
 * as a user types them, stops the master and exits. The JVM lists every class it loaded; the launcher then dumps
 * them into a static archive ({@code -Xshare:dump -XX:SharedClassListFile=LIST}), and client commands started with
 * {@code -XX:SharedArchiveFile=FILE} map them instead of reading, parsing and verifying them.
 * The master's own classes land in the archive too (a bigger file, mapped, not read); a master in another JVM would
 * keep them out, but could outlive a training that is killed.
 *
 * <p>With {@code -Dgridwork.cds.native=DIR}, it also copies the native libraries gRPC's Netty loads on this platform
 * (OpenSSL and epoll) to {@code DIR}: Netty tries {@code java.library.path} first, and client commands started with
 * {@code -Djava.library.path=DIR} load them from there instead of extracting them from the jar on every run.
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
            String nativeDir = System.getProperty(NATIVE_DIR_PROPERTY);
            if (code == ExitCodes.OK && nativeDir != null) {
                copyNativeLibraries(Path.of(nativeDir));
            }
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
        ClientWarmUp.run(); // what client commands prepare on their second thread (see Main#main)
        layOutALine();
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

    /**
     * A line laid out as a client command's first logged line is ({@link LazyTextLayout} makes its PatternLayout
     * then): the commands above log nothing, and the layout's classes would be left out of the archive, to be read
     * from the jars by a command that logs (an error, {@code --verbose}).
     */
    static String layOutALine() {
        ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
        LazyTextLayout layout = new LazyTextLayout();
        layout.setContext(context);
        layout.start();
        ch.qos.logback.classic.spi.LoggingEvent event = new ch.qos.logback.classic.spi.LoggingEvent(
                CdsTraining.class.getName(), context.getLogger(CdsTraining.class), ch.qos.logback.classic.Level.ERROR,
                "the training's line about {}", new IllegalStateException("a failure"), new Object[] {"job-1"});
        event.addKeyValuePair(new org.slf4j.event.KeyValuePair("job", "job-1"));
        String line = layout.doLayout(event);
        layout.stop();
        return line;
    }

    /** The system property naming the directory for Netty's native libraries (none copied without it). */
    static final String NATIVE_DIR_PROPERTY = "gridwork.cds.native";

    /**
     * Copies the native libraries of gRPC's shaded Netty for this platform (Linux on x86-64 or ARM64) from the class
     * path to {@code dir}, under the names Netty loads them by; returns how many. None elsewhere: Netty then extracts
     * them from its jar, as without this.
     */
    static int copyNativeLibraries(Path dir) throws IOException {
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch_64";
            default -> null;
        };
        if (arch == null || !System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
            return 0;
        }
        Files.createDirectories(dir);
        int copied = 0;
        for (String name : List.of("netty_tcnative_linux_" + arch, "netty_transport_native_epoll_" + arch)) {
            String file = System.mapLibraryName("io_grpc_netty_shaded_" + name);
            try (InputStream in = CdsTraining.class.getClassLoader().getResourceAsStream("META-INF/native/" + file)) {
                if (in != null) {
                    Files.copy(in, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                    copied++;
                }
            }
        }
        return copied;
    }
}
