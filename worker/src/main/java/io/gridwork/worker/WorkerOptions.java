package io.gridwork.worker;

import io.gridwork.client.Addresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A worker's settings, immutable, with named defaults; checked when built.
 *
 * <pre>{@code
 * WorkerOptions options = WorkerOptions.builder()
 *         .master("grid-master:7070")            // or several: "m1:7070,m2:7070"
 *         .slots(8)
 *         .label("gpu", "a100")
 *         .build();
 * }</pre>
 *
 * <p>The masters given are the worker's seeds: it joins (gets its certificate) at the first one it reaches, holds a
 * link to each of them (retried forever), and links to every other master they name.
 */
public final class WorkerOptions {

    /**
     * Prefetch chosen by the worker (the default): it holds about {@link #AUTO_PREFETCH_TARGET} of queued work beyond its
     * slots, from {@link #AUTO_PREFETCH_MIN} tasks (long tasks) up to {@link #AUTO_PREFETCH_MAX} (tiny ones), so a slot
     * that frees never waits for a round trip to the master, and no job's tasks pile up on one worker.
     */
    public static final int AUTO_PREFETCH = -1;
    public static final int DEFAULT_PREFETCH = AUTO_PREFETCH;
    public static final int AUTO_PREFETCH_MIN = 2;
    public static final int AUTO_PREFETCH_MAX = 1024;
    public static final Duration AUTO_PREFETCH_TARGET = Duration.ofMillis(20);
    /** How long a worker that is told to stop lets its running tasks finish before it hands them back. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** Longest wait between attempts to reach the master. */
    public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofSeconds(2);
    /** Deadline of a registration or a jar download. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Bytes of System.out and System.err kept per task attempt: enough for the prints and the stack traces of a failing
     * task, small enough that a chatty task of many does not swell the master's store (every attempt's log is kept).
     */
    public static final int DEFAULT_TASK_LOG_LIMIT = 64 << 10;
    /** The largest bound a worker may set (the master keeps at most about this much per attempt anyway). */
    public static final int MAX_TASK_LOG_LIMIT = 1 << 20;
    /** A worker's cost factor unless told otherwise: a slot-second costs one unit. */
    public static final double DEFAULT_COST_FACTOR = 1.0;
    /** The largest cost factor (the master refuses more): a typo like 25000 instead of 2.5 would distort every report. */
    public static final double MAX_COST_FACTOR = 1000;
    /** The smallest data cache: one chunk ({@link io.gridwork.internal.data.DataLayout#CHUNK_SIZE}). */
    public static final long MIN_DATA_CACHE = io.gridwork.internal.data.DataLayout.CHUNK_SIZE;
    /** Idle owners: load from other processes per core below which the owner is idle (a desktop at rest is near 0). */
    public static final double DEFAULT_IDLE_LOAD = 0.3;
    /** Idle owners: how long no terminal may have been used for the owner to be idle. */
    public static final Duration DEFAULT_IDLE_AFTER = Duration.ofMinutes(5);
    /** Idle owners: how long running tasks may go on once the owner is back (they may finish meanwhile). */
    public static final Duration DEFAULT_VACATE_AFTER = Duration.ofSeconds(30);

    private final List<String> masters;
    private final String name;
    private final int slots;
    private final int prefetch;
    private final Map<String, String> labels;
    private final Path workDir;
    private final int healthPort;
    private final String healthBind;
    private final String advertiseHost;
    private final int advertiseHealthPort;
    private final Duration drainTimeout;
    private final int idleClassLoaders;
    private final boolean insecure;
    private final String joinToken;
    private final Duration reconnectBackoffMax;
    private final Duration callTimeout;
    private final int taskLogLimit;
    private final long dataCache;
    private final boolean peerFetch;
    private final OwnerSettings owner;
    private final double costFactor;

    private WorkerOptions(Builder b) {
        this.owner = b.owner;
        this.taskLogLimit = b.taskLogLimit;
        this.dataCache = b.dataCache;
        this.peerFetch = b.peerFetch;
        this.costFactor = b.costFactor;
        this.masters = List.copyOf(b.masters);
        this.name = b.name;
        this.slots = b.slots;
        this.prefetch = b.prefetch;
        this.labels = Map.copyOf(b.labels);
        this.workDir = b.workDir;
        this.healthPort = b.healthPort;
        this.healthBind = b.healthBind;
        this.advertiseHost = b.advertiseHost;
        this.advertiseHealthPort = b.advertiseHealthPort;
        this.drainTimeout = b.drainTimeout;
        this.idleClassLoaders = b.idleClassLoaders;
        this.insecure = b.insecure;
        this.joinToken = b.joinToken;
        this.reconnectBackoffMax = b.reconnectBackoffMax;
        this.callTimeout = b.callTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The name of this machine, as a default worker name. */
    public static String defaultName() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            return host.replaceAll("[^A-Za-z0-9._-]", "-");
        } catch (UnknownHostException e) {
            return "worker";
        }
    }

    /** {@code ~/.gridwork/worker-NAME}. */
    public static Path defaultWorkDir(String name) {
        return Path.of(System.getProperty("user.home"), ".gridwork", "worker-" + name);
    }

    /** The first master given (a convenience for one master). */
    public String master() {
        return masters.get(0);
    }

    /** The masters given (seeds), in the order given, without repeats; never empty. */
    public List<String> masters() {
        return masters;
    }

    public String name() {
        return name;
    }

    public int slots() {
        return slots;
    }

    /** Tasks held beyond the slots, or {@link #AUTO_PREFETCH}. */
    /** What a slot-second on this worker costs in the master's usage ledger ({@link #DEFAULT_COST_FACTOR} by default). */
    public double costFactor() {
        return costFactor;
    }

    public int prefetch() {
        return prefetch;
    }

    public boolean autoPrefetch() {
        return prefetch == AUTO_PREFETCH;
    }

    /**
     * Bytes of a task attempt's System.out and System.err kept and sent to the master with its result (over it, the
     * head and the tail); 0: task output is not captured and goes to the worker's own streams.
     */
    public int taskLogLimit() {
        return taskLogLimit;
    }

    /**
     * Bytes of data-set chunks the worker keeps in {@code <work dir>/data-cache} ({@code --data-cache}); 0: the
     * default, 10% of the free space of the work directory's disk at start, from 256 MiB to 10 GiB
     * ({@link io.gridwork.worker.data.DataPlane#defaultCapacity}).
     */
    public long dataCache() {
        return dataCache;
    }

    /**
     * Whether chunks are fetched from other workers (true, the default) or only from the master
     * ({@code --no-peer-fetch}: a diagnostic and benchmark switch that shows what peer sharing saves). This worker
     * still serves its own chunks to peers either way.
     */
    public boolean peerFetch() {
        return peerFetch;
    }

    public Map<String, String> labels() {
        return labels;
    }

    /**
     * Idle owners (issue 19): the owner's policy ({@code --when-idle}, {@code --hours}, {@code --max-cpu-percent}), or
     * null: the worker is always in service.
     */
    public OwnerSettings owner() {
        return owner;
    }

    /**
     * Idle owners (issue 19): what the owner of the machine allows. {@code whenIdle}: take tasks only while the owner
     * is idle, by {@code idleCommand} (exit 0: idle) if given, else by the load from other processes
     * ({@code idleLoad} per core) and the terminals' idle time ({@code idleAfter}); {@code hours}: only within these
     * hours (null: all day); {@code maxCpuPercent}: 0 or the limit; {@code vacateAfter}: the grace period of running
     * tasks once the owner is back; {@code checkInterval}: how often all this is checked.
     */
    public record OwnerSettings(boolean whenIdle, double idleLoad, Duration idleAfter, String idleCommand,
            io.gridwork.worker.owner.Hours hours, int maxCpuPercent, Duration vacateAfter, Duration checkInterval) {
    }

    public Path workDir() {
        return workDir;
    }

    /** Where the worker serves the gRPC health service; 0 picks a free port. */
    public int healthPort() {
        return healthPort;
    }

    /** The address the health service is bound to; null: every interface (the default). */
    public String healthBind() {
        return healthBind;
    }

    /** The host others use to reach this worker's health service; null: the address the master sees. */
    public String advertiseHost() {
        return advertiseHost;
    }

    /** The port others use to reach this worker's health service (behind NAT or a proxy); 0: the bound port. */
    public int advertiseHealthPort() {
        return advertiseHealthPort;
    }

    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** Class loaders of job jars kept after their jobs end, for the next job of the same jar. */
    public int idleClassLoaders() {
        return idleClassLoaders;
    }

    /** Plaintext, no certificates: for a master started with --insecure. */
    public boolean insecure() {
        return insecure;
    }

    /** The join token ({@code gwj1....}) to join with if this worker has no certificate yet; null if none. */
    public String joinToken() {
        return joinToken;
    }

    public Duration reconnectBackoffMax() {
        return reconnectBackoffMax;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    /** Builds {@link WorkerOptions}. */
    public static final class Builder {
        private List<String> masters = List.of("localhost:7070");
        private String name;
        private int slots = Runtime.getRuntime().availableProcessors();
        private int prefetch = DEFAULT_PREFETCH;
        private double costFactor = DEFAULT_COST_FACTOR;
        private final Map<String, String> labels = new LinkedHashMap<>();
        private Path workDir;
        private int healthPort;
        private String healthBind;
        private String advertiseHost;
        private int advertiseHealthPort;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private int idleClassLoaders = io.gridwork.internal.JobClassLoaders.DEFAULT_MAX_IDLE;
        private boolean insecure;
        private String joinToken;
        private Duration reconnectBackoffMax = DEFAULT_RECONNECT_BACKOFF_MAX;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private int taskLogLimit = DEFAULT_TASK_LOG_LIMIT;
        private long dataCache;
        private boolean peerFetch = true;
        private boolean whenIdle;
        private Double idleLoad;
        private Duration idleAfter;
        private String idleCommand;
        private io.gridwork.worker.owner.Hours hours;
        private int maxCpuPercent;
        private Duration vacateAfter;
        private Duration ownerCheckInterval = io.gridwork.worker.owner.OwnerWatch.DEFAULT_INTERVAL;
        private OwnerSettings owner;

        private Builder() {}

        /** Idle owners: take tasks only while the machine's owner is idle ({@link WorkerOptions#owner()}). */
        public Builder whenIdle(boolean v) {
            whenIdle = v;
            return this;
        }

        /** Idle owners: the load from other processes per core below which the owner is idle (needs whenIdle). */
        public Builder idleLoad(double v) {
            idleLoad = v;
            return this;
        }

        /** Idle owners: how long the terminals must have been unused (needs whenIdle). */
        public Builder idleAfter(Duration v) {
            idleAfter = Objects.requireNonNull(v, "idleAfter");
            return this;
        }

        /** Idle owners: the owner's own test, exit 0 meaning idle; implies whenIdle and replaces the default test. */
        public Builder idleCommand(String v) {
            idleCommand = v == null || v.isBlank() ? null : v.trim();
            return this;
        }

        /** Idle owners: the hours of the day the worker takes tasks (null: all day). */
        public Builder hours(io.gridwork.worker.owner.Hours v) {
            hours = v;
            return this;
        }

        /** Idle owners: the hours as {@code HH:MM-HH:MM} ({@code --hours}); a malformed span throws. Null: all day. */
        public Builder hours(String v) {
            hours = v == null ? null : io.gridwork.worker.owner.Hours.parse(v);
            return this;
        }

        /** Idle owners: the CPU this worker may use, as a percentage of all cores (1 to 100; 0: no limit). */
        public Builder maxCpuPercent(int v) {
            maxCpuPercent = v;
            return this;
        }

        /** Idle owners: how long running tasks may go on once the owner is back, before they are handed back. */
        public Builder vacateAfter(Duration v) {
            vacateAfter = Objects.requireNonNull(v, "vacateAfter");
            return this;
        }

        /** Idle owners: how often the owner's state is checked (default 3 s). */
        public Builder ownerCheckInterval(Duration v) {
            ownerCheckInterval = Objects.requireNonNull(v, "ownerCheckInterval");
            return this;
        }

        private OwnerSettings ownerSettings() {
            boolean idle = whenIdle || idleCommand != null;
            if (idleCommand != null && (idleLoad != null || idleAfter != null)) {
                throw new IllegalArgumentException("idle-command replaces the whole idleness test: leave out "
                        + "idle-load and idle-after");
            }
            if (!idle && (idleLoad != null || idleAfter != null)) {
                throw new IllegalArgumentException((idleLoad != null ? "idle-load" : "idle-after")
                        + " needs when-idle");
            }
            if (idleLoad != null && !(idleLoad > 0 && idleLoad <= 64)) {
                throw new IllegalArgumentException("idle-load must be above 0 and at most 64 (per core), got " + idleLoad);
            }
            if (idleAfter != null && idleAfter.isNegative()) {
                throw new IllegalArgumentException("idle-after must not be negative");
            }
            if (maxCpuPercent < 0 || maxCpuPercent > 100) {
                throw new IllegalArgumentException("max-cpu-percent must be from 1 to 100, got " + maxCpuPercent);
            }
            if (vacateAfter != null && vacateAfter.isNegative()) {
                throw new IllegalArgumentException("vacate-after must not be negative");
            }
            if (ownerCheckInterval.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException("the owner check interval must be at least 100 ms");
            }
            if (!idle && hours == null && maxCpuPercent == 0) {
                if (vacateAfter != null) {
                    throw new IllegalArgumentException("vacate-after needs when-idle or hours");
                }
                return null;
            }
            if (idleCommand != null) {
                io.gridwork.worker.owner.CommandProbe.of(idleCommand); // refuses a command that does not exist
            }
            return new OwnerSettings(idle, idleLoad == null ? DEFAULT_IDLE_LOAD : idleLoad,
                    idleAfter == null ? DEFAULT_IDLE_AFTER : idleAfter, idleCommand, hours, maxCpuPercent,
                    vacateAfter == null ? DEFAULT_VACATE_AFTER : vacateAfter, ownerCheckInterval);
        }

        /** See {@link WorkerOptions#peerFetch()}: false fetches chunks from the master only. */
        public Builder peerFetch(boolean v) {
            peerFetch = v;
            return this;
        }

        /** See {@link WorkerOptions#dataCache()}: 0 (the default) or at least {@link #MIN_DATA_CACHE} bytes. */
        public Builder dataCache(long bytes) {
            dataCache = bytes;
            return this;
        }

        /** See {@link WorkerOptions#taskLogLimit()}: from 0 (no capture) to {@link #MAX_TASK_LOG_LIMIT} bytes. */
        public Builder taskLogLimit(int v) {
            taskLogLimit = v;
            return this;
        }

        /** The master's address, {@code HOST:PORT}, or several separated by commas ({@code m1:7070,m2:7070}). */
        public Builder master(String v) {
            Objects.requireNonNull(v, "master");
            List<String> list = new ArrayList<>();
            for (String part : v.split(",", -1)) {
                list.add(part.trim());
            }
            masters = list;
            return this;
        }

        /** The masters' addresses ({@code HOST:PORT} each). */
        public Builder masters(List<String> v) {
            Objects.requireNonNull(v, "masters");
            List<String> list = new ArrayList<>();
            for (String a : v) {
                list.add(Objects.requireNonNull(a, "master").trim());
            }
            masters = list;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder slots(int v) {
            slots = v;
            return this;
        }

        public Builder prefetch(int v) {
            prefetch = v;
            return this;
        }

        /** What a slot-second on this worker costs (from above 0 to {@link #MAX_COST_FACTOR}). */
        public Builder costFactor(double v) {
            costFactor = v;
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder labels(Map<String, String> v) {
            v.forEach(this::label);
            return this;
        }

        public Builder workDir(Path v) {
            workDir = v;
            return this;
        }

        public Builder healthPort(int v) {
            healthPort = v;
            return this;
        }

        /** The address to bind the health service to (for example 127.0.0.1, or one interface); null or blank: all. */
        public Builder healthBind(String v) {
            healthBind = v == null || v.isBlank() ? null : v.trim();
            return this;
        }

        public Builder advertiseHost(String v) {
            advertiseHost = v == null || v.isBlank() ? null : v.trim();
            return this;
        }

        public Builder advertiseHealthPort(int v) {
            advertiseHealthPort = v;
            return this;
        }

        public Builder insecure(boolean v) {
            insecure = v;
            return this;
        }

        public Builder joinToken(String v) {
            joinToken = v == null || v.isBlank() ? null : v.trim();
            return this;
        }

        public Builder drainTimeout(Duration v) {
            drainTimeout = Objects.requireNonNull(v, "drainTimeout");
            return this;
        }

        /**
         * Class loaders of job jars kept while no job uses them (default 8), so the next job of a jar finds its
         * classes loaded and compiled; 0 unloads a job's code as soon as it ends. Jobs of one jar share its
         * classes' static state on a worker; jobs of different jars never do.
         */
        public Builder idleClassLoaders(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("idle class loaders must not be negative: " + v);
            }
            idleClassLoaders = v;
            return this;
        }

        public Builder reconnectBackoffMax(Duration v) {
            reconnectBackoffMax = Objects.requireNonNull(v, "reconnectBackoffMax");
            return this;
        }

        public Builder callTimeout(Duration v) {
            callTimeout = Objects.requireNonNull(v, "callTimeout");
            return this;
        }

        public WorkerOptions build() {
            if (masters.isEmpty()) {
                throw new IllegalArgumentException("master: give at least one HOST:PORT");
            }
            for (String m : masters) {
                Addresses.parse(m, "master");
            }
            masters = new ArrayList<>(new LinkedHashSet<>(masters));
            if (name == null || name.isBlank()) {
                name = defaultName();
            }
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._@:-]{0,199}")) {
                throw new IllegalArgumentException("name must be 1-200 letters, digits or ._@:- starting with a letter or digit, got '" + name + "'");
            }
            if (slots < 1 || slots > 4096) {
                throw new IllegalArgumentException("slots must be from 1 to 4096, got " + slots);
            }
            if (!(costFactor > 0 && costFactor <= MAX_COST_FACTOR)) {
                throw new IllegalArgumentException("cost-factor must be above 0 and at most " + (int) MAX_COST_FACTOR
                        + ", got " + costFactor);
            }
            if (prefetch != AUTO_PREFETCH && (prefetch < 0 || prefetch > 4096)) {
                throw new IllegalArgumentException("prefetch must be from 0 to 4096, got " + prefetch);
            }
            if (taskLogLimit < 0 || taskLogLimit > MAX_TASK_LOG_LIMIT || taskLogLimit == 1) {
                throw new IllegalArgumentException("task-log-limit must be 0 (no capture) or from 2 bytes to "
                        + (MAX_TASK_LOG_LIMIT >> 10) + " KiB, got " + taskLogLimit);
            }
            if (dataCache != 0 && dataCache < MIN_DATA_CACHE) {
                throw new IllegalArgumentException("data-cache must be at least " + (MIN_DATA_CACHE >> 20)
                        + " MiB (one chunk), or 0 for the default, got " + dataCache + " bytes");
            }
            if (healthPort < 0 || healthPort > 65535) {
                throw new IllegalArgumentException("health port must be from 0 to 65535, got " + healthPort);
            }
            if (advertiseHealthPort < 0 || advertiseHealthPort > 65535) {
                throw new IllegalArgumentException("advertised health port must be from 0 to 65535, got " + advertiseHealthPort);
            }
            if (workDir == null) {
                workDir = defaultWorkDir(name);
            }
            if (joinToken != null) {
                io.gridwork.internal.tls.TokenText.join(joinToken); // checks the form, with a message for people
            }
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drain timeout must not be negative");
            }
            owner = ownerSettings();
            return new WorkerOptions(this);
        }
    }
}
