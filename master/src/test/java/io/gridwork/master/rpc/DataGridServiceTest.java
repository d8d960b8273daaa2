package io.gridwork.master.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.ChunkKey;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.DataCounters;
import io.gridwork.api.v1.DataSet;
import io.gridwork.api.v1.DeleteDataRequest;
import io.gridwork.api.v1.FetchChunkRequest;
import io.gridwork.api.v1.GetDataRequest;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.Hello;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.ListDataRequest;
import io.gridwork.api.v1.LocateChunksRequest;
import io.gridwork.api.v1.LocateChunksResponse;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.PutDataRequest;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.client.GridClient;
import io.gridwork.internal.NamedThreads;
import io.gridwork.internal.data.DataLayout;
import io.gridwork.master.code.JarRepository;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.core.SchedulerOptions;
import io.gridwork.master.data.DataFiles;
import io.gridwork.master.data.DataGrid;
import io.gridwork.master.data.DataTracker;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.TokenRegistry;
import io.gridwork.master.store.Store;
import io.gridwork.master.testjobs.DataChunksJob;
import io.gridwork.testing.TestJars;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The data grid's calls over in-process gRPC, with a real scheduler, store and data grid. */
class DataGridServiceTest {

    @RegisterExtension
    final GrpcCleanup cleanup = new GrpcCleanup();

    @TempDir
    Path dir;

    private DataGrid grid;
    private Store store;
    private GridClient client;
    private ClientServiceGrpc.ClientServiceBlockingStub stub;
    private ClientServiceGrpc.ClientServiceStub async;
    private WorkerServiceGrpc.WorkerServiceBlockingStub workerStub;
    private WorkerServiceGrpc.WorkerServiceStub workerAsync;
    /** 2 full chunks and a short one. */
    private final byte[] bytes = new byte[2 * DataLayout.CHUNK_SIZE + 12_345];

    @BeforeEach
    void start() throws Exception {
        new Random(7).nextBytes(bytes);
        store = cleanup.register(Store.inMemory("data-" + UUID.randomUUID()));
        JarRepository jars = new JarRepository(dir.resolve("jars"), store.jars(), Clock.systemUTC(), 1 << 20);
        ExecutorService loop = Executors.newSingleThreadExecutor(new NamedThreads("test-loop", true));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(new NamedThreads("test-timer", true));
        ExecutorService code = Executors.newCachedThreadPool(new NamedThreads("test-code", true));
        ExecutorService follow = Executors.newSingleThreadExecutor(new NamedThreads("test-data", true));
        cleanup.register(() -> {
            loop.shutdownNow();
            timer.shutdownNow();
            code.shutdownNow();
            follow.shutdownNow();
        });
        Scheduler scheduler = new Scheduler(SchedulerOptions.defaults(), store, jars, Clock.systemUTC(), loop, timer, code,
                (host, port, timeout) -> CompletableFuture.completedFuture(
                        new io.gridwork.master.core.Prober.Outcome(false, "test")));
        grid = new DataGrid(store.dataSets(), new DataFiles(dir.resolve("data")), new DataTracker(), Clock.systemUTC());
        scheduler.dataSets(grid);
        scheduler.start();
        cleanup.register(scheduler);
        Runnable changed = grid.follower(() -> scheduler.workers(false), follow);
        scheduler.watchWorkers(0, e -> changed.run());
        Audit audit = new Audit(store.audit(), Clock.systemUTC());
        String name = InProcessServerBuilder.generateName();
        var server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new ClientServiceImpl(scheduler, jars, 64 << 10,
                        new TokenRegistry(store.tokens(), Clock.systemUTC()), audit, null).dataGrid(grid))
                .addService(io.grpc.ServerInterceptors.intercept(new WorkerServiceImpl(scheduler, jars,
                        Clock.systemUTC(), null, audit).dataGrid(grid), new PeerAddress()))
                .build().start();
        cleanup.register(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        cleanup.register(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        client = GridClient.over(channel);
        stub = ClientServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        async = ClientServiceGrpc.newStub(channel);
        workerStub = WorkerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        workerAsync = WorkerServiceGrpc.newStub(channel);
    }

    /** Puts bytes announcing {@code announced} bytes, in pieces of 1 MiB. */
    private DataSet put(byte[] data, long announced, String name, int replicas) throws Exception {
        Answer<DataSet> done = new Answer<>();
        StreamObserver<PutDataRequest> out = async.putData(done);
        out.onNext(PutDataRequest.newBuilder().setHeader(PutDataRequest.Header.newBuilder().setName(name)
                .setReplicas(replicas).setSize(announced)).build());
        for (int at = 0; at < data.length; at += DataLayout.PIECE_SIZE) {
            int n = Math.min(DataLayout.PIECE_SIZE, data.length - at);
            out.onNext(PutDataRequest.newBuilder().setData(ByteString.copyFrom(data, at, n)).build());
        }
        out.onCompleted();
        return done.get(30);
    }

    /** The one answer of a client-streaming call: its value, or the status it failed with thrown. */
    private static final class Answer<T> implements StreamObserver<T> {
        private final CompletableFuture<T> done = new CompletableFuture<>();

        @Override
        public void onNext(T value) {
            done.complete(value);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {}

        T get(int seconds) throws Exception {
            try {
                return done.get(seconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw (Exception) e.getCause();
            }
        }
    }

    private static String idOf(byte[] data) {
        DataLayout.Hasher h = new DataLayout.Hasher();
        h.update(data, 0, data.length);
        return h.finish();
    }

    private byte[] get(String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Iterator<ChunkPiece> pieces = stub.getData(GetDataRequest.newBuilder().setId(id).build());
        pieces.forEachRemaining(p -> out.writeBytes(p.getData().toByteArray()));
        return out.toByteArray();
    }

    private static void assertStatus(ThrowingCall call, Status.Code code, String description) {
        assertThatThrownBy(call::run).satisfies(e -> {
            Status s = Status.fromThrowable(e);
            assertThat(s.getCode()).isEqualTo(code);
            assertThat(s.getDescription()).contains(description);
        });
    }

    private interface ThrowingCall {
        void run() throws Exception;
    }

    /** A worker registered over the worker service and connected: what the master sent it, in order. */
    private record FakeWorker(StreamObserver<WorkerMessage> stream, BlockingQueue<MasterMessage> received) {

        /** The first message still to come within 20 s that {@code found} maps to a value: that value, or null. */
        <T> T next(java.util.function.Function<MasterMessage, T> found) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                MasterMessage m = received.poll(100, TimeUnit.MILLISECONDS);
                T value = m == null ? null : found.apply(m);
                if (value != null) {
                    return value;
                }
            }
            return null;
        }
    }

    /** Registers worker w1 (10.1.1.1, health port 7001) holding {@code held}, and connects it with a hello. */
    private FakeWorker connectWorker(int slots, ChunkKey... held) {
        RegisterResponse registered = workerStub.register(RegisterRequest.newBuilder().setName("w1").setSlots(slots)
                .setHealthPort(7001).setAdvertiseHost("10.1.1.1").addAllHeldChunks(Arrays.asList(held)).build());
        BlockingQueue<MasterMessage> received = new LinkedBlockingQueue<>();
        StreamObserver<WorkerMessage> stream = workerAsync.connect(new StreamObserver<>() {
            @Override
            public void onNext(MasterMessage value) {
                received.add(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        });
        cleanup.register(stream::onCompleted);
        stream.onNext(WorkerMessage.newBuilder().setHello(Hello.newBuilder().setWorkerId(registered.getWorkerId())
                .setIncarnation(registered.getIncarnation())).build());
        return new FakeWorker(stream, received);
    }

    private Path dataJar;

    /** The jar of {@link DataChunksJob}, made at the first call. */
    private Path dataJar() {
        if (dataJar == null) {
            dataJar = TestJars.of(dir.resolve("in"), "data.jar", DataChunksJob.class);
        }
        return dataJar;
    }

    /** Submits {@link DataChunksJob} over the data set {@code dataId} as its data set "text"; returns the job's id. */
    private String submitDataJob(String dataId) throws Exception {
        return stub.submitJob(SubmitJobRequest.newBuilder().setJarSha256(client.uploadJar(dataJar()))
                .setJobClass(DataChunksJob.class.getName()).putData("text", dataId).build()).getJobId();
    }

    @Test
    void aPutIsContentAddressedListedAndReadBackVerifiedAndTheSameBytesTwiceAreOneDataSet() throws Exception {
        DataSet put = put(bytes, bytes.length, "words.txt", 0);
        assertThat(put.getId()).isEqualTo(idOf(bytes));
        assertThat(put.getChunks()).isEqualTo(3);
        assertThat(put.getSize()).isEqualTo(bytes.length);
        assertThat(put.getChunkSize()).isEqualTo(DataLayout.CHUNK_SIZE);
        assertThat(put.getReplicasWanted()).isEqualTo(DataGrid.DEFAULT_REPLICAS);
        assertThat(put.getName()).isEqualTo("words.txt");
        assertThat(get(put.getId())).isEqualTo(bytes);

        DataSet again = put(bytes, bytes.length, "copy.txt", 3);
        assertThat(again.getId()).isEqualTo(put.getId());
        assertThat(again.getReplicasWanted()).isEqualTo(3);
        assertThat(stub.listData(ListDataRequest.getDefaultInstance()).getDataSetsList()).singleElement()
                .satisfies(d -> {
                    assertThat(d.getName()).as("the first put names it").isEqualTo("words.txt");
                    assertThat(d.getReplicasWanted()).isEqualTo(3);
                });
        DataSet empty = put(new byte[0], 0, "", 0);
        assertThat(empty.getChunks()).isZero();
        assertThat(get(empty.getId())).isEmpty();
        assertThat(store.audit().recent(10)).extracting(a -> a.action()).contains("data.put");
    }

    @Test
    void aPutOfMoreOrFewerBytesThanAnnouncedIsRefusedAndKeepsNothing() throws Exception {
        assertStatus(() -> put(bytes, bytes.length + 1, "short", 0), Status.Code.INVALID_ARGUMENT,
                "size: " + (bytes.length + 1) + " bytes were announced, " + bytes.length + " came");
        assertStatus(() -> put(bytes, 100, "long", 0), Status.Code.INVALID_ARGUMENT,
                "size: more than the 100 bytes announced came");
        assertStatus(() -> put(bytes, bytes.length, "x", 99), Status.Code.INVALID_ARGUMENT, "header.replicas");
        try (Stream<Path> files = Files.list(dir.resolve("data"))) {
            assertThat(files).isEmpty();
        }
        assertThat(stub.listData(ListDataRequest.getDefaultInstance()).getDataSetsCount()).isZero();
        assertStatus(() -> get("0".repeat(64)), Status.Code.NOT_FOUND, "id: no data set " + "0".repeat(64));
        assertStatus(() -> get("nope"), Status.Code.INVALID_ARGUMENT, "id: not a data set id");
    }

    @Test
    void aJobReadsDataSetsByNameAndTheirDeletionIsRefusedWhileItRuns() throws Exception {
        DataSet text = put(bytes, bytes.length, "text", 1);
        String jarSha = client.uploadJar(dataJar());
        SubmitJobRequest.Builder submit = SubmitJobRequest.newBuilder().setJarSha256(jarSha)
                .setJobClass(DataChunksJob.class.getName());

        String unknown = "e".repeat(64);
        assertStatus(() -> stub.submitJob(submit.clone().putData("text", unknown).build()), Status.Code.INVALID_ARGUMENT,
                "data[text]: no data set " + unknown);
        assertStatus(() -> stub.submitJob(submit.clone().putData("text", "abc").build()), Status.Code.INVALID_ARGUMENT,
                "data[text]: not a data set id");
        assertStatus(() -> stub.submitJob(submit.clone().build()), Status.Code.INVALID_ARGUMENT,
                "missing data set 'text'");
        assertThat(client.jobs(10)).as("nothing stored").isEmpty();

        String job = stub.submitJob(submit.clone().putData("text", text.getId()).build()).getJobId();
        var status = stub.getJob(GetJobRequest.newBuilder().setJobId(job).build());
        assertThat(status.getTasks().getTotal()).as("split over the data set's chunks").isEqualTo(3);
        assertThat(status.getDataSetsMap()).containsExactly(java.util.Map.entry("text", text.getId()));
        assertThat(stub.listData(ListDataRequest.newBuilder().setId(text.getId()).build()).getDataSets(0)
                .getUsedByList()).containsExactly(job);

        assertStatus(() -> stub.deleteData(DeleteDataRequest.newBuilder().setId(text.getId()).build()),
                Status.Code.FAILED_PRECONDITION, "read by job " + job);
        assertThat(grid.files().has(text.getId())).isTrue();
        client.cancel(job, "test");
        DataSet deleted = stub.deleteData(DeleteDataRequest.newBuilder().setId(text.getId()).build());
        assertThat(deleted.getId()).isEqualTo(text.getId());
        assertThat(grid.files().has(text.getId())).isFalse();
        assertStatus(() -> stub.deleteData(DeleteDataRequest.newBuilder().setId(text.getId()).build()),
                Status.Code.NOT_FOUND, "id: no data set");
        assertThat(store.audit().recent(10)).extracting(a -> a.action()).contains("data.rm");
    }

    @Test
    void aWorkerIsOrderedToHoldChunksLocatesAndFetchesThemAndGetsTheJobsDataSets() throws Exception {
        DataSet text = put(bytes, bytes.length, "text", 2);
        FakeWorker worker = connectWorker(2, ChunkKey.newBuilder().setDataId(text.getId()).setIndex(1).build());
        BlockingQueue<MasterMessage> received = worker.received();
        StreamObserver<WorkerMessage> stream = worker.stream();

        // the only worker on the ring: every chunk's home; it gets the peers and orders to fetch all chunks
        java.util.Set<Integer> ordered = new java.util.TreeSet<>();
        List<String> peers = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((ordered.size() < 3 || peers.isEmpty()) && System.nanoTime() < deadline) {
            MasterMessage m = received.poll(100, TimeUnit.MILLISECONDS);
            if (m == null) {
                continue;
            }
            m.getDataOrdersList().forEach(o -> {
                assertThat(o.getDataSet().getId()).isEqualTo(text.getId());
                assertThat(o.getDataSet().getChunkSha256Count()).isEqualTo(3);
                ordered.addAll(o.getFetchList());
            });
            m.getPeersList().forEach(p -> peers.add(p.getName() + "@" + p.getHost() + ":" + p.getPort()));
        }
        assertThat(ordered).containsExactly(0, 1, 2);
        assertThat(peers).contains("w1@10.1.1.1:7001");

        LocateChunksResponse where = workerStub.locateChunks(LocateChunksRequest.newBuilder()
                .setDataId(text.getId()).build());
        assertThat(where.getDataSet().getSize()).isEqualTo(bytes.length);
        assertThat(where.getChunksList()).hasSize(3);
        assertThat(where.getChunks(1).getHoldersList()).extracting(p -> p.getName()).containsExactly("w1");
        assertThat(where.getChunks(0).getHoldersList()).isEmpty();
        assertThat(where.getChunks(0).getHomesList()).extracting(p -> p.getName()).containsExactly("w1");

        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        workerStub.fetchChunk(FetchChunkRequest.newBuilder().setDataId(text.getId()).setIndex(2)
                .setSha256(where.getDataSet().getChunkSha256(2)).build())
                .forEachRemaining(p -> chunk.writeBytes(p.getData().toByteArray()));
        assertThat(chunk.toByteArray()).isEqualTo(Arrays.copyOfRange(bytes, 2 * DataLayout.CHUNK_SIZE, bytes.length));
        assertThat(grid.bytesServed()).isEqualTo(12_345);
        assertStatus(() -> workerStub.fetchChunk(FetchChunkRequest.newBuilder().setDataId(text.getId()).setIndex(3)
                .build()).next(), Status.Code.INVALID_ARGUMENT, "index: data set " + text.getId() + " has 3 chunks");
        assertStatus(() -> workerStub.fetchChunk(FetchChunkRequest.newBuilder().setDataId(text.getId()).setIndex(0)
                .setSha256(where.getDataSet().getChunkSha256(1)).build()).next(), Status.Code.INVALID_ARGUMENT,
                "sha256: chunk 0");

        // the worker reports what it fetched: the data set is held
        stream.onNext(WorkerMessage.newBuilder().setDataReport(io.gridwork.api.v1.DataReport.newBuilder()
                .addAdded(ChunkKey.newBuilder().setDataId(text.getId()).setIndex(0))
                .addAdded(ChunkKey.newBuilder().setDataId(text.getId()).setIndex(2))).build());
        DataSet listed = stub.listData(ListDataRequest.newBuilder().setId(text.getId()).build()).getDataSets(0);
        assertThat(listed.getReplicasHeld()).isEqualTo(1);
        assertThat(listed.getHoldersList()).containsExactly("w1");

        // a job over it: the worker gets its spec with the data set and the jar as a data set
        String job = submitDataJob(text.getId());
        stream.onNext(WorkerMessage.newBuilder().setCredit(3).build());
        MasterMessage m = worker.next(x -> x.getJobsCount() > 0 ? x : null);
        assertThat(m).as("a message with the job's spec").isNotNull();
        JobSpec spec = m.getJobs(0);
        assertThat(spec.getDataList()).singleElement().satisfies(d -> {
            assertThat(d.getName()).isEqualTo("text");
            assertThat(d.getId()).isEqualTo(text.getId());
            assertThat(d.getChunkSha256Count()).isEqualTo(3);
        });
        assertThat(spec.getJarDataId()).isEqualTo(grid.jarDataId(spec.getJarSha256())).isNotEmpty();
        assertThat(grid.find(spec.getJarDataId()).orElseThrow().size()).isEqualTo(Files.size(dataJar()));

        // a result's data counters are summed into the job's status
        var a = m.getAssignments(0);
        stream.onNext(WorkerMessage.newBuilder().addResults(TaskResult.newBuilder().setRef(a.getRef())
                .setOutput(ByteString.copyFrom(io.gridwork.sdk.Codecs.LONG.encode(5L)))
                .setData(DataCounters.newBuilder().setBytesLocal(100).setBytesFromPeers(20).setBytesFromMaster(3)))
                .build());
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (client.status(job).getData().getBytesLocal() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(client.status(job).getData()).isEqualTo(DataCounters.newBuilder().setBytesLocal(100)
                .setBytesFromPeers(20).setBytesFromMaster(3).build());
    }

    /** PutCheckpoint with these pieces: the data set the master answers with, or the status it failed with. */
    private io.gridwork.api.v1.DataSetRef putCheckpoint(List<io.gridwork.api.v1.CheckpointPiece> pieces)
            throws Exception {
        Answer<io.gridwork.api.v1.DataSetRef> done = new Answer<>();
        StreamObserver<io.gridwork.api.v1.CheckpointPiece> up = workerAsync.putCheckpoint(done);
        pieces.forEach(up::onNext);
        up.onCompleted();
        return done.get(20);
    }

    @Test
    void aLargeCheckpointIsUploadedInPiecesFencedSavedByReferenceAndDroppedWithItsJob() throws Exception {
        DataSet text = put(bytes, bytes.length, "text", 1);
        FakeWorker worker = connectWorker(1);
        StreamObserver<WorkerMessage> stream = worker.stream();
        String job = submitDataJob(text.getId());
        stream.onNext(WorkerMessage.newBuilder().setCredit(1).build());
        io.gridwork.api.v1.TaskAssignment assignment =
                worker.next(m -> m.getAssignmentsCount() > 0 ? m.getAssignments(0) : null);
        assertThat(assignment).isNotNull();
        io.gridwork.api.v1.TaskRef ref = assignment.getRef();

        byte[] state = new byte[DataLayout.PIECE_SIZE + 300_000];
        new Random(7).nextBytes(state);
        var first = io.gridwork.api.v1.CheckpointPiece.newBuilder().setRef(ref).setSeq(1).setSize(state.length)
                .setData(ByteString.copyFrom(state, 0, DataLayout.PIECE_SIZE)).build();
        var second = io.gridwork.api.v1.CheckpointPiece.newBuilder()
                .setData(ByteString.copyFrom(state, DataLayout.PIECE_SIZE, state.length - DataLayout.PIECE_SIZE)).build();
        int before = grid.all().size();

        // refused, keeping nothing: another attempt, a wrong size, a malformed first piece
        var stale = first.toBuilder().setRef(ref.toBuilder().setAttemptId(ref.getAttemptId() + 1000)).build();
        assertStatus(() -> putCheckpoint(List.of(stale, second)), Status.Code.FAILED_PRECONDITION, "not current");
        assertStatus(() -> putCheckpoint(List.of(first)), Status.Code.INVALID_ARGUMENT, "size: ");
        assertStatus(() -> putCheckpoint(List.of(second)), Status.Code.INVALID_ARGUMENT, "ref: ");
        assertStatus(() -> putCheckpoint(List.of(first.toBuilder().setSeq(0).build(), second)),
                Status.Code.INVALID_ARGUMENT, "seq");
        assertThat(grid.all()).hasSize(before);
        try (var temps = Files.list(dir.resolve("data"))) {
            assertThat(temps.filter(f -> f.getFileName().toString().endsWith(".tmp"))).as("no upload left").isEmpty();
        }

        io.gridwork.api.v1.DataSetRef stored = putCheckpoint(List.of(first, second));
        assertThat(stored.getSize()).isEqualTo(state.length);
        assertThat(stored.getChunkSha256Count()).isEqualTo(DataLayout.chunkCount(state.length, stored.getChunkSize()));
        assertThat(grid.find(stored.getId()).orElseThrow().owner()).isEqualTo(DataGrid.CHECKPOINT_OWNER + job);
        try (var in = grid.open(grid.find(stored.getId()).orElseThrow())) {
            assertThat(in.readAllBytes()).as("the master's verified copy").isEqualTo(state);
        }

        stream.onNext(WorkerMessage.newBuilder().addCheckpoints(io.gridwork.api.v1.TaskCheckpoint.newBuilder()
                .setRef(ref).setSeq(1).setData(stored)).build());
        io.gridwork.api.v1.CheckpointAck ack =
                worker.next(m -> m.getCheckpointAcksCount() > 0 ? m.getCheckpointAcks(0) : null);
        assertThat(ack).isNotNull();
        assertThat(ack.getOk()).as(ack.getReason()).isTrue();
        assertThat(store.checkpoints().count(job)).isEqualTo(1);

        client.cancel(job, "test");
        String id = stored.getId();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> grid.find(id).isEmpty() && !grid.files().has(id));
        assertThat(store.checkpoints().count(job)).isZero();
    }
}
