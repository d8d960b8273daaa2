package io.gridwork.master;

import io.gridwork.master.core.SchedulerOptions;
import io.gridwork.master.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The master's settings, immutable, with named defaults; checked when built.
 *
 * <pre>{@code
 * MasterOptions options = MasterOptions.builder().port(7070).dataDir(Path.of("/var/lib/gridwork")).build();
 * try (GridMaster master = GridMaster.start(options)) {
 *     master.awaitTermination();
 * }
 * }</pre>
 */
public final class MasterOptions {

    public static final int DEFAULT_PORT = 7070;
    /** {@link #httpPort()} value for no dashboard. */
    public static final int HTTP_OFF = -1;
    public static final String DEFAULT_BIND_HOST = "0.0.0.0";
    /** Largest job jar accepted. */
    public static final long DEFAULT_MAX_JAR_BYTES = 256L << 20;
    /** Largest total size of a job's arguments (keys and values, in characters). */
    public static final int DEFAULT_MAX_ARGS_BYTES = 64 << 10;
    /** Largest gRPC message the master accepts (a batch of task results, say). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;

    private final String bindHost;
    private final int port;
    private final int httpPort;
    private final Path dataDir;
    private final long maxJarBytes;
    private final int maxArgsBytes;
    private final int maxMessageBytes;
    private final int rpcThreads;
    private final SchedulerOptions scheduler;
    private final boolean insecure;
    private final java.util.List<String> tlsNames;
    /** Null: H2 in the data directory. */
    private final StoreConfig store;
    private final boolean standby;
    private final String advertiseAddress;
    private final Duration leaseRenewInterval;
    private final Duration leaseTimeout;
    private final Duration peerPingInterval;

    private MasterOptions(Builder b) {
        this.httpPort = b.httpPort;
        this.bindHost = b.bindHost;
        this.port = b.port;
        this.dataDir = b.dataDir;
        this.maxJarBytes = b.maxJarBytes;
        this.maxArgsBytes = b.maxArgsBytes;
        this.maxMessageBytes = b.maxMessageBytes;
        this.rpcThreads = b.rpcThreads;
        this.scheduler = b.scheduler;
        this.insecure = b.insecure;
        this.tlsNames = java.util.List.copyOf(b.tlsNames);
        this.store = b.store;
        this.standby = b.standby;
        this.advertiseAddress = b.advertiseAddress;
        this.leaseRenewInterval = b.leaseRenewInterval;
        this.leaseTimeout = b.leaseTimeout;
        this.peerPingInterval = b.peerPingInterval;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code ~/.gridwork/master}. */
    public static Path defaultDataDir() {
        return Path.of(System.getProperty("user.home"), ".gridwork", "master");
    }

    public String bindHost() {
        return bindHost;
    }

    /** The port to listen on; 0 picks a free one (see {@link GridMaster#port()}). */
    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * The port of the web dashboard, its JSON API and the Prometheus metrics; 0 picks a free one (written to
     * {@code DATA/http.port}), {@link #HTTP_OFF} serves none.
     */
    public int httpPort() {
        return httpPort;
    }

    public long maxJarBytes() {
        return maxJarBytes;
    }

    public int maxArgsBytes() {
        return maxArgsBytes;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public int rpcThreads() {
        return rpcThreads;
    }

    public SchedulerOptions scheduler() {
        return scheduler;
    }

    /** Plaintext and no authentication: for development only. */
    public boolean insecure() {
        return insecure;
    }

    /** Extra host names or addresses the master's certificate is valid for (beyond this machine's own). */
    public java.util.List<String> tlsNames() {
        return tlsNames;
    }

    /**
     * The database of the master's state: the one given to {@link Builder#store}, else H2 in {@link #dataDir()} (the
     * default). The data directory holds the CA, credentials, jars and port files either way.
     */
    public StoreConfig store() {
        return store != null ? store : StoreConfig.h2(dataDir);
    }

    /** Whether the master starts as a hot standby: it runs no jobs until an active master fails (PostgreSQL only). */
    public boolean standby() {
        return standby;
    }

    /**
     * The host:port other masters, workers and clients reach this master at, as it tells them; null: the
     * machine's host name and the port it listens on.
     */
    public String advertiseAddress() {
        return advertiseAddress;
    }

    /** How often the master renews its lease in the shared store. */
    public Duration leaseRenewInterval() {
        return leaseRenewInterval;
    }

    /** How long a lease lasts unrenewed before a peer may conclude the master dead (when no other path sees it). */
    public Duration leaseTimeout() {
        return leaseTimeout;
    }

    /** How often masters ping each other (and how long a ping may take). */
    public Duration peerPingInterval() {
        return peerPingInterval;
    }

    /** Builds {@link MasterOptions}. */
    public static final class Builder {
        private String bindHost = DEFAULT_BIND_HOST;
        private int port = DEFAULT_PORT;
        private int httpPort = HTTP_OFF;
        private Path dataDir = defaultDataDir();
        private long maxJarBytes = DEFAULT_MAX_JAR_BYTES;
        private int maxArgsBytes = DEFAULT_MAX_ARGS_BYTES;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int rpcThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private SchedulerOptions scheduler = SchedulerOptions.defaults();
        private boolean insecure;
        private final java.util.List<String> tlsNames = new java.util.ArrayList<>();
        private StoreConfig store;
        private boolean standby;
        private String advertiseAddress;
        private Duration leaseRenewInterval = Duration.ofMillis(250);
        private Duration leaseTimeout = Duration.ofSeconds(2);
        private Duration peerPingInterval = Duration.ofMillis(150);

        private Builder() {}

        /** Starts the master as a hot standby (PostgreSQL only). */
        public Builder standby(boolean v) {
            standby = v;
            return this;
        }

        /** The host:port this master tells others to reach it at. */
        public Builder advertiseAddress(String v) {
            advertiseAddress = v;
            return this;
        }

        public Builder leaseRenewInterval(Duration v) {
            leaseRenewInterval = Objects.requireNonNull(v, "leaseRenewInterval");
            return this;
        }

        public Builder leaseTimeout(Duration v) {
            leaseTimeout = Objects.requireNonNull(v, "leaseTimeout");
            return this;
        }

        public Builder peerPingInterval(Duration v) {
            peerPingInterval = Objects.requireNonNull(v, "peerPingInterval");
            return this;
        }

        /** The database of the master's state, such as PostgreSQL (default: H2 in the data directory). */
        public Builder store(StoreConfig v) {
            store = Objects.requireNonNull(v, "store");
            return this;
        }

        public Builder insecure(boolean v) {
            insecure = v;
            return this;
        }

        public Builder tlsName(String v) {
            tlsNames.add(Objects.requireNonNull(v, "tlsName"));
            return this;
        }

        public Builder bindHost(String v) {
            bindHost = Objects.requireNonNull(v, "bindHost");
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        /** The dashboard's port (0: a free one; {@link #HTTP_OFF}, the default here: none). */
        public Builder httpPort(int v) {
            if (v < HTTP_OFF || v > 65535) {
                throw new IllegalArgumentException("http port must be from 0 to 65535 (or -1 for none): " + v);
            }
            httpPort = v;
            return this;
        }

        public Builder dataDir(Path v) {
            dataDir = Objects.requireNonNull(v, "dataDir");
            return this;
        }

        public Builder maxJarBytes(long v) {
            maxJarBytes = v;
            return this;
        }

        public Builder maxArgsBytes(int v) {
            maxArgsBytes = v;
            return this;
        }

        public Builder maxMessageBytes(int v) {
            maxMessageBytes = v;
            return this;
        }

        public Builder rpcThreads(int v) {
            rpcThreads = v;
            return this;
        }

        public Builder scheduler(SchedulerOptions v) {
            scheduler = Objects.requireNonNull(v, "scheduler");
            return this;
        }

        public MasterOptions build() {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be from 0 to 65535, got " + port);
            }
            if (maxJarBytes < 1024 || maxArgsBytes < 1 || maxMessageBytes < 1 << 20) {
                throw new IllegalArgumentException("limits must be positive (messages at least 1 MiB, jars at least 1 KiB)");
            }
            if (rpcThreads < 1) {
                throw new IllegalArgumentException("rpcThreads must be positive");
            }
            if (leaseRenewInterval.isNegative() || leaseRenewInterval.isZero() || peerPingInterval.isNegative()
                    || peerPingInterval.isZero() || leaseTimeout.compareTo(leaseRenewInterval.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("the lease timeout must be at least twice the lease renewal interval,"
                        + " and both intervals positive");
            }
            if (standby && (store == null || store.dialect() != io.gridwork.master.store.Dialect.POSTGRES)) {
                throw new IllegalArgumentException("--standby needs a shared PostgreSQL store (--store jdbc:postgresql://...):"
                        + " with H2 there is only one master");
            }
            return new MasterOptions(this);
        }
    }
}
