package io.gridwork.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.DataSet;
import io.gridwork.api.v1.DeleteDataRequest;
import io.gridwork.api.v1.GetDataRequest;
import io.gridwork.api.v1.HasJarRequest;
import io.gridwork.api.v1.HasJarResponse;
import io.gridwork.api.v1.ListDataRequest;
import io.gridwork.api.v1.ListDataResponse;
import io.gridwork.api.v1.PutDataRequest;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.SubmitJobResponse;
import io.gridwork.internal.data.DataLayout;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's side of the data grid against a fake master in this JVM (in-process gRPC): a put streams the file in
 * pieces of at most 1 MiB under the id computed before, a file that changes meanwhile is cancelled before its last
 * byte (the master keeps nothing), a get is verified against the id before the file appears, and a submission carries
 * its data sets.
 */
class GridClientDataTest {

    /** Keeps data sets in memory, as the real master keeps them on disk; hashes what it receives as the master does. */
    static final class FakeMaster extends ClientServiceGrpc.ClientServiceImplBase {
        final Map<String, byte[]> bytes = new ConcurrentHashMap<>();
        final Map<String, DataSet> sets = new ConcurrentHashMap<>();
        final List<Integer> pieceSizes = new CopyOnWriteArrayList<>();
        final List<String> puts = new CopyOnWriteArrayList<>();
        final List<Status.Code> putErrors = new CopyOnWriteArrayList<>();
        volatile SubmitJobRequest submitted;
        /** Called with the number of data pieces received so far, before the master asks for the next one. */
        volatile Consumer<Integer> onPiece = n -> { };
        volatile boolean corruptGets;

        @Override
        public StreamObserver<PutDataRequest> putData(StreamObserver<DataSet> observer) {
            ServerCallStreamObserver<DataSet> server = (ServerCallStreamObserver<DataSet>) observer;
            server.disableAutoRequest();
            server.request(1);
            return new StreamObserver<>() {
                PutDataRequest.Header header;
                final ByteArrayOutputStream received = new ByteArrayOutputStream();
                int pieces;

                @Override
                public void onNext(PutDataRequest r) {
                    if (header == null) {
                        header = r.getHeader();
                    } else {
                        pieceSizes.add(r.getData().size());
                        received.writeBytes(r.getData().toByteArray());
                        onPiece.accept(++pieces);
                    }
                    server.request(1);
                }

                @Override
                public void onError(Throwable t) {
                    putErrors.add(Status.fromThrowable(t).getCode());
                }

                @Override
                public void onCompleted() {
                    byte[] all = received.toByteArray();
                    if (all.length != header.getSize()) {
                        observer.onError(Status.INVALID_ARGUMENT.withDescription("size: " + all.length + " bytes came, "
                                + header.getSize() + " announced").asRuntimeException());
                        return;
                    }
                    DataLayout.Hasher hasher = new DataLayout.Hasher();
                    hasher.update(all, 0, all.length);
                    String id = hasher.finish();
                    DataSet set = DataSet.newBuilder().setId(id).setName(header.getName()).setSize(all.length)
                            .setChunkSize(DataLayout.CHUNK_SIZE).setChunks(DataLayout.chunkCount(all.length,
                                    DataLayout.CHUNK_SIZE)).setReplicasWanted(header.getReplicas() == 0 ? 2
                                    : header.getReplicas()).setOwner("admin").build();
                    bytes.put(id, all);
                    sets.put(id, set);
                    puts.add(id);
                    observer.onNext(set);
                    observer.onCompleted();
                }
            };
        }

        @Override
        public void listData(ListDataRequest request, StreamObserver<ListDataResponse> observer) {
            ListDataResponse.Builder r = ListDataResponse.newBuilder();
            sets.values().stream().filter(s -> request.getId().isEmpty() || s.getId().equals(request.getId()))
                    .forEach(r::addDataSets);
            observer.onNext(r.build());
            observer.onCompleted();
        }

        @Override
        public void getData(GetDataRequest request, StreamObserver<ChunkPiece> observer) {
            byte[] all = bytes.get(request.getId());
            if (all == null) {
                observer.onError(Status.NOT_FOUND.withDescription("no data set " + request.getId()).asRuntimeException());
                return;
            }
            all = all.clone();
            if (corruptGets && all.length > 0) {
                all[all.length / 2] ^= 1;
            }
            for (int off = 0; off == 0 || off < all.length; off += DataLayout.PIECE_SIZE) {
                ChunkPiece.Builder piece = ChunkPiece.newBuilder().setData(ByteString.copyFrom(all, off,
                        Math.min(DataLayout.PIECE_SIZE, all.length - off)));
                if (off == 0) {
                    piece.setTotalSize(all.length);
                }
                observer.onNext(piece.build());
            }
            observer.onCompleted();
        }

        @Override
        public void deleteData(DeleteDataRequest request, StreamObserver<DataSet> observer) {
            DataSet set = sets.remove(request.getId());
            if (set == null) {
                observer.onError(Status.NOT_FOUND.withDescription("no data set " + request.getId()).asRuntimeException());
                return;
            }
            bytes.remove(request.getId());
            observer.onNext(set);
            observer.onCompleted();
        }

        @Override
        public void hasJar(HasJarRequest request, StreamObserver<HasJarResponse> observer) {
            observer.onNext(HasJarResponse.newBuilder().setPresent(true).build());
            observer.onCompleted();
        }

        @Override
        public void submitJob(SubmitJobRequest request, StreamObserver<SubmitJobResponse> observer) {
            submitted = request;
            observer.onNext(SubmitJobResponse.newBuilder().setJobId("job-1").build());
            observer.onCompleted();
        }
    }

    @TempDir
    Path dir;

    FakeMaster fake;
    Server server;
    ManagedChannel channel;
    GridClient client;

    @BeforeEach
    void start() throws IOException {
        fake = new FakeMaster();
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(fake).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        client = GridClient.over(channel);
    }

    @AfterEach
    void stop() {
        client.close();
        channel.shutdownNow();
        server.shutdownNow();
    }

    Path file(String name, int size, long seed) throws IOException {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        Path file = dir.resolve(name);
        Files.write(file, content);
        return file;
    }

    @Test
    void aPutStreamsPiecesOfAtMostOneMegabyteUnderTheIdOfTheBytesAndAGetGivesThemBack() throws IOException {
        int size = DataLayout.CHUNK_SIZE + 3 * DataLayout.PIECE_SIZE / 2 + 17; // two chunks, the last one short
        Path file = file("corpus.bin", size, 1);

        DataSet set = client.putData(file, "corpus", 3);

        assertThat(set.getId()).isEqualTo(GridClient.dataId(file)).isEqualTo(fake.puts.get(0));
        assertThat(set.getName()).isEqualTo("corpus");
        assertThat(set.getReplicasWanted()).isEqualTo(3);
        assertThat(set.getChunks()).isEqualTo(2);
        assertThat(fake.pieceSizes).allSatisfy(n -> assertThat(n).isBetween(1, DataLayout.PIECE_SIZE));
        assertThat(fake.pieceSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(size);
        assertThat(client.listData()).containsExactly(set);
        assertThat(client.dataSet(set.getId())).isEqualTo(set);

        Path out = dir.resolve("copy.bin");
        Files.writeString(out, "an older file, replaced");
        assertThat(client.getData(set.getId(), out)).isEqualTo(set);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(file));
        assertThat(leftovers()).isEmpty();

        assertThat(client.deleteData(set.getId())).isEqualTo(set);
        assertThatThrownBy(() -> client.dataSet(set.getId())).isInstanceOf(GridException.class)
                .hasMessage("no data set " + set.getId())
                .satisfies(e -> assertThat(((GridException) e).code()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void theSameBytesGiveTheSameIdAndTheFileNameIsTheDefaultName() throws IOException {
        Path a = file("a.txt", 1000, 7);
        Path b = dir.resolve("b.txt");
        Files.copy(a, b);
        DataSet first = client.putData(a);
        DataSet second = client.putData(b, " ", 0);
        assertThat(second.getId()).isEqualTo(first.getId());
        assertThat(first.getName()).isEqualTo("a.txt");
        assertThat(second.getName()).isEqualTo("b.txt");
        assertThat(first.getReplicasWanted()).as("the master's default").isEqualTo(2);
    }

    @Test
    void anEmptyFileIsADataSetOfNoChunks() throws IOException {
        Path empty = dir.resolve("empty");
        Files.createFile(empty);
        DataSet set = client.putData(empty);
        assertThat(set.getSize()).isZero();
        assertThat(set.getChunks()).isZero();
        assertThat(set.getId()).isEqualTo(DataLayout.rootId(0, DataLayout.CHUNK_SIZE, List.of()));
        Path out = dir.resolve("empty.out");
        client.getData(set.getId(), out);
        assertThat(Files.size(out)).isZero();
    }

    @Test
    void aFileRewrittenInPlaceWhileItIsPutIsCancelledBeforeItsLastByte() throws IOException {
        Path file = file("moving.bin", 5 * DataLayout.PIECE_SIZE + 100, 2);
        FileTime mtime = Files.getLastModifiedTime(file);
        fake.onPiece = n -> {
            if (n == 1) { // the client has read at most the second piece: change the fifth, keep size and time
                rewriteByte(file, 4L * DataLayout.PIECE_SIZE + 5);
                setTime(file, mtime);
            }
        };

        assertThatThrownBy(() -> client.putData(file)).isInstanceOf(FileChangedException.class)
                .hasMessageStartingWith(file + " changed while it was put (its bytes give the id ")
                .hasMessageEndingWith("; nothing was kept: put it again once it no longer changes");
        assertThat(fake.puts).as("the master stored nothing").isEmpty();
        assertThat(fake.pieceSizes.stream().mapToInt(Integer::intValue).sum()).as("the last piece never left")
                .isLessThan(5 * DataLayout.PIECE_SIZE + 100);
        assertThat(fake.putErrors).containsExactly(Status.Code.CANCELLED);
    }

    @Test
    void aFileThatGrowsOrShrinksWhileItIsPutIsRefused() throws IOException {
        Path growing = file("growing.log", 3 * DataLayout.PIECE_SIZE, 3);
        fake.onPiece = n -> {
            if (n == 1) {
                append(growing, "more lines\n");
            }
        };
        assertThatThrownBy(() -> client.putData(growing)).isInstanceOf(FileChangedException.class)
                .hasMessageContaining("(it grew beyond " + 3 * DataLayout.PIECE_SIZE + " bytes)");

        Path shrinking = file("shrinking.log", 4 * DataLayout.PIECE_SIZE, 4);
        fake.onPiece = n -> {
            if (n == 1) {
                truncate(shrinking, 2L * DataLayout.PIECE_SIZE + 1);
            }
        };
        assertThatThrownBy(() -> client.putData(shrinking)).isInstanceOf(FileChangedException.class)
                .hasMessageContaining("(it has " + (2 * DataLayout.PIECE_SIZE + 1) + " bytes now, "
                        + 4 * DataLayout.PIECE_SIZE + " before)");
        assertThat(fake.puts).isEmpty();
        assertThat(fake.putErrors).containsExactly(Status.Code.CANCELLED, Status.Code.CANCELLED);
    }

    @Test
    void aGetWhoseBytesDoNotGiveTheIdLeavesTheOutputAsItWas() throws IOException {
        DataSet set = client.putData(file("x.bin", 2 * DataLayout.PIECE_SIZE + 9, 5));
        fake.corruptGets = true;
        Path out = dir.resolve("out.bin");
        Files.writeString(out, "keep me");

        assertThatThrownBy(() -> client.getData(set.getId(), out)).isInstanceOf(GridException.class)
                .hasMessageStartingWith("the bytes received give the id ")
                .hasMessageEndingWith(", not " + set.getId() + ": nothing was written")
                .satisfies(e -> assertThat(((GridException) e).code()).isEqualTo(Status.Code.DATA_LOSS));
        assertThat(Files.readString(out)).isEqualTo("keep me");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void unknownAndMalformedIdsAreRefused() {
        String unknown = "ab".repeat(32);
        assertThatThrownBy(() -> client.getData(unknown, dir.resolve("o"))).isInstanceOf(GridException.class)
                .hasMessage("no data set " + unknown);
        assertThat(dir.resolve("o")).doesNotExist();
        assertThatThrownBy(() -> client.deleteData("abc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'abc' is not a data set id (64 lowercase hex digits; grid data ls lists them)");
        assertThatThrownBy(() -> client.putData(dir.resolve("missing"))).isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("no such file");
    }

    @Test
    void aSubmissionCarriesItsDataSetsByName() throws IOException {
        String id = "0f".repeat(32);
        client.submit(JobSubmission.builder().jarSha256("00".repeat(32)).jobClass("x.Grep").data("text", id)
                .data("table", "1e".repeat(32)).build());
        assertThat(fake.submitted.getDataMap()).containsExactly(Map.entry("text", id),
                Map.entry("table", "1e".repeat(32)));
        assertThatThrownBy(() -> JobSubmission.builder().data("text", "not-an-id"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("data text: 'not-an-id' is not a data set id (64 hex digits)");
        assertThatThrownBy(() -> JobSubmission.builder().data("text", id).data("text", id))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("data text is given twice");
    }

    private List<Path> leftovers() throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }

    private static void rewriteByte(Path file, long at) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0xff);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void setTime(Path file, FileTime time) {
        try {
            Files.setLastModifiedTime(file, time);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void append(Path file, String text) {
        try {
            Files.writeString(file, text, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void truncate(Path file, long size) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
