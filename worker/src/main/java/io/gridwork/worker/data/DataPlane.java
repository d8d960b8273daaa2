package io.gridwork.worker.data;

import io.gridwork.api.v1.ChunkKey;
import io.gridwork.api.v1.CorruptChunk;
import io.gridwork.api.v1.DataOrder;
import io.gridwork.api.v1.DataReport;
import io.gridwork.api.v1.DataSetRef;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.PeerEndpoint;
import io.gridwork.internal.NamedThreads;
import io.gridwork.internal.tls.GridTrust;
import io.gridwork.worker.data.DataCache.ChunkId;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import javax.net.ssl.KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's data plane, the one thing {@code GridWorker} knows of the data grid. Its six touch points:
 * <ol>
 *   <li>at start, {@link #open} opens the data cache; {@link #heldChunks()} goes in {@code RegisterRequest.held_chunks};
 *   <li>{@link #peerService()} is added to the health port's server, whose credentials {@link #serverCredentials}
 *       gives (TLS asking for a client certificate: PeerService serves only the grid's workers and masters, while the
 *       masters' health probes, which show none, keep working);
 *   <li>{@link #received(MasterMessage)} takes {@code data_orders} and {@code peers};
 *   <li>{@link #takeReport()} gives the {@code WorkerMessage.data_report} to send, if any;
 *   <li>{@link #forTask(JobSpec)} gives a task's {@code openData} and its {@code TaskResult.data} counters;
 *   <li>{@link #fetchJar} brings a job jar through the grid when {@code JobSpec.jar_data_id} is set (FetchJar stays the
 *       fallback).
 * </ol>
 */
public final class DataPlane implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);
    /** The default cache is this share of the free space of the work directory's disk at start... */
    public static final double DEFAULT_CACHE_SHARE = 0.10;
    /** ...capped at 10 GiB (so a worker on a large disk does not fill it unasked)... */
    public static final long DEFAULT_CACHE_MAX = 10L << 30;
    /** ...and at least 256 MiB (64 chunks: a small disk still holds a useful data set). */
    public static final long DEFAULT_CACHE_MIN = 256L << 20;
    /** Threads that move chunks: the fetches of tasks and of the master's orders share them. */
    static final int FETCH_THREADS = 8;

    private final DataCache cache;
    private final ChunkFetcher fetcher;
    private final PeerServer peerServer;
    private final boolean tls;
    private final ChannelCredentials peerCredentials;
    private final ThreadPoolExecutor fetchPool;
    private final ExecutorService orderPool;
    /** The peer channels' own threads (the fetch threads block on calls; they must not also run the callbacks). */
    private final ExecutorService rpcPool;
    private final Map<String, ManagedChannel> peerChannels = new ConcurrentHashMap<>();
    private volatile List<PeerEndpoint> peers = List.of();

    // the next DataReport, guarded by `this`
    private final Set<ChunkKey> added = new LinkedHashSet<>();
    private final Set<ChunkKey> evicted = new LinkedHashSet<>();
    private final List<CorruptChunk> corrupt = new ArrayList<>();

    private DataPlane(Path cacheDir, long capacity, boolean tls, ChannelCredentials peerCredentials,
            Supplier<List<Channel>> masters, ChunkFetcher.Peers peerChannelsOverride, Supplier<String> selfId,
            Duration callTimeout, boolean peerFetch) throws IOException {
        this.tls = tls;
        this.peerCredentials = peerCredentials;
        this.cache = new DataCache(cacheDir, capacity, new DataCache.Listener() {
            @Override
            public void added(ChunkId chunk) {
                synchronized (DataPlane.this) {
                    ChunkKey k = key(chunk);
                    if (!evicted.remove(k)) {
                        added.add(k);
                    }
                }
            }

            @Override
            public void evicted(ChunkId chunk) {
                synchronized (DataPlane.this) {
                    ChunkKey k = key(chunk);
                    if (!added.remove(k)) {
                        evicted.add(k);
                    }
                }
            }
        });
        this.fetchPool = new ThreadPoolExecutor(FETCH_THREADS, FETCH_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreads("gridwork-data-fetch", true));
        fetchPool.allowCoreThreadTimeOut(true);
        this.orderPool = Executors.newSingleThreadExecutor(new NamedThreads("gridwork-data-orders", true));
        this.rpcPool = Executors.newFixedThreadPool(2, new NamedThreads("gridwork-data-rpc", true));
        this.fetcher = new ChunkFetcher(cache, masters,
                peerChannelsOverride != null ? peerChannelsOverride : this::peerChannel, () -> peers, selfId,
                this::reportCorrupt, fetchPool, callTimeout, peerFetch);
        this.peerServer = new PeerServer(cache, Boolean.getBoolean(PeerServer.CORRUPT_PROPERTY));
    }

    /**
     * Opens the data plane of a worker: its cache in {@code <workDir>/data-cache} of {@code capacity} bytes (0: the
     * default, see {@link #defaultCapacity}).
     *
     * @param keyManagers the worker's certificate, null when the grid is insecure
     * @param ca          the grid's CA, null when the grid is insecure
     * @param masters     channels to the masters, connected ones first (LocateChunks, FetchChunk)
     * @param selfId      this worker's id (null until registered): it never fetches from itself
     */
    public static DataPlane open(Path workDir, long capacity, KeyManager[] keyManagers, X509Certificate ca,
            Supplier<List<Channel>> masters, Supplier<String> selfId, Duration callTimeout) throws IOException {
        return open(workDir, capacity, keyManagers, ca, masters, selfId, callTimeout, true);
    }

    /**
     * As {@link #open(Path, long, KeyManager[], X509Certificate, Supplier, Supplier, Duration)}; {@code peerFetch}
     * false ({@code grid worker --no-peer-fetch}) fetches every chunk from a master, never from a peer.
     */
    public static DataPlane open(Path workDir, long capacity, KeyManager[] keyManagers, X509Certificate ca,
            Supplier<List<Channel>> masters, Supplier<String> selfId, Duration callTimeout, boolean peerFetch)
            throws IOException {
        Path dir = workDir.resolve("data-cache");
        long bytes = capacity > 0 ? capacity : defaultCapacity(workDir);
        boolean tls = keyManagers != null;
        ChannelCredentials credentials = tls
                ? TlsChannelCredentials.newBuilder().keyManager(keyManagers).trustManager(GridTrust.workers(ca)).build()
                : InsecureChannelCredentials.create();
        DataPlane plane = new DataPlane(dir, bytes, tls, credentials, masters, null, selfId, callTimeout, peerFetch);
        log.info("data cache {}: {} bytes{}, {} chunks held{}", dir, bytes, capacity > 0 ? "" : " (the default)",
                plane.cache.chunks().size(), peerFetch ? "" : "; chunks fetched from the master only (--no-peer-fetch)");
        return plane;
    }

    /** For tests: a data plane whose peers are reached through {@code peers} (e.g. in-process channels). */
    static DataPlane forTest(Path cacheDir, long capacity, Supplier<List<Channel>> masters, ChunkFetcher.Peers peers,
            Supplier<String> selfId) throws IOException {
        return new DataPlane(cacheDir, capacity, false, InsecureChannelCredentials.create(), masters, peers, selfId,
                Duration.ofSeconds(10), true);
    }

    /** 10% of the free space of the work directory's disk, from 256 MiB to 10 GiB. */
    public static long defaultCapacity(Path workDir) throws IOException {
        long free = Files.getFileStore(workDir).getUsableSpace();
        return Math.max(DEFAULT_CACHE_MIN, Math.min(DEFAULT_CACHE_MAX, (long) (free * DEFAULT_CACHE_SHARE)));
    }

    /**
     * The health port's server credentials over TLS: the worker's certificate, and a request (not a demand) for the
     * caller's, which must then be a worker's or master's of the grid's CA.
     */
    public static ServerCredentials serverCredentials(KeyManager[] keyManagers, X509Certificate ca) {
        return TlsServerCredentials.newBuilder().keyManager(keyManagers).trustManager(new PeerTrust(ca))
                .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build();
    }

    /** The health port's server credentials when the grid is insecure. */
    public static ServerCredentials insecureServerCredentials() {
        return InsecureServerCredentials.create();
    }

    // ------------------------------------------------------------------ (1) registration

    /** The chunks the cache holds, for {@code RegisterRequest.held_chunks}. */
    public List<ChunkKey> heldChunks() {
        List<ChunkKey> keys = new ArrayList<>();
        for (ChunkId c : cache.chunks()) {
            keys.add(key(c));
        }
        return keys;
    }

    // ------------------------------------------------------------------ (2) PeerService

    /** PeerService behind its door, for the health port's server. */
    public ServerServiceDefinition peerService() {
        return peerServer.definition(tls);
    }

    // ------------------------------------------------------------------ (3) orders and peers

    /** The data grid's part of a master's message: its orders (run in the background) and the peer list. */
    public void received(MasterMessage m) {
        if (m.getPeersCount() > 0) {
            setPeers(m.getPeersList());
        }
        for (DataOrder order : m.getDataOrdersList()) {
            apply(order);
        }
    }

    void setPeers(List<PeerEndpoint> list) {
        peers = List.copyOf(list);
        Set<String> live = new java.util.HashSet<>();
        for (PeerEndpoint p : list) {
            live.add(address(p));
        }
        peerChannels.entrySet().removeIf(e -> {
            if (!live.contains(e.getKey())) {
                e.getValue().shutdown();
                return true;
            }
            return false;
        });
    }

    void apply(DataOrder order) {
        DataSetRef ref = order.getDataSet();
        String id = ref.getId();
        if (order.getRemoved()) {
            for (ChunkId c : cache.chunksOf(id)) {
                cache.drop(c);
            }
            log.info("data set {} was removed: its chunks are dropped from the data cache", id);
            return;
        }
        for (int index : order.getDropList()) {
            cache.unpin(new ChunkId(id, index)); // evicted when room is needed, so reads stay local meanwhile
        }
        List<Integer> fetch = new ArrayList<>();
        for (int index : order.getFetchList()) {
            if (index < 0 || index >= ref.getChunkSha256Count()) {
                log.warn("order for chunk {} of data set {}, which has {}: ignored", index, id, ref.getChunkSha256Count());
                continue;
            }
            ChunkId chunk = new ChunkId(id, index);
            cache.pin(chunk);
            if (cache.holds(chunk, ChunkFetcher.sha(ref, index))) {
                // held already (the master's directory missed it): say so, as if it had just been fetched
                synchronized (this) {
                    evicted.remove(key(chunk));
                    added.add(key(chunk));
                }
            } else {
                fetch.add(index);
            }
        }
        if (!fetch.isEmpty()) {
            orderPool.execute(() -> {
                try {
                    fetcher.ensure(ref, fetch);
                } catch (IOException | RuntimeException e) {
                    log.warn("cannot fetch the {} chunks of data set {} the master ordered: {}", fetch.size(), id,
                            e.getMessage());
                }
            });
        }
    }

    // ------------------------------------------------------------------ (4) reports

    /** What changed since the last call, for {@code WorkerMessage.data_report}; null if nothing did. */
    public synchronized DataReport takeReport() {
        if (added.isEmpty() && evicted.isEmpty() && corrupt.isEmpty()) {
            return null;
        }
        DataReport r = DataReport.newBuilder().addAllAdded(added).addAllEvicted(evicted).addAllCorrupt(corrupt).build();
        added.clear();
        evicted.clear();
        corrupt.clear();
        return r;
    }

    private synchronized void reportCorrupt(CorruptChunk c) {
        corrupt.add(c);
    }

    // ------------------------------------------------------------------ (5) tasks

    /** A task attempt's access to its job's data sets ({@code TaskContext.openData}) and its counters. */
    public TaskData forTask(JobSpec spec) {
        return new TaskData(fetcher, cache, spec == null ? List.of() : spec.getDataList());
    }

    /**
     * A whole data set's bytes (a large task checkpoint), its chunks from peers or a master, each verified against its
     * hash before it is used.
     *
     * @throws IOException it could not be fetched
     */
    public byte[] readAll(DataSetRef ref) throws IOException {
        if (ref.getSize() > Integer.MAX_VALUE - 8) {
            throw new IOException("data set " + ref.getId() + " of " + ref.getSize() + " bytes is too large to read whole");
        }
        fetcher.ensure(ref, IntStream.range(0, ref.getChunkSha256Count()).boxed().toList());
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream((int) ref.getSize());
        for (int i = 0; i < ref.getChunkSha256Count(); i++) {
            try (InputStream in = cache.open(new ChunkId(ref.getId(), i), ChunkFetcher.sha(ref, i))) {
                if (in == null) {
                    throw new IOException("chunk " + i + " of data set " + ref.getId() + " left the data cache before it"
                            + " was read");
                }
                in.transferTo(all);
            }
        }
        if (all.size() != ref.getSize()) {
            throw new IOException("data set " + ref.getId() + " has " + all.size() + " bytes, not " + ref.getSize());
        }
        return all.toByteArray();
    }

    // ------------------------------------------------------------------ (6) jars

    /**
     * Brings a job jar into {@code target} through the data grid: its chunks from peers (from a master only when no
     * peer has them), each verified, then the whole file checked against {@code sha256}.
     *
     * @throws IOException it could not (the caller falls back to FetchJar)
     */
    public void fetchJar(String jarDataId, String sha256, Path target) throws IOException {
        DataSetRef ref = fetcher.describe(jarDataId);
        fetcher.ensure(ref, IntStream.range(0, ref.getChunkSha256Count()).boxed().toList());
        Path temp = Files.createTempFile(target.getParent(), "fetch-", ".tmp");
        try {
            MessageDigest digest = io.gridwork.internal.data.DataLayout.sha256();
            try (OutputStream out = Files.newOutputStream(temp)) {
                for (int i = 0; i < ref.getChunkSha256Count(); i++) {
                    try (InputStream in = cache.open(new ChunkId(jarDataId, i), ChunkFetcher.sha(ref, i))) {
                        if (in == null) {
                            throw new IOException("chunk " + i + " of jar data set " + jarDataId
                                    + " left the data cache before it was read");
                        }
                        byte[] buf = in.readAllBytes();
                        digest.update(buf);
                        out.write(buf);
                    }
                }
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(sha256)) {
                throw new IOException("jar data set " + jarDataId + " has SHA-256 " + actual + ", not the jar's " + sha256);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            log.info("fetched jar {} through the data grid ({} bytes)", sha256, ref.getSize());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    // ------------------------------------------------------------------ the rest

    DataCache cache() {
        return cache;
    }

    ChunkFetcher fetcher() {
        return fetcher;
    }

    /** Bytes this worker served to its peers. */
    public long bytesServed() {
        return peerServer.bytesServed();
    }

    private Channel peerChannel(PeerEndpoint peer) {
        return peerChannels.computeIfAbsent(address(peer), a -> Grpc.newChannelBuilderForAddress(peer.getHost(),
                peer.getPort(), peerCredentials).executor(rpcPool).build());
    }

    private static String address(PeerEndpoint p) {
        return p.getHost() + ":" + p.getPort();
    }

    private static ChunkKey key(ChunkId c) {
        return ChunkKey.newBuilder().setDataId(c.dataId()).setIndex(c.index()).build();
    }

    @Override
    public void close() {
        orderPool.shutdownNow();
        for (ManagedChannel c : peerChannels.values()) {
            c.shutdownNow();
        }
        peerChannels.clear();
        fetchPool.shutdownNow();
        rpcPool.shutdownNow();
        // a fetch interrupted mid-chunk stops writing before close returns: nothing is written into a cache (or a
        // test's directory) after it is closed
        try {
            for (java.util.concurrent.ExecutorService pool : List.of(orderPool, fetchPool, rpcPool)) {
                pool.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
