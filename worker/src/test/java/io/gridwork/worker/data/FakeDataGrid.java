package io.gridwork.worker.data;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.ChunkLocation;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.DataSetRef;
import io.gridwork.api.v1.FetchChunkRequest;
import io.gridwork.api.v1.LocateChunksRequest;
import io.gridwork.api.v1.LocateChunksResponse;
import io.gridwork.api.v1.PeerEndpoint;
import io.gridwork.api.v1.PeerServiceGrpc;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.internal.data.DataLayout;
import io.gridwork.worker.data.DataCache.ChunkId;
import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process data grid for the data plane's tests: a fake master (LocateChunks from a directory the test sets,
 * FetchChunk from the data sets' bytes, counting what it sends) and peers, each a real {@link PeerServer} over a data
 * cache of its own (or any PeerService the test gives), reached by worker id.
 */
final class FakeDataGrid implements AutoCloseable {

    /** A data set: its bytes and its reference. */
    record DataSet(DataSetRef ref, byte[] bytes) {
        byte[] chunk(int index) {
            long from = DataLayout.chunkOffset(index, ref.getChunkSize());
            return Arrays.copyOfRange(bytes, (int) from,
                    (int) (from + DataLayout.chunkLength(ref.getSize(), ref.getChunkSize(), index)));
        }
    }

    static DataSet dataSet(String name, int size, int chunkSize, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 7 + seed + i / 251);
        }
        DataLayout.Hasher hasher = new DataLayout.Hasher(chunkSize);
        hasher.update(bytes, 0, bytes.length);
        String id = hasher.finish();
        DataSetRef.Builder ref = DataSetRef.newBuilder().setName(name).setId(id).setSize(size).setChunkSize(chunkSize);
        for (byte[] h : hasher.hashes()) {
            ref.addChunkSha256(ByteString.copyFrom(h));
        }
        return new DataSet(ref.build(), bytes);
    }

    final Map<String, DataSet> sets = new ConcurrentHashMap<>();
    /** The master's directory: holders and homes by chunk. */
    final Map<ChunkId, List<PeerEndpoint>> holders = new ConcurrentHashMap<>();
    final Map<ChunkId, List<PeerEndpoint>> homes = new ConcurrentHashMap<>();
    final AtomicLong masterBytes = new AtomicLong();
    final AtomicLong locateCalls = new AtomicLong();
    /** Chunk requests as peers received them: "worker-id:index". */
    final List<String> peerRequests = new CopyOnWriteArrayList<>();
    private final List<Server> servers = new ArrayList<>();
    private final Map<String, ManagedChannel> channels = new HashMap<>();
    private final Map<String, DataCache> peerCaches = new HashMap<>();
    private final String masterName = InProcessServerBuilder.generateName();
    private final Path dir;

    FakeDataGrid(Path dir) throws IOException {
        this.dir = dir;
        servers.add(InProcessServerBuilder.forName(masterName).directExecutor().addService(new Master()).build().start());
        channels.put("", InProcessChannelBuilder.forName(masterName).directExecutor().build());
    }

    DataSet add(DataSet set) {
        sets.put(set.ref().getId(), set);
        return set;
    }

    Channel master() {
        return channels.get("");
    }

    List<Channel> masters() {
        return List.of(master());
    }

    /** The channel to a peer, as the data plane's {@link ChunkFetcher.Peers}. */
    Channel peer(PeerEndpoint endpoint) {
        ManagedChannel c = channels.get(endpoint.getWorkerId());
        if (c == null) {
            throw new IllegalArgumentException("no such peer " + endpoint.getWorkerId());
        }
        return c;
    }

    static PeerEndpoint endpoint(String workerId) {
        return PeerEndpoint.newBuilder().setWorkerId(workerId).setName(workerId).setHost("in-process").setPort(1).build();
    }

    /** A peer serving a real PeerServer over a cache holding these chunks of the set (corrupt: flips a byte). */
    PeerEndpoint peer(String workerId, DataSet set, boolean corrupt, int... indexes) throws IOException {
        DataCache cache = new DataCache(Files.createDirectories(dir.resolve("peer-" + workerId)), 1L << 30,
                new DataCache.Listener() {
                    @Override
                    public void added(ChunkId chunk) {
                    }

                    @Override
                    public void evicted(ChunkId chunk) {
                    }
                });
        for (int i : indexes) {
            byte[] data = set.chunk(i);
            DataCache.Reservation r = cache.reserve(new ChunkId(set.ref().getId(), i), data.length);
            Path temp = r.tempFile();
            Files.write(temp, data);
            cache.store(r, temp, set.ref().getChunkSha256(i).toByteArray());
        }
        peerCaches.put(workerId, cache);
        PeerServer real = new PeerServer(cache, corrupt);
        return peer(workerId, new PeerServiceGrpc.PeerServiceImplBase() {
            @Override
            public void fetchChunk(FetchChunkRequest request, StreamObserver<ChunkPiece> responses) {
                peerRequests.add(workerId + ":" + request.getIndex());
                real.fetchChunk(request, responses);
            }
        });
    }

    /** A peer serving whatever {@code service} does. */
    PeerEndpoint peer(String workerId, BindableService service) throws IOException {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).executor(java.util.concurrent.Executors.newCachedThreadPool())
                .addService(service).build().start());
        channels.put(workerId, InProcessChannelBuilder.forName(name).build());
        return endpoint(workerId);
    }

    void holds(DataSet set, int index, PeerEndpoint... peers) {
        holders.put(new ChunkId(set.ref().getId(), index), List.of(peers));
    }

    void home(DataSet set, int index, PeerEndpoint... peers) {
        homes.put(new ChunkId(set.ref().getId(), index), List.of(peers));
    }

    private final class Master extends WorkerServiceGrpc.WorkerServiceImplBase {
        @Override
        public void locateChunks(LocateChunksRequest request, StreamObserver<LocateChunksResponse> responses) {
            locateCalls.incrementAndGet();
            DataSet set = sets.get(request.getDataId());
            if (set == null) {
                responses.onError(Status.NOT_FOUND.withDescription("no data set " + request.getDataId()).asRuntimeException());
                return;
            }
            LocateChunksResponse.Builder r = LocateChunksResponse.newBuilder().setDataSet(set.ref());
            List<Integer> indexes = request.getIndexesList();
            if (indexes.isEmpty()) {
                indexes = new ArrayList<>();
                for (int i = 0; i < set.ref().getChunkSha256Count(); i++) {
                    indexes.add(i);
                }
            }
            for (int i : indexes) {
                ChunkId id = new ChunkId(set.ref().getId(), i);
                r.addChunks(ChunkLocation.newBuilder().setIndex(i).addAllHolders(holders.getOrDefault(id, List.of()))
                        .addAllHomes(homes.getOrDefault(id, List.of())));
            }
            responses.onNext(r.build());
            responses.onCompleted();
        }

        @Override
        public void fetchChunk(FetchChunkRequest request, StreamObserver<ChunkPiece> responses) {
            DataSet set = sets.get(request.getDataId());
            if (set == null) {
                responses.onError(Status.NOT_FOUND.asRuntimeException());
                return;
            }
            byte[] chunk = set.chunk(request.getIndex());
            masterBytes.addAndGet(chunk.length);
            responses.onNext(ChunkPiece.newBuilder().setTotalSize(chunk.length).setData(ByteString.copyFrom(chunk)).build());
            responses.onCompleted();
        }
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
    }
}
