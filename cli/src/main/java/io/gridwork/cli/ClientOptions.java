package io.gridwork.cli;

import com.google.protobuf.MessageOrBuilder;
import io.gridwork.client.Addresses;
import io.gridwork.client.GridClient;
import io.gridwork.client.Credentials;
import io.gridwork.internal.tls.Certificates;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every client command takes: where the master is, how to print, how long to wait for a call. */
public final class ClientOptions {

    /** The environment variable that names the master when {@code --master} is not given. */
    public static final String MASTER_ENV = "GRID_MASTER";

    /** How commands print their results. */
    public enum Format {
        text, json,
        /** Comma-separated values: only {@code grid usage} prints them (the others refuse it). */
        csv
    }

    @Option(names = "--master", paramLabel = "HOST[:PORT][,HOST[:PORT]...]",
            description = "The master's address, or several masters of one grid, comma-separated: a call a master "
                    + "cannot take goes on to the next; the port is 7070 if not given (default: $GRID_MASTER, else "
                    + "localhost:7070).")
    String master;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format output = Format.text;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Deadline of each call to the master (default: 30s).")
    Duration timeout;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Your token (default: $GRID_TOKEN, else the credentials file's).")
    String token;

    @Option(names = "--credentials", paramLabel = "FILE",
            description = "A credentials file with a token and the master's CA (default: $GRID_CREDENTIALS, else "
                    + "~/.gridwork/master/credentials if it exists).")
    Path credentials;

    @Option(names = "--ca", paramLabel = "FILE", description = "The master's CA certificate (PEM), to check the master against.")
    Path ca;

    @Option(names = "--ca-fingerprint", paramLabel = "SHA256", description = "The master's CA fingerprint (sha256:...), instead of --ca.")
    String caFingerprint;

    @Option(names = "--insecure", description = "Plaintext, for a master started with --insecure (prints a warning).")
    boolean insecure;

    /** What to do about a missing credential, in the CLI's options. */
    static final GridClient.Hints HINTS = new GridClient.Hints(
            "pass --ca FILE, --ca-fingerprint, or --credentials FILE (the master writes one in its data directory)",
            "pass --token, set GRID_TOKEN, or use --credentials FILE");

    /** The environment variable with a token. */
    static final String TOKEN_ENV = "GRID_TOKEN";

    /**
     * The master's address, or the masters' comma-separated addresses: the option (or its default from the
     * environment or configuration), else the credentials file, else the default.
     */
    public String target() {
        return resolveMaster(master, CredentialOptions.load(credentials));
    }

    static String resolveMaster(String option, Credentials creds) {
        String target = option; // $GRID_MASTER arrives as the option's default (see ConfigDefaults)
        if ((target == null || target.isBlank()) && creds != null) {
            target = creds.master().orElse(null);
        }
        if (target == null || target.isBlank()) {
            target = GridClient.DEFAULT_TARGET;
        }
        try {
            return String.join(",", Addresses.parseList(withDefaultPort(target), "--master"));
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /**
     * The comma-separated addresses with the default port ({@value #DEFAULT_PORT}) added to each that names none:
     * {@code m1,m2:7080} is {@code m1:7070,m2:7080}; {@code [::1]} is {@code [::1]:7070}.
     */
    static String withDefaultPort(String list) {
        if (list == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            String address = part.trim();
            boolean bracketed = address.startsWith("[") && address.endsWith("]");
            boolean hostOnly = !address.isEmpty() && (bracketed || address.indexOf(':') < 0);
            out.add(hostOnly ? address + ":" + DEFAULT_PORT : address);
        }
        return String.join(",", out);
    }

    /** The master's port when an address names none. */
    static final int DEFAULT_PORT = 7070;

    /** The command these options are mixed into: where its output goes. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    public boolean json() {
        return output == Format.json;
    }

    /** The command's stdout. */
    PrintWriter out() {
        return command.commandLine().getOut();
    }

    /** The command's stderr. */
    PrintWriter err() {
        return command.commandLine().getErr();
    }

    /**
     * With {@code --output json}: prints {@code message} as JSON on the command's stdout, flushed, and says so; else
     * prints nothing and returns false (the command prints its text).
     */
    boolean printJson(MessageOrBuilder message) {
        if (!json()) {
            return false;
        }
        PrintWriter out = out();
        out.println(Json.print(message));
        out.flush();
        return true;
    }

    /**
     * Prints the answer of a command that answers with one message: as JSON with {@code --output json}, else the text
     * {@code text} gives, on the command's stdout, flushed. Returns {@link ExitCodes#OK}.
     */
    int print(MessageOrBuilder message, Supplier<String> text) {
        if (!printJson(message)) {
            PrintWriter out = out();
            out.println(text.get());
            out.flush();
        }
        return ExitCodes.OK;
    }

    public boolean csv() {
        return output == Format.csv;
    }

    /** Whether this command prints CSV ({@code grid usage}); every other command refuses --output csv. */
    boolean csvAllowed;

    public GridClient connect() {
        if (output == Format.csv && !csvAllowed) {
            throw CliException.usage("--output csv is for grid usage; use text or json");
        }
        Credentials creds = CredentialOptions.load(credentials);
        // the CLI resolves the credentials itself (--credentials, $GRID_CREDENTIALS, the configuration, the default
        // file) and its errors name its options
        GridClient.Builder b = GridClient.builder().target(resolveMaster(master, creds)).defaultCredentials(false)
                .hints(HINTS);
        if (timeout != null) {
            if (timeout.isZero() || timeout.isNegative()) {
                throw CliException.usage("--timeout must be positive");
            }
            b.callTimeout(timeout);
        }
        String t = token; // $GRID_TOKEN arrives as the option's default (see ConfigDefaults)
        if (t == null && creds != null) {
            t = creds.token().orElse(null);
        }
        if (t != null && !t.isBlank()) {
            b.token(t.trim());
        }
        if (insecure) {
            Warnings.insecure();
            b.insecure(true);
        } else if (ca != null) {
            try {
                b.trustCa(Certificates.readCertificate(Files.readString(ca)));
            } catch (IOException | IllegalArgumentException e) {
                throw new CliException(ExitCodes.AUTH, "--ca " + ca + ": " + e.getMessage());
            }
        } else if (caFingerprint != null) {
            try {
                b.caFingerprint(caFingerprint);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--ca-fingerprint: " + e.getMessage());
            }
        } else if (creds != null && creds.ca().isPresent()) {
            b.trustCa(creds.ca().get());
        }
        return b.build();
    }
}
