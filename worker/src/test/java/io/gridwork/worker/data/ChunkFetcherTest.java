package io.gridwork.worker.data;

import static io.gridwork.worker.data.FakeDataGrid.dataSet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.CorruptChunk;
import io.gridwork.api.v1.DataReport;
import io.gridwork.api.v1.FetchChunkRequest;
import io.gridwork.api.v1.PeerEndpoint;
import io.gridwork.api.v1.PeerServiceGrpc;
import io.gridwork.worker.data.ChunkFetcher.Source;
import io.gridwork.worker.data.DataCache.ChunkId;
import io.gridwork.worker.data.FakeDataGrid.DataSet;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetcher against in-process fake peers and a fake master. */
class ChunkFetcherTest {

    @TempDir
    Path dir;

    private FakeDataGrid grid;
    private final List<CorruptChunk> corrupt = new ArrayList<>();
    private DataCache cache;

    @BeforeEach
    void setUp() throws IOException {
        grid = new FakeDataGrid(dir);
        cache = new DataCache(dir.resolve("mine"), 1L << 30, new DataCache.Listener() {
            @Override
            public void added(ChunkId chunk) {
            }

            @Override
            public void evicted(ChunkId chunk) {
            }
        });
    }

    @AfterEach
    void tearDown() {
        grid.close();
    }

    /** A fetcher that runs each fetch on the calling thread: fetches happen one by one, in the order started. */
    private ChunkFetcher directFetcher() {
        return new ChunkFetcher(cache, grid::masters, grid::peer, List::of, () -> "me", corrupt::add, Runnable::run,
                Duration.ofSeconds(10));
    }

    private byte[] held(DataSet set, int index) throws IOException {
        try (InputStream in = cache.open(new ChunkId(set.ref().getId(), index), set.ref().getChunkSha256(index).toByteArray())) {
            return in == null ? null : in.readAllBytes();
        }
    }

    @Test
    void theRarestChunksAreFetchedFirstAndEveryByteIsRight() throws IOException {
        DataSet set = grid.add(dataSet("text", 4 * 1024, 1024, 1));
        PeerEndpoint a = grid.peer("a", set, false, 0, 1, 2, 3);
        PeerEndpoint b = grid.peer("b", set, false, 0, 1, 3);
        PeerEndpoint c = grid.peer("c", set, false, 0, 3);
        grid.holds(set, 0, a, b, c);   // 3 holders
        grid.holds(set, 1, a, b);      // 2
        grid.holds(set, 2, a);         // 1: the rarest
        grid.holds(set, 3, a, b, c);

        Map<Integer, Source> sources = directFetcher().ensure(set.ref(), List.of(0, 1, 2, 3));

        assertThat(grid.peerRequests).hasSize(4);
        assertThat(grid.peerRequests.stream().map(r -> r.substring(r.indexOf(':') + 1)).toList())
                .startsWith("2", "1");
        assertThat(sources).containsOnlyKeys(0, 1, 2, 3).allSatisfy((i, s) -> assertThat(s).isEqualTo(Source.PEER));
        for (int i = 0; i < 4; i++) {
            assertThat(held(set, i)).isEqualTo(set.chunk(i));
        }
        assertThat(grid.masterBytes.get()).as("bytes from the master when peers have every chunk").isZero();
        assertThat(corrupt).isEmpty();
    }

    @Test
    void chunksAlreadyHeldAreLocalAndNotFetchedAgain() throws IOException {
        DataSet set = grid.add(dataSet("text", 2000, 1024, 2));
        grid.holds(set, 0, grid.peer("a", set, false, 0, 1));
        grid.holds(set, 1, FakeDataGrid.endpoint("a"));
        ChunkFetcher fetcher = directFetcher();
        fetcher.ensure(set.ref(), List.of(0, 1));
        grid.peerRequests.clear();

        assertThat(fetcher.ensure(set.ref(), List.of(1, 0))).containsEntry(0, Source.LOCAL).containsEntry(1, Source.LOCAL);
        assertThat(grid.peerRequests).isEmpty();
    }

    @Test
    void aCorruptPeerIsReportedAndTheChunkComesFromAnother() throws IOException {
        DataSet set = grid.add(dataSet("text", 1500, 1024, 3));
        PeerEndpoint bad = grid.peer("bad", set, true, 0, 1);
        PeerEndpoint good = grid.peer("good", set, false, 0, 1);
        grid.holds(set, 0, bad);          // the directory lists only the bad one...
        grid.home(set, 0, bad, good);     // ...and the ring names the good one too

        assertThat(directFetcher().ensure(set.ref(), List.of(0))).containsEntry(0, Source.PEER);

        assertThat(held(set, 0)).isEqualTo(set.chunk(0));
        assertThat(grid.peerRequests).containsExactly("bad:0", "good:0");
        assertThat(corrupt).singleElement().satisfies(c -> {
            assertThat(c.getPeerWorkerId()).isEqualTo("bad");
            assertThat(c.getChunk().getDataId()).isEqualTo(set.ref().getId());
            assertThat(c.getChunk().getIndex()).isZero();
            assertThat(c.getDetail()).isEqualTo("sha256 mismatch");
        });
        assertThat(grid.masterBytes.get()).isZero();
    }

    @Test
    void aTruncatedChunkIsDiscardedAndTheMasterServesItWhenNoPeerCan() throws IOException {
        DataSet set = grid.add(dataSet("text", 3000, 1024, 4));
        PeerEndpoint cut = grid.peer("cut", new PeerServiceGrpc.PeerServiceImplBase() {
            @Override
            public void fetchChunk(FetchChunkRequest request, StreamObserver<ChunkPiece> responses) {
                byte[] chunk = set.chunk(request.getIndex());
                responses.onNext(ChunkPiece.newBuilder().setTotalSize(chunk.length)
                        .setData(ByteString.copyFrom(chunk, 0, 100)).build());
                responses.onCompleted();
            }
        });
        grid.holds(set, 1, cut);

        assertThat(directFetcher().ensure(set.ref(), List.of(1))).containsEntry(1, Source.MASTER);

        assertThat(held(set, 1)).isEqualTo(set.chunk(1));
        assertThat(corrupt).singleElement().satisfies(c -> {
            assertThat(c.getPeerWorkerId()).isEqualTo("cut");
            assertThat(c.getDetail()).isEqualTo("truncated at 100 of 1024 bytes");
        });
        assertThat(grid.masterBytes.get()).isEqualTo(1024);
    }

    @Test
    void theMasterServesOnlyWhenNoPeerHoldsAChunk() throws IOException {
        DataSet set = grid.add(dataSet("text", 2500, 1024, 5));
        grid.holds(set, 0, grid.peer("a", set, false, 0));

        Map<Integer, Source> sources = directFetcher().ensure(set.ref(), List.of(0, 1, 2));

        assertThat(sources).containsEntry(0, Source.PEER).containsEntry(1, Source.MASTER).containsEntry(2, Source.MASTER);
        assertThat(grid.masterBytes.get()).isEqualTo(1024 + 452);
        assertThat(held(set, 2)).isEqualTo(set.chunk(2));
    }

    @Test
    void withoutPeerFetchEveryChunkComesFromTheMasterThoughPeersHoldThem() throws IOException {
        DataSet set = grid.add(dataSet("text", 2500, 1024, 9));
        PeerEndpoint a = grid.peer("a", set, false, 0, 1, 2);
        for (int i = 0; i < 3; i++) {
            grid.holds(set, i, a);
        }
        ChunkFetcher masterOnly = new ChunkFetcher(cache, grid::masters, grid::peer, () -> List.of(a), () -> "me",
                corrupt::add, Runnable::run, Duration.ofSeconds(10), false);

        Map<Integer, Source> sources = masterOnly.ensure(set.ref(), List.of(0, 1, 2));

        assertThat(sources).containsOnly(Map.entry(0, Source.MASTER), Map.entry(1, Source.MASTER),
                Map.entry(2, Source.MASTER));
        assertThat(grid.peerRequests).isEmpty();
        assertThat(grid.masterBytes.get()).isEqualTo(2500);
        assertThat(held(set, 1)).isEqualTo(set.chunk(1));
    }

    @Test
    void aPeerThatFailsIsSkippedWithoutAReport() throws IOException {
        DataSet set = grid.add(dataSet("text", 1024, 1024, 6));
        PeerEndpoint gone = FakeDataGrid.endpoint("gone");
        PeerEndpoint empty = grid.peer("empty", set, false); // holds nothing: NOT_FOUND
        PeerEndpoint good = grid.peer("good", set, false, 0);
        grid.holds(set, 0, empty);
        grid.home(set, 0, good);
        ChunkFetcher fetcher = new ChunkFetcher(cache, grid::masters, p -> {
            if (p.getWorkerId().equals("gone")) {
                throw new IllegalStateException("unreachable");
            }
            return grid.peer(p);
        }, List::of, () -> "me", corrupt::add, Runnable::run, Duration.ofSeconds(10));
        grid.holds(set, 0, gone, empty);

        assertThat(fetcher.ensure(set.ref(), List.of(0))).containsEntry(0, Source.PEER);
        assertThat(corrupt).isEmpty();
        assertThat(grid.peerRequests).endsWith("good:0");
    }

    @Test
    void noHolderAndNoMasterIsAClearError() throws IOException {
        DataSet set = dataSet("text", 1024, 1024, 7); // the master does not know it
        ChunkFetcher fetcher = new ChunkFetcher(cache, List::of, grid::peer, List::of, () -> "me", corrupt::add,
                Runnable::run, Duration.ofSeconds(10));
        assertThatThrownBy(() -> fetcher.ensure(set.ref(), List.of(0))).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot fetch chunk 0 of data set " + set.ref().getId())
                .hasMessageContaining("no peer holds it and no master is connected");
    }

    @Test
    void withNoMasterTheRingOverTheKnownPeersSaysWhereToLook() throws IOException {
        DataSet set = dataSet("text", 1024, 1024, 8);
        List<PeerEndpoint> known = List.of(grid.peer("p1", set, false, 0), grid.peer("p2", set, false, 0),
                grid.peer("p3", set, false, 0));
        ChunkFetcher fetcher = new ChunkFetcher(cache, List::of, grid::peer, () -> known, () -> "me", corrupt::add,
                Runnable::run, Duration.ofSeconds(10));
        assertThat(fetcher.ensure(set.ref(), List.of(0))).containsEntry(0, Source.PEER);
        assertThat(held(set, 0)).isEqualTo(set.chunk(0));
    }

    @Test
    void severalChunksComeFromSeveralPeersAtOnce() throws Exception {
        DataSet set = grid.add(dataSet("text", 8 * 1024, 1024, 9));
        AtomicInteger active = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch together = new CountDownLatch(2);
        List<PeerEndpoint> peers = new ArrayList<>();
        for (String id : List.of("p1", "p2")) {
            PeerServer real = new PeerServer(peerCacheWithAll(id, set), false);
            peers.add(grid.peer(id, new PeerServiceGrpc.PeerServiceImplBase() {
                @Override
                public void fetchChunk(FetchChunkRequest request, StreamObserver<ChunkPiece> responses) {
                    most.accumulateAndGet(active.incrementAndGet(), Math::max);
                    together.countDown();
                    try {
                        together.await(10, TimeUnit.SECONDS); // the first two requests wait for each other
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    grid.peerRequests.add(id + ":" + request.getIndex());
                    active.decrementAndGet(); // before the answer: once it is sent, the fetcher may start the next
                    real.fetchChunk(request, responses);
                }
            }));
        }
        for (int i = 0; i < 8; i++) {
            grid.holds(set, i, peers.toArray(new PeerEndpoint[0]));
        }
        try (DataPlane plane = DataPlane.forTest(dir.resolve("plane"), 1L << 30, grid::masters, grid::peer, () -> "me")) {
            Map<Integer, Source> sources = plane.fetcher().ensure(set.ref(), List.of(0, 1, 2, 3, 4, 5, 6, 7));
            assertThat(sources.values()).containsOnly(Source.PEER).hasSize(8);
        }
        assertThat(together.getCount()).as("two fetches were under way at once").isZero();
        assertThat(most.get()).isBetween(2, ChunkFetcher.IN_FLIGHT);
        assertThat(grid.peerRequests).hasSize(8);
    }

    private DataCache peerCacheWithAll(String id, DataSet set) throws IOException {
        DataCache c = new DataCache(dir.resolve("all-" + id), 1L << 30, new DataCache.Listener() {
            @Override
            public void added(ChunkId chunk) {
            }

            @Override
            public void evicted(ChunkId chunk) {
            }
        });
        for (int i = 0; i < set.ref().getChunkSha256Count(); i++) {
            DataCache.Reservation r = c.reserve(new ChunkId(set.ref().getId(), i), set.chunk(i).length);
            Path temp = r.tempFile();
            java.nio.file.Files.write(temp, set.chunk(i));
            c.store(r, temp, set.ref().getChunkSha256(i).toByteArray());
        }
        return c;
    }

    @Test
    void aFullCacheRefusesAFetchWithAClearError() throws IOException {
        DataSet set = grid.add(dataSet("text", 3000, 1024, 10));
        DataCache small = new DataCache(dir.resolve("small"), 1024, new DataCache.Listener() {
            @Override
            public void added(ChunkId chunk) {
            }

            @Override
            public void evicted(ChunkId chunk) {
            }
        });
        ChunkFetcher fetcher = new ChunkFetcher(small, grid::masters, grid::peer, List::of, () -> "me", corrupt::add,
                Runnable::run, Duration.ofSeconds(10));
        small.pin(new ChunkId(set.ref().getId(), 0));
        fetcher.ensure(set.ref(), List.of(0));
        assertThatThrownBy(() -> fetcher.ensure(set.ref(), List.of(1))).isInstanceOf(DataCacheFullException.class)
                .hasMessageContaining("the data cache is full");
        assertThat(small.chunks()).containsExactly(new ChunkId(set.ref().getId(), 0));
    }

    @Test
    void ordersFetchAndPinThenDropAndRemoveAndEveryChangeIsReported() throws IOException {
        DataSet set = grid.add(dataSet("text", 3000, 1024, 11));
        grid.holds(set, 0, grid.peer("a", set, false, 0, 1, 2));
        grid.holds(set, 1, FakeDataGrid.endpoint("a"));
        try (DataPlane plane = DataPlane.forTest(dir.resolve("plane"), 1L << 30, grid::masters, grid::peer, () -> "me")) {
            plane.apply(io.gridwork.api.v1.DataOrder.newBuilder().setDataSet(set.ref()).addFetch(0).addFetch(1).build());
            String id = set.ref().getId();
            await().atMost(Duration.ofSeconds(10)).until(() -> plane.cache().chunks().size() == 2);
            assertThat(plane.cache().isPinned(new ChunkId(id, 0))).isTrue();
            assertThat(plane.cache().isPinned(new ChunkId(id, 1))).isTrue();
            assertThat(plane.heldChunks()).extracting(k -> k.getIndex()).containsExactlyInAnyOrder(0, 1);
            DataReport first = plane.takeReport();
            assertThat(first.getAddedList()).extracting(k -> k.getIndex()).containsExactlyInAnyOrder(0, 1);
            assertThat(plane.takeReport()).as("nothing new").isNull();

            // an order for a chunk held already is answered at once, with no transfer
            grid.peerRequests.clear();
            plane.apply(io.gridwork.api.v1.DataOrder.newBuilder().setDataSet(set.ref()).addFetch(1).build());
            assertThat(plane.takeReport().getAddedList()).extracting(k -> k.getIndex()).containsExactly(1);
            assertThat(grid.peerRequests).isEmpty();

            plane.apply(io.gridwork.api.v1.DataOrder.newBuilder().setDataSet(set.ref()).addDrop(0).build());
            assertThat(plane.cache().isPinned(new ChunkId(id, 0))).isFalse();
            assertThat(plane.cache().chunks()).hasSize(2); // kept until room is needed

            plane.apply(io.gridwork.api.v1.DataOrder.newBuilder().setDataSet(set.ref()).setRemoved(true).build());
            assertThat(plane.cache().chunks()).isEmpty();
            assertThat(plane.takeReport().getEvictedList()).extracting(k -> k.getIndex()).containsExactlyInAnyOrder(0, 1);
        }
    }

    @Test
    void aJobJarComesThroughTheGridAndIsCheckedWhole() throws IOException {
        DataSet jar = grid.add(dataSet("job.jar", 2500, 1024, 12));
        grid.holds(jar, 0, grid.peer("a", jar, false, 0, 1, 2));
        grid.holds(jar, 1, FakeDataGrid.endpoint("a"));
        grid.holds(jar, 2, FakeDataGrid.endpoint("a"));
        String sha = io.gridwork.internal.data.DataLayout.hex(
                io.gridwork.internal.data.DataLayout.sha256().digest(jar.bytes()));
        Path jars = java.nio.file.Files.createDirectories(dir.resolve("jars"));
        try (DataPlane plane = DataPlane.forTest(dir.resolve("plane"), 1L << 30, grid::masters, grid::peer, () -> "me")) {
            plane.fetchJar(jar.ref().getId(), sha, jars.resolve(sha + ".jar"));
            assertThat(jars.resolve(sha + ".jar")).hasBinaryContent(jar.bytes());
            assertThat(grid.masterBytes.get()).isZero();

            assertThatThrownBy(() -> plane.fetchJar(jar.ref().getId(), "0".repeat(64), jars.resolve("x.jar")))
                    .isInstanceOf(IOException.class).hasMessageContaining("not the jar's " + "0".repeat(64));
            assertThat(jars.resolve("x.jar")).doesNotExist();
            try (var left = java.nio.file.Files.list(jars)) {
                assertThat(left).hasSize(1);
            }
        }
    }
}
