package io.gridwork.cli;

import ch.qos.logback.classic.Level;
import io.gridwork.client.Credentials;
import io.gridwork.worker.GridWorker;
import io.gridwork.worker.WorkerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(mixinStandardHelpOptions = true, name = "worker", sortOptions = false, description = {"Runs a worker: joins the master and runs the tasks it is given.",
        "Reconnects if the master goes away. On SIGTERM it takes no more tasks, lets running ones finish "
        + "(up to --drain-timeout), hands back the rest, and exits."})
final class WorkerCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--master", paramLabel = "HOST[:PORT][,HOST[:PORT]...]", description = "The masters' addresses, "
            + "comma-separated, the port 7070 if not given (default: $GRID_MASTER, else localhost:7070). The worker also links to every other master "
            + "these name, and splits its slots between the masters by their demand.")
    String master;

    @Option(names = "--slots", paramLabel = "N", description = "Tasks run at once (default: the number of cores).")
    Integer slots;

    @Option(names = "--name", paramLabel = "NAME", description = "The worker's name, unique in the grid (default: the host name).")
    String name;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label jobs can ask for; repeat for more.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where jars are cached (default: ~/.gridwork/worker-NAME).")
    Path workDir;

    @Option(names = "--prefetch", paramLabel = "N", description = "Tasks held beyond the slots, ready to start (default: "
            + "chosen by the worker from how long tasks take, the running ones included: about 20 ms of queued work, "
            + "from 2 to 1024 tasks; when tasks turn long it hands back what it holds beyond that).")
    Integer prefetch;

    @Option(names = "--cost-factor", paramLabel = "FACTOR", description = "What a slot-second on this worker costs in "
            + "the usage ledger (default 1.0; a fast or GPU machine can cost more; above 0, at most 1000).")
    Double costFactor;

    @Option(names = "--health-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port of the worker's gRPC health service, which the master probes (default: a free one).")
    int healthPort;

    @Option(names = "--health-bind", paramLabel = "HOST",
            description = "Address the health service is bound to (default: every interface). The master and other "
                    + "workers must reach it at --advertise-host (default: the address the master sees).")
    String healthBind;

    @Option(names = "--advertise-host", paramLabel = "HOST",
            description = "Address at which the master and other workers reach this worker's health service "
                    + "(default: the address the master sees it connect from).")
    String advertiseHost;

    @Option(names = "--advertise-health-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port at which others reach the health service, if not --health-port (behind NAT or a proxy).")
    int advertiseHealthPort;

    @Option(names = "--join-token", paramLabel = "TOKEN",
            description = "A join token (grid token create --role worker), to join the grid the first time "
                    + "(default: $GRID_JOIN_TOKEN, else the credentials file's).")
    String joinToken;

    @Option(names = "--credentials", paramLabel = "FILE",
            description = "A credentials file with a join token (default: $GRID_CREDENTIALS, else "
                    + "~/.gridwork/master/credentials if it exists: a worker on the master's machine needs nothing more).")
    Path credentials;

    @Option(names = "--insecure", description = "Plaintext and no certificate, for a master started with --insecure.")
    boolean insecure;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve this worker's Prometheus metrics on "
            + "http://HOST:PORT/metrics (default: none; 0 picks a free port). Counters only, no job data, no authentication.")
    Integer metricsPort;

    @Option(names = "--metrics-bind", paramLabel = "HOST", defaultValue = "0.0.0.0",
            description = "Address the metrics are served on (default: ${DEFAULT-VALUE}).")
    String metricsBind;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "On SIGTERM, how long running tasks may take to finish (default: 30s).")
    Duration drainTimeout;

    @Option(names = "--task-log-limit", paramLabel = "SIZE", converter = ByteSizeConverter.class,
            description = "Output (System.out and System.err) kept per task attempt and sent to the master, as bytes or "
                    + "with k or m (default: 64k, at most 1m; 0: not captured, it goes to the worker's own streams). "
                    + "Over it, the head and the tail are kept. See grid logs.")
    Integer taskLogLimit;

    @Option(names = "--data-cache", paramLabel = "SIZE", converter = DataCacheSize.class,
            description = "Room for data-set chunks in WORK-DIR/data-cache, as bytes or with k, m, g or t (default: 10% "
                    + "of the disk's free space at start, from 256m to 10g; at least 4m, one chunk). Least recently used "
                    + "chunks go first, never those the master asked this worker to keep.")
    Long dataCache;

    @Option(names = "--no-peer-fetch", description = "Fetch data-set chunks from the master only, never from other "
            + "workers (a diagnostic and benchmark switch: it shows what peer sharing saves). The worker still serves "
            + "its chunks to others.")
    boolean noPeerFetch;

    // idle owners (issue 19): the owner of the machine comes first

    @Option(names = "--when-idle", description = "Take tasks only while the machine's owner is idle: the load from "
            + "other processes below --idle-load per core and no terminal used for --idle-after (read from /proc/stat, "
            + "/proc/self/stat and the atime of /dev/pts/* and /dev/tty*). When the owner comes back the worker takes "
            + "nothing more and hands its running tasks back after --vacate-after; it shows OWNER_BUSY in grid workers.")
    boolean whenIdle;

    @Option(names = "--idle-load", paramLabel = "LOAD", description = "With --when-idle: the CPU load from other "
            + "processes, per core, below which the owner is idle (default: 0.3).")
    Double idleLoad;

    @Option(names = "--idle-after", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --when-idle: how long no terminal may have been used for the owner to be idle (default: 5m).")
    Duration idleAfter;

    @Option(names = "--idle-command", paramLabel = "CMD", description = "The owner's own test, run every few seconds "
            + "instead of the load and terminal test: exit status 0 means idle (implies --when-idle; split on spaces, "
            + "no shell). A command that does not exist: the worker does not start (exit 2).")
    String idleCommand;

    @Option(names = "--vacate-after", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "When the owner comes back (or the --hours end), how long running tasks may go on before they "
                    + "are interrupted and handed back to the master, to run elsewhere (not counted as failures; "
                    + "default: 30s).")
    Duration vacateAfter;

    @Option(names = "--hours", paramLabel = "HH:MM-HH:MM", description = "Take tasks only within these hours of the "
            + "day, local time (for example 18:00-08:00, over midnight); outside them the worker acts as if its owner "
            + "were busy.")
    String hours;

    @Option(names = "--max-cpu-percent", paramLabel = "PERCENT", description = "Keep this worker's CPU use at about "
            + "this share of all cores (1-100): while its use over the last few seconds is above it, the worker takes "
            + "no new tasks and hands back those not started; running tasks go on (throttled, not killed).")
    Integer maxCpuPercent;

    /** Sizes of the data cache: {@code 10g}, {@code 512m}, {@code 1t}, or bytes (a k is 1024 bytes). */
    static final class DataCacheSize implements picocli.CommandLine.ITypeConverter<Long> {
        private static final java.util.regex.Pattern SIZE =
                java.util.regex.Pattern.compile("(\\d{1,13})\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?");

        @Override
        public Long convert(String value) {
            java.util.regex.Matcher m = SIZE.matcher(value.trim().toLowerCase(java.util.Locale.ROOT));
            if (!m.matches()) {
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not a size (for example 10g, 512m)");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "b" : m.group(2);
            int shift = switch (unit.charAt(0)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                default -> 0;
            };
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is too large");
            }
            return n << shift;
        }
    }

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "Log lines on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); json is one object "
                    + "per line, with the ids of the job, task and worker a line is about in kvpList.")
    Logging.Format logFormat = Logging.Format.text;

    /** The masters: the option (or $GRID_MASTER), else the credentials file's, else the default; a list is kept whole. */
    private String masters(Credentials creds) {
        String target = master; // $GRID_MASTER arrives as the option's default (see ConfigDefaults)
        if ((target == null || target.isBlank()) && creds != null) {
            target = creds.master().orElse(null);
        }
        if (target == null || target.isBlank()) {
            target = io.gridwork.client.GridClient.DEFAULT_TARGET;
        }
        // each address is checked by WorkerOptions, with a message naming --master
        return ClientOptions.withDefaultPort(target.trim());
    }

    /** Idle owners (issue 19): the owner's settings; bad ones throw IllegalArgumentException (exit 2). */
    private void ownerOptions(WorkerOptions.Builder b) {
        b.whenIdle(whenIdle).idleCommand(idleCommand);
        if (idleLoad != null) {
            b.idleLoad(idleLoad);
        }
        if (idleAfter != null) {
            b.idleAfter(idleAfter);
        }
        if (vacateAfter != null) {
            b.vacateAfter(vacateAfter);
        }
        if (hours != null) {
            b.hours(hours);
        }
        if (maxCpuPercent != null) {
            if (maxCpuPercent < 1 || maxCpuPercent > 100) {
                throw new IllegalArgumentException("max-cpu-percent must be from 1 to 100, got " + maxCpuPercent);
            }
            b.maxCpuPercent(maxCpuPercent);
        }
    }

    @Override
    public Integer call() throws Exception {
        Logging.configure(Level.INFO);
        Logging.format(logFormat);
        WorkerOptions options;
        Credentials creds = CredentialOptions.load(credentials);
        String join = joinToken; // $GRID_JOIN_TOKEN arrives as the option's default (see ConfigDefaults)
        if ((join == null || join.isBlank()) && creds != null) {
            join = creds.joinToken().orElse(null);
        }
        if (insecure) {
            Warnings.insecure();
        }
        try {
            WorkerOptions.Builder b = WorkerOptions.builder()
                    .master(masters(creds))
                    .insecure(insecure)
                    .joinToken(insecure ? null : join)
                    .name(name)
                    .labels(KeyValues.parse("--label", labels, false))
                    .workDir(workDir)
                    .healthPort(healthPort)
                    .healthBind(healthBind)
                    .advertiseHost(advertiseHost)
                    .advertiseHealthPort(advertiseHealthPort);
            if (slots != null) {
                b.slots(slots);
            }
            if (prefetch != null) {
                b.prefetch(prefetch);
            }
            if (costFactor != null) {
                b.costFactor(costFactor);
            }
            if (drainTimeout != null) {
                b.drainTimeout(drainTimeout);
            }
            if (taskLogLimit != null) {
                b.taskLogLimit(taskLogLimit);
            }
            if (dataCache != null) {
                b.dataCache(dataCache);
            }
            if (noPeerFetch) {
                b.peerFetch(false);
            }
            ownerOptions(b);
            options = b.build();
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        GridWorker worker;
        try {
            worker = GridWorker.start(options);
        } catch (GridWorker.WorkerSetupException e) {
            throw new CliException(ExitCodes.AUTH, e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.ERROR, "cannot start the worker: " + e.getMessage(), e);
        }
        io.gridwork.worker.WorkerMetrics metrics = null;
        if (metricsPort != null) {
            try {
                metrics = io.gridwork.worker.WorkerMetrics.start(worker, metricsBind, metricsPort);
                spec.commandLine().getErr().println("metrics on http://" + metricsBind + ":" + metrics.port() + "/metrics");
            } catch (IOException | IllegalArgumentException e) {
                worker.close();
                throw new CliException(ExitCodes.ERROR, "cannot serve metrics on " + metricsBind + ":" + metricsPort + ": "
                        + e.getMessage(), e);
            }
        }
        io.gridwork.worker.WorkerMetrics served = metrics;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            if (served != null) {
                served.close();
            }
        }, "gridwork-worker-shutdown"));
        worker.awaitTermination();
        return ExitCodes.OK;
    }
}
