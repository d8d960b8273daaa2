package io.gridwork.worker.data;

import io.gridwork.api.v1.ChunkKey;
import io.gridwork.api.v1.ChunkLocation;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.CorruptChunk;
import io.gridwork.api.v1.DataSetRef;
import io.gridwork.api.v1.FetchChunkRequest;
import io.gridwork.api.v1.LocateChunksRequest;
import io.gridwork.api.v1.LocateChunksResponse;
import io.gridwork.api.v1.PeerEndpoint;
import io.gridwork.api.v1.PeerServiceGrpc;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.internal.data.DataLayout;
import io.gridwork.internal.data.HashRing;
import io.gridwork.worker.data.DataCache.ChunkId;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings chunks into the data cache: asks a master where they are (LocateChunks), then fetches from the peers that hold
 * them, several chunks at once ({@link #IN_FLIGHT}), the rarest (fewest holders) first, each from the holder this worker
 * is fetching the least from now; a master's FetchChunk only when no peer could serve a chunk. Every chunk is written
 * to a temporary file while it is hashed and kept only if its length and SHA-256 are right; a corrupt or truncated
 * chunk is discarded, reported ({@code DataReport.corrupt}), and fetched from the next holder.
 *
 * <p>Two fetches of one chunk at once (a task and an order, or two tasks) share one transfer.
 */
final class ChunkFetcher {

    private static final Logger log = LoggerFactory.getLogger(ChunkFetcher.class);
    /** Chunks fetched at once per request: enough to draw on several peers, few enough not to swamp one. */
    static final int IN_FLIGHT = 4;
    /** Homes tried on the ring over the known peers when no master can say where a chunk is. */
    static final int RING_HOMES = 3;

    /** Where a chunk handed out came from. */
    enum Source {
        LOCAL, PEER, MASTER
    }

    /** Channels to other workers' PeerService, by endpoint (kept open by the owner). */
    interface Peers {
        Channel channel(PeerEndpoint peer);
    }

    private final DataCache cache;
    private final Supplier<List<Channel>> masters;
    private final Peers peers;
    private final Supplier<List<PeerEndpoint>> knownPeers;
    private final Supplier<String> selfId;
    private final Consumer<CorruptChunk> corruptReports;
    private final Executor executor;
    private final Duration callTimeout;
    /** False ({@code grid worker --no-peer-fetch}): every chunk from a master, no peer asked. */
    private final boolean peerFetch;
    private final Map<ChunkId, CompletableFuture<Source>> inFlight = new ConcurrentHashMap<>();
    /** Fetches under way from each peer, by worker id: the least busy holder is asked first. */
    private final Map<String, AtomicInteger> load = new ConcurrentHashMap<>();

    ChunkFetcher(DataCache cache, Supplier<List<Channel>> masters, Peers peers, Supplier<List<PeerEndpoint>> knownPeers,
            Supplier<String> selfId, Consumer<CorruptChunk> corruptReports, Executor executor, Duration callTimeout) {
        this(cache, masters, peers, knownPeers, selfId, corruptReports, executor, callTimeout, true);
    }

    /** @param peerFetch false: fetch every chunk from a master only (a diagnostic and benchmark switch) */
    ChunkFetcher(DataCache cache, Supplier<List<Channel>> masters, Peers peers, Supplier<List<PeerEndpoint>> knownPeers,
            Supplier<String> selfId, Consumer<CorruptChunk> corruptReports, Executor executor, Duration callTimeout,
            boolean peerFetch) {
        this.peerFetch = peerFetch;
        this.cache = cache;
        this.masters = masters;
        this.peers = peers;
        this.knownPeers = knownPeers;
        this.selfId = selfId;
        this.corruptReports = corruptReports;
        this.executor = executor;
        this.callTimeout = callTimeout;
    }

    /**
     * Makes sure the cache holds these chunks of the data set, fetching the missing ones; blocks until all are held.
     *
     * @return where each came from
     * @throws IOException a chunk no holder (nor a master) could serve with the right hash, or the cache is full
     */
    Map<Integer, Source> ensure(DataSetRef ref, Collection<Integer> indexes) throws IOException {
        Map<Integer, Source> sources = new LinkedHashMap<>();
        List<Integer> missing = new ArrayList<>();
        for (int index : indexes) {
            checkIndex(ref, index);
            if (cache.holds(new ChunkId(ref.getId(), index), sha(ref, index))) {
                sources.put(index, Source.LOCAL);
            } else {
                missing.add(index);
            }
        }
        if (missing.isEmpty()) {
            return sources;
        }
        Map<Integer, ChunkLocation> where = locate(ref.getId(), missing);
        // rarest first: a chunk few peers hold is the one most at risk and the one to spread soonest
        missing.sort(Comparator.comparingInt((Integer i) -> holders(where.get(i))).thenComparing(i -> i));
        Semaphore window = new Semaphore(IN_FLIGHT);
        Map<Integer, CompletableFuture<Source>> futures = new LinkedHashMap<>();
        try {
            for (int index : missing) {
                window.acquire();
                CompletableFuture<Source> f = fetch(ref, index, where.get(index));
                f.whenComplete((s, e) -> window.release());
                futures.put(index, f);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while fetching chunks of data set " + ref.getId());
        }
        IOException failure = null;
        for (Map.Entry<Integer, CompletableFuture<Source>> e : futures.entrySet()) {
            try {
                sources.put(e.getKey(), join(e.getValue()));
            } catch (IOException ex) {
                if (failure == null) {
                    failure = ex;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return sources;
    }

    /** Starts fetching one chunk (sharing a transfer under way); {@code location} null: ask a master first. */
    CompletableFuture<Source> fetch(DataSetRef ref, int index, ChunkLocation location) {
        checkIndex(ref, index);
        ChunkId id = new ChunkId(ref.getId(), index);
        byte[] sha = sha(ref, index);
        if (cache.holds(id, sha)) {
            return CompletableFuture.completedFuture(Source.LOCAL);
        }
        CompletableFuture<Source> mine = new CompletableFuture<>();
        CompletableFuture<Source> running = inFlight.putIfAbsent(id, mine);
        if (running != null) {
            return running;
        }
        Context context = Context.current().fork(); // not the caller's deadline or cancellation
        executor.execute(context.wrap(() -> {
            try {
                ChunkLocation where = location != null ? location : locate(ref.getId(), List.of(index)).get(index);
                mine.complete(fetchNow(ref, index, id, sha, where));
            } catch (Throwable t) {
                mine.completeExceptionally(t);
            } finally {
                inFlight.remove(id, mine);
            }
        }));
        return mine;
    }

    /** Waits for a fetch; its failure as an IOException. */
    static Source join(CompletableFuture<Source> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while a chunk was fetched");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause.getMessage(), cause);
        }
    }

    /**
     * Where the chunks are, from the first master that answers; when none does, the ring's homes over the peers this
     * worker knows (they may hold them). Never null; an index may map to null (nothing known about it).
     */
    Map<Integer, ChunkLocation> locate(String dataId, List<Integer> indexes) {
        Map<Integer, ChunkLocation> where = new HashMap<>();
        for (Channel master : masters.get()) {
            try {
                LocateChunksResponse r = WorkerServiceGrpc.newBlockingStub(master)
                        .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .locateChunks(LocateChunksRequest.newBuilder().setDataId(dataId).addAllIndexes(indexes).build());
                for (ChunkLocation l : r.getChunksList()) {
                    where.put(l.getIndex(), l);
                }
                return where;
            } catch (StatusRuntimeException e) {
                log.debug("LocateChunks of {} at a master failed: {}", dataId, e.getStatus());
            }
        }
        return where;
    }

    /** The data set's layout and chunk hashes (e.g. of a job jar), from the first master that answers. */
    DataSetRef describe(String dataId) throws IOException {
        StatusRuntimeException last = null;
        for (Channel master : masters.get()) {
            try {
                return WorkerServiceGrpc.newBlockingStub(master)
                        .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .locateChunks(LocateChunksRequest.newBuilder().setDataId(dataId).addIndexes(0).build())
                        .getDataSet();
            } catch (StatusRuntimeException e) {
                last = e;
            }
        }
        throw new IOException("no master could describe data set " + dataId
                + (last == null ? " (none connected)" : ": " + last.getStatus()), last);
    }

    private Source fetchNow(DataSetRef ref, int index, ChunkId id, byte[] sha, ChunkLocation where) throws IOException {
        long length = DataLayout.chunkLength(ref.getSize(), ref.getChunkSize(), index);
        DataCache.Reservation reservation = cache.reserve(id, length);
        boolean stored = false;
        try {
            FetchChunkRequest request = FetchChunkRequest.newBuilder().setDataId(ref.getId()).setIndex(index)
                    .setSha256(com.google.protobuf.ByteString.copyFrom(sha)).build();
            List<String> failures = new ArrayList<>();
            for (PeerEndpoint peer : candidates(where, sha)) {
                AtomicInteger busy = load.computeIfAbsent(peer.getWorkerId(), k -> new AtomicInteger());
                busy.incrementAndGet();
                try {
                    if (transfer(reservation, id, sha, length, peer.getWorkerId(), "peer " + peer.getName(), failures,
                            () -> PeerServiceGrpc.newBlockingStub(peers.channel(peer))
                                    .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS).fetchChunk(request))) {
                        stored = true;
                        return Source.PEER;
                    }
                } finally {
                    busy.decrementAndGet();
                }
            }
            // the origin of last resort
            for (Channel master : masters.get()) {
                if (transfer(reservation, id, sha, length, "", "the master", failures,
                        () -> WorkerServiceGrpc.newBlockingStub(master)
                                .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS).fetchChunk(request))) {
                    stored = true;
                    return Source.MASTER;
                }
            }
            throw new IOException("cannot fetch chunk " + index + " of data set " + ref.getId() + " with the right hash: "
                    + (failures.isEmpty() ? "no peer holds it and no master is connected" : String.join("; ", failures)));
        } finally {
            if (!stored) {
                cache.cancel(reservation);
            }
        }
    }

    /**
     * One attempt from one source, in a context of its own (cancelled when done, so a stream left early stops): true
     * if the chunk came whole and right and is stored.
     */
    private boolean transfer(DataCache.Reservation reservation, ChunkId id, byte[] sha, long length, String from,
            String who, List<String> failures, Supplier<Iterator<ChunkPiece>> call) throws IOException {
        Path temp = reservation.tempFile();
        Context.CancellableContext context = Context.current().withCancellation();
        Context previous = context.attach();
        try {
            if (receive(call.get(), temp, id, sha, length, from, failures, who)) {
                cache.store(reservation, temp, sha);
                return true;
            }
            return false;
        } catch (RuntimeException e) {
            failures.add(who + ": " + describe(e));
            return false;
        } finally {
            context.detach(previous);
            context.cancel(null);
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Streams a chunk into {@code temp}, hashing it; true if it is whole and right. A bad chunk (too long, too short,
     * wrong hash) is deleted and reported as corrupt; a failed call is deleted and rethrown.
     */
    private boolean receive(Iterator<ChunkPiece> pieces, Path temp, ChunkId id, byte[] sha, long length, String from,
            List<String> failures, String who) throws IOException {
        MessageDigest digest = DataLayout.sha256();
        long got = 0;
        String bad = null;
        try (OutputStream out = Files.newOutputStream(temp)) {
            while (pieces.hasNext()) {
                ChunkPiece piece = pieces.next();
                int n = piece.getData().size();
                if (got + n > length) {
                    bad = "longer than its " + length + " bytes";
                    break;
                }
                for (java.nio.ByteBuffer b : piece.getData().asReadOnlyByteBufferList()) {
                    digest.update(b.duplicate());
                }
                piece.getData().writeTo(out);
                got += n;
            }
        } catch (RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        if (bad == null && got != length) {
            bad = "truncated at " + got + " of " + length + " bytes";
        }
        if (bad == null && !Arrays.equals(digest.digest(), sha)) {
            bad = "sha256 mismatch";
        }
        if (bad == null) {
            return true;
        }
        Files.deleteIfExists(temp);
        log.warn("chunk {} from {} is corrupt ({}): discarded, fetching it elsewhere", id, who, bad);
        failures.add(who + ": " + bad);
        corruptReports.accept(CorruptChunk.newBuilder()
                .setChunk(ChunkKey.newBuilder().setDataId(id.dataId()).setIndex(id.index()))
                .setPeerWorkerId(from).setDetail(bad).build());
        return false;
    }

    /**
     * Holders first (least busy first), then homes that are not holders, never this worker itself; none when peer
     * fetching is off.
     */
    private List<PeerEndpoint> candidates(ChunkLocation where, byte[] sha) {
        if (!peerFetch) {
            return List.of();
        }
        String self = selfId.get();
        List<PeerEndpoint> holders = new ArrayList<>();
        List<PeerEndpoint> homes = new ArrayList<>();
        if (where != null) {
            holders.addAll(where.getHoldersList());
            homes.addAll(where.getHomesList());
        } else {
            // no master answered: the ring over the peers this worker knows says where the chunk should be
            List<PeerEndpoint> known = knownPeers.get();
            Map<String, PeerEndpoint> byId = new HashMap<>();
            known.forEach(p -> byId.put(p.getWorkerId(), p));
            for (String home : new HashRing(byId.keySet()).homes(sha, RING_HOMES)) {
                homes.add(byId.get(home));
            }
        }
        holders.removeIf(p -> p.getWorkerId().equals(self));
        java.util.Collections.shuffle(holders);
        holders.sort(Comparator.comparingInt(p -> busy(p.getWorkerId())));
        List<PeerEndpoint> all = new ArrayList<>(holders);
        for (PeerEndpoint h : homes) {
            if (!h.getWorkerId().equals(self) && all.stream().noneMatch(p -> p.getWorkerId().equals(h.getWorkerId()))) {
                all.add(h);
            }
        }
        return all;
    }

    private int busy(String workerId) {
        AtomicInteger n = load.get(workerId);
        return n == null ? 0 : n.get();
    }

    private static int holders(ChunkLocation l) {
        return l == null ? 0 : l.getHoldersCount();
    }

    private static String describe(RuntimeException e) {
        if (e instanceof StatusRuntimeException s) {
            return s.getStatus().getCode() + (s.getStatus().getDescription() == null ? ""
                    : " " + s.getStatus().getDescription());
        }
        return e.toString();
    }

    static byte[] sha(DataSetRef ref, int index) {
        return ref.getChunkSha256(index).toByteArray();
    }

    private static void checkIndex(DataSetRef ref, int index) {
        if (index < 0 || index >= ref.getChunkSha256Count()) {
            throw new IllegalArgumentException("chunk " + index + " of data set " + ref.getId() + ", which has "
                    + ref.getChunkSha256Count());
        }
    }
}
