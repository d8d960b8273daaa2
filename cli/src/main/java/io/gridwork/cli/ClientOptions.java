package io.gridwork.cli;

import io.gridwork.client.Addresses;
import io.gridwork.client.GridClient;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every client command takes: where the master is, how to print, how long to wait for a call. */
public final class ClientOptions {

    /** The environment variable that names the master when {@code --master} is not given. */
    public static final String MASTER_ENV = "GRID_MASTER";

    /** How commands print their results. */
    public enum Format { text, json }

    @Option(names = "--master", paramLabel = "HOST:PORT",
            description = "The master's address (default: $GRID_MASTER, else localhost:7070).")
    String master;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format output = Format.text;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Deadline of each call to the master (default: 30s).")
    Duration timeout;

    /** The master's address: the option, else the environment, else the default. */
    public String target() {
        return resolveMaster(master);
    }

    static String resolveMaster(String option) {
        String target = option;
        if (target == null || target.isBlank()) {
            target = System.getenv(MASTER_ENV);
        }
        if (target == null || target.isBlank()) {
            target = GridClient.DEFAULT_TARGET;
        }
        try {
            Addresses.parse(target, "--master");
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        return target.trim();
    }

    public boolean json() {
        return output == Format.json;
    }

    public GridClient connect() {
        GridClient.Builder b = GridClient.builder().target(target());
        if (timeout != null) {
            if (timeout.isZero() || timeout.isNegative()) {
                throw CliException.usage("--timeout must be positive");
            }
            b.callTimeout(timeout);
        }
        return b.build();
    }
}
