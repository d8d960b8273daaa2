package io.gridwork.cli;

import ch.qos.logback.classic.Level;
import io.gridwork.client.Addresses;
import io.gridwork.master.DataDirectoryInUseException;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.gridwork.master.core.SchedulerOptions;
import io.gridwork.master.store.StoreConfig;
import io.gridwork.master.store.StoreSchemaException;
import io.gridwork.master.store.StoreUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(mixinStandardHelpOptions = true, name = "master", sortOptions = false, description = {"Runs a master: splits jobs, dispatches tasks, merges results.",
        "Keeps its state in an H2 database under --data, or in PostgreSQL with --store; stops on SIGTERM or Ctrl-C.",
        "Several masters can share one PostgreSQL store: each active one runs the jobs submitted to it, a --standby one "
        + "runs none; when a master fails, a survivor takes over its jobs and schedules (see grid masters).",
        "Exit codes: 0 stopped; 2 bad option (such as --standby without a PostgreSQL store), a data directory another "
        + "master uses, a port in use, or a store whose schema is newer than this master; 3 store unreachable; "
        + "5 could not start."})
final class MasterCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "7070", description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--http-port", paramLabel = "PORT", description = "Port of the web dashboard, its JSON API and "
            + "Prometheus /metrics, on --bind, HTTPS with the master's certificate (default: --port + 1, so 7071; a free "
            + "one, written to DATA/http.port, if --port is 0; -1 serves none).")
    Integer httpPort;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (default: ~/.gridwork/master).")
    Path data;

    @Option(names = "--store", paramLabel = "JDBC_URL", description = "Database of the master's state: "
            + "jdbc:postgresql://HOST:PORT/DB, or jdbc:h2:... (default: H2 in --data, which keeps the CA, credentials "
            + "and jars either way).")
    String store;

    @Option(names = "--store-user", paramLabel = "USER", description = "User of the --store database.")
    String storeUser;

    @Option(names = "--store-password-file", paramLabel = "FILE", description = "File holding the password of "
            + "--store-user (its first line).")
    Path storePasswordFile;

    @Option(names = "--standby", description = "Start as a hot standby: run no jobs, refuse submissions (clients with "
            + "a list of masters go on to the next), take over when an active master fails. Needs a PostgreSQL --store.")
    boolean standby;

    @Option(names = "--advertise", paramLabel = "HOST:PORT", description = "Where other masters, workers and clients "
            + "reach this master, as it tells them (default: this machine's host name and --port).")
    String advertise;

    @Option(names = "--lease-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With several masters: how long a master's lease lasts unrenewed before the others may "
                    + "conclude it dead when no other path sees it (default: 2s).")
    Duration leaseTimeout;

    @Option(names = "--lease-renew-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How often the master renews its lease in the store (default: 250ms).")
    Duration leaseRenewInterval;

    @Option(names = "--peer-ping-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How often masters ping each other, and how long a ping may take (default: 150ms).")
    Duration peerPingInterval;

    @Option(names = "--bind", paramLabel = "HOST", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--heartbeat-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How often workers heartbeat (default: 1s).")
    Duration heartbeatInterval;

    @Option(names = "--missed-heartbeats", paramLabel = "N",
            description = "Heartbeats a worker may miss before it is suspected and probed (default: 2).")
    Integer missedHeartbeats;

    @Option(names = "--probe-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Deadline of one health check of a suspected worker (default: 1s).")
    Duration probeTimeout;

    @Option(names = "--probe-rounds", paramLabel = "N",
            description = "Probe rounds, on every path, before a suspected worker is judged (default: 2).")
    Integer probeRounds;

    @Option(names = "--link-grace", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long a worker with a link failure keeps its tasks (default: 10s).")
    Duration linkGrace;

    @Option(names = "--adoption-grace", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "After a restart, how long running tasks wait for their workers to take them back (default: 10s).")
    Duration adoptionGrace;

    @Option(names = "--quarantine-after", paramLabel = "N",
            description = "Worker deaths under one task before it is quarantined and its job fails (default: 3).")
    Integer quarantineAfter;

    @Option(names = "--split-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Time limit of a job's split (each batch) on the master (default: 60s).")
    Duration splitTimeout;

    @Option(names = "--merge-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Time limit of a job's merge on the master (default: 30m).")
    Duration mergeTimeout;

    @Option(names = "--max-attempts", paramLabel = "N",
            description = "Default attempts of a failing task before its job fails (default: 3).")
    Integer maxAttempts;

    @Option(names = "--insecure", description = "Plaintext and NO authentication: anyone who reaches the port can run "
            + "code on every worker. For trusted private networks only; prints a warning.")
    boolean insecure;

    @Option(names = "--tls-name", paramLabel = "NAME", description = "A host name or address clients use to reach the "
            + "master, added to its certificate (this machine's own names are there already); repeat for more.")
    List<String> tlsNames = new ArrayList<>();

    @Option(names = "--max-message-size", paramLabel = "BYTES", description = "Largest gRPC message accepted (default: 64 MiB).")
    Integer maxMessageBytes;

    @Option(names = "--max-jar-size", paramLabel = "BYTES", description = "Largest job jar accepted (default: 256 MiB).")
    Long maxJarBytes;

    @Option(names = "--max-args-size", paramLabel = "CHARS", description = "Largest total size of a job's arguments (default: 65536).")
    Integer maxArgsBytes;

    @Option(names = "--max-tasks-per-job", paramLabel = "N", description = "Most tasks in one job (default: 10000000).")
    Long maxTasksPerJob;

    @Option(names = "--max-output-size", paramLabel = "BYTES", description = "Largest output of one task (default: 16 MiB).")
    Integer maxOutputBytes;

    @Option(names = "--max-checkpoint-size", paramLabel = "BYTES",
            description = "Largest checkpoint one task may save; a larger one is refused to the task (default: 64 MiB;"
                    + " states above 256 KiB are kept in the data grid).")
    Integer maxCheckpointBytes;

    @Option(names = "--min-checkpoint-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Least time between two stored checkpoints of one task; faster saves are coalesced, the "
                    + "latest winning (default: 1s; 0s: store every save).")
    Duration minCheckpointInterval;

    @Option(names = "--max-result-size", paramLabel = "BYTES", description = "Largest merged result of a job (default: 256 MiB).")
    Integer maxResultBytes;

    @Option(names = "--max-queued-jobs-per-user", paramLabel = "N",
            description = "Most unfinished jobs of one user (token name) (default: 100).")
    Integer maxQueuedJobsPerUser;

    @Option(names = "--trust-max-disagreement", paramLabel = "RATE",
            description = "Results by quorum: a worker whose replicas disagreed with the accepted output more often than "
                    + "this share (0 to 1) of its replicas compared gets no tasks of quorum jobs, until an admin runs "
                    + "grid workers reset-trust (default: 0.25; 1: never excluded).")
    Double trustMaxDisagreement;

    @Option(names = "--trust-min-samples", paramLabel = "N",
            description = "Replicas of a worker compared before its disagreement rate may exclude it (default: 8).")
    Integer trustMinSamples;


    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "Log lines on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); json is one object "
                    + "per line, with the ids of the job, task and worker a line is about in kvpList.")
    Logging.Format logFormat = Logging.Format.text;

    @Override
    public Integer call() throws Exception {
        Logging.configure(Level.INFO);
        Logging.format(logFormat);
        SchedulerOptions.Builder scheduler = SchedulerOptions.builder();
        if (maxTasksPerJob != null) {
            scheduler.maxTasksPerJob(maxTasksPerJob);
        }
        if (maxOutputBytes != null) {
            scheduler.maxOutputBytes(maxOutputBytes);
        }
        if (maxResultBytes != null) {
            scheduler.maxResultBytes(maxResultBytes);
        }
        if (maxCheckpointBytes != null) {
            scheduler.maxCheckpointBytes(maxCheckpointBytes);
        }
        if (minCheckpointInterval != null) {
            scheduler.minCheckpointInterval(minCheckpointInterval);
        }
        if (maxQueuedJobsPerUser != null) {
            scheduler.maxQueuedJobsPerUser(maxQueuedJobsPerUser);
        }
        if (trustMaxDisagreement != null) {
            scheduler.trustMaxDisagreement(trustMaxDisagreement);
        }
        if (trustMinSamples != null) {
            scheduler.trustMinSamples(trustMinSamples);
        }
        if (heartbeatInterval != null) {
            scheduler.heartbeatInterval(heartbeatInterval);
        }
        if (missedHeartbeats != null) {
            scheduler.missedHeartbeats(missedHeartbeats);
        }
        if (maxAttempts != null) {
            scheduler.defaultMaxAttempts(maxAttempts);
        }
        if (probeTimeout != null) {
            scheduler.probeTimeout(probeTimeout);
        }
        if (probeRounds != null) {
            scheduler.probeRounds(probeRounds);
        }
        if (linkGrace != null) {
            scheduler.linkGrace(linkGrace);
        }
        if (adoptionGrace != null) {
            scheduler.adoptionGrace(adoptionGrace);
        }
        if (quarantineAfter != null) {
            scheduler.quarantineAfterCrashes(quarantineAfter);
        }
        if (splitTimeout != null) {
            scheduler.splitTimeout(splitTimeout);
        }
        if (mergeTimeout != null) {
            scheduler.mergeTimeout(mergeTimeout);
        }
        MasterOptions options;
        try {
            MasterOptions.Builder b = MasterOptions.builder()
                    .port(port)
                    .bindHost(bind)
                    .dataDir(data != null ? data : MasterOptions.defaultDataDir())
                    .scheduler(scheduler.build())
                    .insecure(insecure)
                    .httpPort(httpPort != null ? httpPort : port == 0 ? 0 : port + 1);
            tlsNames.forEach(b::tlsName);
            b.standby(standby);
            if (advertise != null) {
                Addresses.parse(advertise, "--advertise");
                b.advertiseAddress(advertise.trim());
            }
            if (leaseTimeout != null) {
                b.leaseTimeout(leaseTimeout);
            }
            if (leaseRenewInterval != null) {
                b.leaseRenewInterval(leaseRenewInterval);
            }
            if (peerPingInterval != null) {
                b.peerPingInterval(peerPingInterval);
            }
            StoreConfig storeConfig = storeConfig();
            if (storeConfig != null) {
                b.store(storeConfig);
            }
            if (maxMessageBytes != null) {
                b.maxMessageBytes(maxMessageBytes);
            }
            if (maxJarBytes != null) {
                b.maxJarBytes(maxJarBytes);
            }
            if (maxArgsBytes != null) {
                b.maxArgsBytes(maxArgsBytes);
            }
            options = b.build();
            // (scheduler.build() above checks every threshold and names the one at fault)
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        GridMaster master;
        try {
            master = GridMaster.start(options);
        } catch (Exception e) {
            throw startFailure(e, options);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(master::close, "gridwork-master-shutdown"));
        master.awaitTermination();
        return ExitCodes.OK;
    }

    /**
     * The database named by {@code --store}, {@code --store-user} and {@code --store-password-file}, or null for the
     * default (H2 in the data directory). A bad URL or an unreadable password file is a usage error naming its option.
     */
    StoreConfig storeConfig() {
        if (store == null) {
            if (storeUser != null || storePasswordFile != null) {
                throw CliException.usage("--store-user and --store-password-file need --store");
            }
            return null;
        }
        String password = storePasswordFile == null ? null : readPassword(storePasswordFile);
        return StoreConfig.parse(store, storeUser, password); // names --store when the URL is not one it takes
    }

    /** The first line of the password file; the password itself never goes into a message. */
    static String readPassword(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw CliException.usage("--store-password-file: no such file " + file);
        } catch (AccessDeniedException e) {
            throw CliException.usage("--store-password-file: cannot read " + file + ": permission denied");
        } catch (IOException | UncheckedIOException e) {
            throw CliException.usage("--store-password-file: cannot read " + file + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        String password = text.lines().findFirst().orElse("");
        if (password.isEmpty()) {
            throw CliException.usage("--store-password-file: " + file + " is empty");
        }
        return password;
    }

    /**
     * Why the master did not start, as the exit code and one line: a data directory another master uses or a port
     * that is taken is 2, a store it cannot reach is 3, a store whose schema is newer than this master is 2, anything
     * else 5.
     */
    static CliException startFailure(Exception e, MasterOptions options) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataDirectoryInUseException) {
                return new CliException(ExitCodes.USAGE, t.getMessage()
                        + ": stop that master, or start this one with another --data", e);
            }
            if (t instanceof BindException) {
                return new CliException(ExitCodes.USAGE, portInUse(options, t), e);
            }
            // their messages say which store and why ("cannot open the store at URL: connection refused ...")
            if (t instanceof StoreUnavailableException) {
                return new CliException(ExitCodes.UNREACHABLE, firstLine(t), e);
            }
            if (t instanceof StoreSchemaException) {
                return new CliException(ExitCodes.USAGE, firstLine(t), e);
            }
        }
        return new CliException(ExitCodes.ERROR, "cannot start the master: " + rootMessage(e), e);
    }

    /**
     * Which port was taken, for a master that could not bind: the gRPC port is bound first, so when it can be bound
     * now the one taken was the dashboard's.
     */
    static String portInUse(MasterOptions options, Throwable bindFailure) {
        String host = options.bindHost();
        if (options.port() != 0 && !canBind(host, options.port())) {
            return "port " + options.port() + " on " + host + " is in use by another program (another master?): "
                    + "stop it, or choose another --port";
        }
        if (options.httpPort() > 0 && !canBind(host, options.httpPort())) {
            return "the dashboard's port " + options.httpPort() + " on " + host + " is in use by another program "
                    + "(another master?): stop it, choose another --http-port, or -1 for no dashboard";
        }
        return "cannot listen on " + host + ": " + firstLine(bindFailure)
                + " (a port of --port or --http-port is in use, or --bind is not an address of this machine)";
    }

    private static boolean canBind(String host, int port) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String firstLine(Throwable t) {
        return t.getMessage() == null ? t.toString() : t.getMessage().split("\n")[0];
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.toString() : root.getMessage();
        return message.split("\n")[0];
    }
}
