package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.ChunkKey;
import io.gridwork.api.v1.ChunkLocation;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.DataOrder;
import io.gridwork.api.v1.DataSetRef;
import io.gridwork.api.v1.FetchChunkRequest;
import io.gridwork.api.v1.FetchJarRequest;
import io.gridwork.api.v1.JarChunk;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.LocateChunksRequest;
import io.gridwork.api.v1.LocateChunksResponse;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.PeerEndpoint;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.internal.NamedThreads;
import io.gridwork.internal.data.DataLayout;
import io.gridwork.sdk.Codecs;
import io.gridwork.testing.TestJars;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data plane's six hooks in a real worker, against a fake master on loopback: held chunks in the registration
 * (also after a restart), PeerService on the health port (a second worker fetches from the first), orders and peers
 * from the master, data reports to it, openData and TaskResult.data, and the job jar through the data grid.
 */
class DataPlaneHooksTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int CHUNK = 1024;

    @TempDir
    Path dir;

    private DataMaster master;
    private final List<GridWorker> workers = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        master = new DataMaster();
    }

    @AfterEach
    void tearDown() {
        workers.forEach(GridWorker::close);
        master.close();
    }

    private GridWorker worker(String name) throws IOException {
        GridWorker w = GridWorker.start(WorkerOptions.builder().master(master.address()).name(name).slots(1).prefetch(0)
                .insecure(true).workDir(dir.resolve(name)).dataCache(64L << 20).drainTimeout(Duration.ofSeconds(2))
                .reconnectBackoffMax(Duration.ofMillis(200)).build());
        workers.add(w);
        await().atMost(WAIT).until(() -> master.streams.containsKey("id-" + name));
        return w;
    }

    private static byte[] bytes(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 13 + seed + i / 97);
        }
        return b;
    }

    private static List<Integer> added(List<WorkerMessage> messages, String dataId) {
        List<Integer> added = new ArrayList<>();
        for (WorkerMessage m : messages) {
            for (ChunkKey k : m.getDataReport().getAddedList()) {
                if (k.getDataId().equals(dataId)) {
                    added.add(k.getIndex());
                }
            }
        }
        return added;
    }

    @Test
    void ordersReportsOpenDataCountersAndTheJarThroughTheGrid() throws Exception {
        byte[] text = bytes(3 * CHUNK + 100, 1);
        DataSetRef ref = master.add("text", text);
        Path jarFile = TestJars.of(dir.resolve("in"), "read.jar", DataReadJob.class);
        byte[] jar = Files.readAllBytes(jarFile);
        DataSetRef jarRef = master.add("read.jar", jar);
        String jarSha = DataLayout.hex(DataLayout.sha256().digest(jar));

        worker("w1");
        // (3) an order, and (4) its report
        master.send("id-w1", MasterMessage.newBuilder().addDataOrders(DataOrder.newBuilder().setDataSet(ref)
                .addFetch(0).addFetch(1)).build());
        await().atMost(WAIT).until(() -> added(master.received, ref.getId()).size() == 2);
        assertThat(added(master.received, ref.getId())).containsExactlyInAnyOrder(0, 1);

        // (5) openData and the counters, (6) the jar as a data set
        long before = master.chunkBytes.get();
        master.send("id-w1", MasterMessage.newBuilder()
                .addJobs(JobSpec.newBuilder().setJobId("job-1").setJarSha256(jarSha).setJarDataId(jarRef.getId())
                        .setJobClass(DataReadJob.class.getName()).setLeaseEpoch(1).addData(ref))
                .addAssignments(TaskAssignment.newBuilder().setRef(TaskRef.newBuilder().setJobId("job-1").setIndex(0)
                        .setAttemptId(1)).setAttempt(1).setSlots(1).setInput(ByteString.copyFrom(Codecs.LONG.encode(0L))))
                .build());
        await().atMost(WAIT).until(() -> !master.results.isEmpty());
        TaskResult result = master.results.get(0);
        assertThat(result.hasFailure()).as(result.getFailure().toString()).isFalse();
        CRC32 crc = new CRC32();
        crc.update(text);
        assertThat(Codecs.LONG.decode(result.getOutput().toByteArray())).isEqualTo(crc.getValue());
        assertThat(result.getData().getBytesLocal()).isEqualTo(2 * CHUNK);
        assertThat(result.getData().getBytesFromMaster()).isEqualTo(CHUNK + 100);
        assertThat(result.getData().getBytesFromPeers()).isZero();
        assertThat(master.fetchJarCalls.get()).as("FetchJar calls: the jar came through the data grid").isZero();
        assertThat(master.chunkBytes.get() - before).isEqualTo(CHUNK + 100 + jar.length);

        // (1) a restart lists every chunk in the cache
        workers.remove(0).close();
        master.streams.clear();
        worker("w1");
        RegisterRequest again = master.registrations.get(master.registrations.size() - 1);
        assertThat(again.getHeldChunksList()).filteredOn(k -> k.getDataId().equals(ref.getId()))
                .extracting(ChunkKey::getIndex).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(again.getHeldChunksList()).filteredOn(k -> k.getDataId().equals(jarRef.getId()))
                .hasSize(jarRef.getChunkSha256Count());
    }

    @Test
    void anAttemptGivenALargeCheckpointReadsItThroughTheDataPlaneVerified() throws Exception {
        byte[] state = bytes(5 * CHUNK + 7, 3);
        DataSetRef ref = master.add("checkpoint", state);
        Path jarFile = TestJars.of(dir.resolve("in"), "given.jar", GivenCheckpointJob.class);
        byte[] jar = Files.readAllBytes(jarFile);
        DataSetRef jarRef = master.add("given.jar", jar);
        String jarSha = DataLayout.hex(DataLayout.sha256().digest(jar));
        worker("w1");
        long before = master.chunkBytes.get();
        master.send("id-w1", MasterMessage.newBuilder()
                .addJobs(JobSpec.newBuilder().setJobId("job-1").setJarSha256(jarSha).setJarDataId(jarRef.getId())
                        .setJobClass(GivenCheckpointJob.class.getName()).setLeaseEpoch(1))
                .addAssignments(TaskAssignment.newBuilder().setRef(TaskRef.newBuilder().setJobId("job-1").setIndex(0)
                        .setAttemptId(2)).setAttempt(2).setSlots(1).setInput(ByteString.copyFrom(Codecs.LONG.encode(0L)))
                        .setCheckpointData(ref))
                .build());
        await().atMost(WAIT).until(() -> !master.results.isEmpty());
        TaskResult result = master.results.get(0);
        assertThat(result.hasFailure()).as(result.getFailure().toString()).isFalse();
        CRC32 crc = new CRC32();
        crc.update(state);
        assertThat(Codecs.LONG.decode(result.getOutput().toByteArray())).isEqualTo(crc.getValue());
        assertThat(master.chunkBytes.get() - before).as("the state's chunks (and the jar's) from the master")
                .isEqualTo(state.length + jar.length);
    }

    @Test
    void aWorkerFetchesFromAnotherWorkersHealthPortNotFromTheMaster() throws Exception {
        byte[] text = bytes(2 * CHUNK + 10, 2);
        DataSetRef ref = master.add("text", text);
        GridWorker w1 = worker("w1");
        master.send("id-w1", MasterMessage.newBuilder().addDataOrders(DataOrder.newBuilder().setDataSet(ref)
                .addFetch(0).addFetch(1).addFetch(2)).build());
        await().atMost(WAIT).until(() -> added(master.received, ref.getId()).size() == 3);
        long fromMaster = master.chunkBytes.get();

        PeerEndpoint w1Peer = PeerEndpoint.newBuilder().setWorkerId("id-w1").setName("w1").setHost("127.0.0.1")
                .setPort(w1.healthPort()).build();
        for (int i = 0; i < 3; i++) {
            master.holders.put(ref.getId() + "#" + i, List.of(w1Peer));
        }
        master.received.clear();
        worker("w2");
        master.send("id-w2", MasterMessage.newBuilder().addPeers(w1Peer).addDataOrders(DataOrder.newBuilder()
                .setDataSet(ref).addFetch(0).addFetch(1).addFetch(2)).build());
        await().atMost(WAIT).until(() -> added(master.received, ref.getId()).size() == 3);

        assertThat(master.chunkBytes.get()).as("bytes the master sent").isEqualTo(fromMaster);
    }

    @Test
    void aWorkerStartedWithTheCorruptTestSettingIsCaughtAndReported() throws Exception {
        byte[] text = bytes(CHUNK, 3);
        DataSetRef ref = master.add("text", text);
        GridWorker bad;
        System.setProperty("gridwork.test.corruptChunks", "true");
        try {
            bad = worker("bad");
        } finally {
            System.clearProperty("gridwork.test.corruptChunks");
        }
        master.send("id-bad", MasterMessage.newBuilder().addDataOrders(DataOrder.newBuilder().setDataSet(ref).addFetch(0))
                .build());
        await().atMost(WAIT).until(() -> added(master.received, ref.getId()).size() == 1);
        PeerEndpoint badPeer = PeerEndpoint.newBuilder().setWorkerId("id-bad").setName("bad").setHost("127.0.0.1")
                .setPort(bad.healthPort()).build();
        master.holders.put(ref.getId() + "#0", List.of(badPeer));
        long fromMaster = master.chunkBytes.get();
        master.received.clear();

        worker("good");
        master.send("id-good", MasterMessage.newBuilder().addDataOrders(DataOrder.newBuilder().setDataSet(ref).addFetch(0))
                .build());
        await().atMost(WAIT).until(() -> added(master.received, ref.getId()).size() == 1);

        assertThat(master.received.stream().flatMap(m -> m.getDataReport().getCorruptList().stream()).toList())
                .singleElement().satisfies(c -> {
                    assertThat(c.getPeerWorkerId()).isEqualTo("id-bad");
                    assertThat(c.getDetail()).isEqualTo("sha256 mismatch");
                });
        assertThat(master.chunkBytes.get() - fromMaster).as("the master served the chunk instead").isEqualTo(CHUNK);
    }

    /** A master as the data plane sees it: registration, the stream, LocateChunks and FetchChunk, FetchJar. */
    private static final class DataMaster extends WorkerServiceGrpc.WorkerServiceImplBase implements AutoCloseable {
        final List<RegisterRequest> registrations = new CopyOnWriteArrayList<>();
        final List<WorkerMessage> received = new CopyOnWriteArrayList<>();
        final List<TaskResult> results = new CopyOnWriteArrayList<>();
        final Map<String, StreamObserver<MasterMessage>> streams = new ConcurrentHashMap<>();
        final Map<String, byte[]> sets = new ConcurrentHashMap<>();
        final Map<String, DataSetRef> refs = new ConcurrentHashMap<>();
        /** "dataId#index" to holders. */
        final Map<String, List<PeerEndpoint>> holders = new ConcurrentHashMap<>();
        final AtomicLong chunkBytes = new AtomicLong();
        final AtomicInteger fetchJarCalls = new AtomicInteger();
        private final AtomicLong incarnation = new AtomicLong();
        private final ExecutorService executor = Executors.newFixedThreadPool(4, new NamedThreads("data-master", true));
        private final Server server;

        DataMaster() throws IOException {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
                    .executor(executor).addService(this).build().start();
        }

        String address() {
            return "127.0.0.1:" + server.getPort();
        }

        DataSetRef add(String name, byte[] bytes) {
            DataLayout.Hasher hasher = new DataLayout.Hasher(CHUNK);
            hasher.update(bytes, 0, bytes.length);
            DataSetRef.Builder ref = DataSetRef.newBuilder().setName(name).setId(hasher.finish()).setSize(bytes.length)
                    .setChunkSize(CHUNK);
            hasher.hashes().forEach(h -> ref.addChunkSha256(ByteString.copyFrom(h)));
            sets.put(ref.getId(), bytes);
            refs.put(ref.getId(), ref.build());
            return ref.build();
        }

        synchronized void send(String workerId, MasterMessage m) {
            streams.get(workerId).onNext(m);
        }

        @Override
        public void register(RegisterRequest request, StreamObserver<RegisterResponse> observer) {
            registrations.add(request);
            observer.onNext(RegisterResponse.newBuilder().setWorkerId("id-" + request.getName())
                    .setIncarnation(incarnation.incrementAndGet()).setHeartbeatIntervalMs(1000).setMasterId("m1")
                    .setMasterEpoch(1).build());
            observer.onCompleted();
        }

        @Override
        public StreamObserver<WorkerMessage> connect(StreamObserver<MasterMessage> observer) {
            return new StreamObserver<>() {
                @Override
                public void onNext(WorkerMessage m) {
                    received.add(m);
                    if (m.hasHello()) {
                        streams.put(m.getHello().getWorkerId(), observer);
                    }
                    results.addAll(m.getResultsList());
                    if (m.getResultsCount() > 0) {
                        synchronized (DataMaster.this) {
                            observer.onNext(MasterMessage.newBuilder().addAllAcks(m.getResultsList().stream()
                                    .map(TaskResult::getRef).toList()).build());
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    synchronized (DataMaster.this) {
                        observer.onCompleted();
                    }
                }
            };
        }

        @Override
        public void locateChunks(LocateChunksRequest request, StreamObserver<LocateChunksResponse> observer) {
            DataSetRef ref = refs.get(request.getDataId());
            if (ref == null) {
                observer.onError(Status.NOT_FOUND.asRuntimeException());
                return;
            }
            LocateChunksResponse.Builder r = LocateChunksResponse.newBuilder().setDataSet(ref);
            for (int i : request.getIndexesList()) {
                r.addChunks(ChunkLocation.newBuilder().setIndex(i)
                        .addAllHolders(holders.getOrDefault(ref.getId() + "#" + i, List.of())));
            }
            observer.onNext(r.build());
            observer.onCompleted();
        }

        @Override
        public void fetchChunk(FetchChunkRequest request, StreamObserver<ChunkPiece> observer) {
            byte[] all = sets.get(request.getDataId());
            int from = request.getIndex() * CHUNK;
            byte[] chunk = Arrays.copyOfRange(all, from, Math.min(all.length, from + CHUNK));
            chunkBytes.addAndGet(chunk.length);
            observer.onNext(ChunkPiece.newBuilder().setTotalSize(chunk.length).setData(ByteString.copyFrom(chunk)).build());
            observer.onCompleted();
        }

        @Override
        public void fetchJar(FetchJarRequest request, StreamObserver<JarChunk> observer) {
            fetchJarCalls.incrementAndGet();
            observer.onError(Status.NOT_FOUND.withDescription("this test serves jars through the data grid only")
                    .asRuntimeException());
        }

        @Override
        public void close() {
            server.shutdownNow();
            executor.shutdownNow();
        }
    }
}
