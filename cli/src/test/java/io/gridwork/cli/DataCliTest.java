package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.DataCounters;
import io.gridwork.api.v1.DataSet;
import io.gridwork.api.v1.DeleteDataRequest;
import io.gridwork.api.v1.GetDataRequest;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.HasJarRequest;
import io.gridwork.api.v1.HasJarResponse;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListDataRequest;
import io.gridwork.api.v1.ListDataResponse;
import io.gridwork.api.v1.PutDataRequest;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.SubmitJobResponse;
import io.gridwork.client.GridClient;
import io.gridwork.internal.data.DataLayout;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grid data put/ls/get/rm}, {@code grid submit --data} and the data lines of {@code grid status}, against a
 * fake master over a real (plaintext) connection: what each prints, and its exit code and one line for bad input.
 */
class DataCliTest {

    static final String JOB_USING = "job-7";

    /** Keeps data sets in memory; refuses to delete one a running job reads, and a submission of an unknown id. */
    static final class FakeMaster extends ClientServiceGrpc.ClientServiceImplBase {
        final Map<String, byte[]> bytes = new ConcurrentHashMap<>();
        final Map<String, DataSet> sets = new ConcurrentHashMap<>();
        final List<SubmitJobRequest> submitted = new CopyOnWriteArrayList<>();
        final List<Status.Code> putErrors = new CopyOnWriteArrayList<>();
        volatile String inUse = "";
        volatile boolean corruptGets;
        /** Runs when a put's header arrives, before the master asks for its bytes. */
        volatile Runnable onHeader = () -> { };

        @Override
        public StreamObserver<PutDataRequest> putData(StreamObserver<DataSet> observer) {
            ServerCallStreamObserver<DataSet> server = (ServerCallStreamObserver<DataSet>) observer;
            server.disableAutoRequest();
            server.request(1);
            return new StreamObserver<>() {
                PutDataRequest.Header header;
                final ByteArrayOutputStream received = new ByteArrayOutputStream();

                @Override
                public void onNext(PutDataRequest r) {
                    if (header == null) {
                        header = r.getHeader();
                        onHeader.run();
                    } else {
                        received.writeBytes(r.getData().toByteArray());
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
                    DataLayout.Hasher hasher = new DataLayout.Hasher();
                    hasher.update(all, 0, all.length);
                    String id = hasher.finish();
                    DataSet set = DataSet.newBuilder().setId(id).setName(header.getName()).setSize(all.length)
                            .setChunkSize(DataLayout.CHUNK_SIZE).setChunks(DataLayout.chunkCount(all.length,
                                    DataLayout.CHUNK_SIZE))
                            .setReplicasWanted(header.getReplicas() == 0 ? 2 : header.getReplicas()).setReplicasHeld(1)
                            .addHolders("w1").addHolders("w2").setOwner("admin").build();
                    bytes.put(id, all);
                    sets.put(id, set);
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
            byte[] all = bytes.get(request.getId()).clone();
            if (corruptGets) {
                all[0] ^= 1;
            }
            for (int off = 0; off == 0 || off < all.length; off += DataLayout.PIECE_SIZE) {
                observer.onNext(ChunkPiece.newBuilder().setData(ByteString.copyFrom(all, off,
                        Math.min(DataLayout.PIECE_SIZE, all.length - off))).setTotalSize(off == 0 ? all.length : 0)
                        .build());
            }
            observer.onCompleted();
        }

        @Override
        public void deleteData(DeleteDataRequest request, StreamObserver<DataSet> observer) {
            if (request.getId().equals(inUse)) {
                observer.onError(Status.FAILED_PRECONDITION.withDescription("data set " + request.getId()
                        + " is read by job " + JOB_USING + ", which has not ended").asRuntimeException());
                return;
            }
            DataSet set = sets.remove(request.getId());
            if (set == null) {
                observer.onError(Status.NOT_FOUND.withDescription("no data set " + request.getId()).asRuntimeException());
                return;
            }
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
            for (var e : request.getDataMap().entrySet()) {
                if (!sets.containsKey(e.getValue())) {
                    observer.onError(Status.INVALID_ARGUMENT.withDescription("data[" + e.getKey() + "]: no data set "
                            + e.getValue()).asRuntimeException());
                    return;
                }
            }
            submitted.add(request);
            observer.onNext(SubmitJobResponse.newBuilder().setJobId("job-" + submitted.size()).build());
            observer.onCompleted();
        }

        @Override
        public void getJob(GetJobRequest request, StreamObserver<JobStatus> observer) {
            JobStatus.Builder s = JobStatus.newBuilder().setId(request.getJobId()).setState(JobStatus.State.RUNNING)
                    .setJobClass("io.gridwork.examples.GrepJob");
            if (request.getJobId().equals("job-data")) {
                s.putDataSets("text", "ab".repeat(32)).setData(DataCounters.newBuilder()
                        .setBytesLocal(3L << 20).setBytesFromPeers(1536).setBytesFromMaster(0));
            }
            observer.onNext(s.build());
            observer.onCompleted();
        }
    }

    static final FakeMaster fake = new FakeMaster();

    @RegisterExtension
    static final FakeMasterServer master = new FakeMasterServer(fake);

    @TempDir
    Path dir;

    Path jar;

    @BeforeEach
    void reset() throws IOException {
        fake.sets.clear();
        fake.bytes.clear();
        fake.submitted.clear();
        fake.putErrors.clear();
        fake.inUse = "";
        fake.corruptGets = false;
        fake.onHeader = () -> { };
        jar = Files.writeString(dir.resolve("job.jar"), "not really a jar: the fake master has it already");
    }

    GridRun grid(String... args) {
        return GridRun.execute(new ConfigDefaults(new HashMap<>(), dir.resolve("home"), null), master.withMaster(args));
    }

    Path file(String name, int size) throws IOException {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        return Files.write(dir.resolve(name), content);
    }

    @Test
    void putPrintsTheIdAloneOnStdoutAndLsListsIt() throws IOException {
        Path file = file("corpus.txt", DataLayout.CHUNK_SIZE + 10);
        GridRun put = grid("data", "put", file.toString(), "--name", "corpus", "--replicas", "3");
        assertThat(put.code()).as(put.err()).isZero();
        String id = GridClient.dataId(file);
        assertThat(put.out()).isEqualTo(id + "\n");
        assertThat(put.err()).isEqualTo("stored corpus: 4.0 MiB in 2 chunks, 3 replicas wanted\n");

        GridRun ls = grid("data", "ls");
        assertThat(ls.code()).as(ls.err()).isZero();
        List<String> lines = ls.out().lines().toList();
        assertThat(lines.get(0)).startsWith("ID").contains("NAME", "SIZE", "CHUNKS", "REPLICAS", "HOLDERS", "USED BY");
        assertThat(lines.get(1)).startsWith(id + "  corpus  4.0 MiB  2       1/3       w1,w2    -");

        GridRun json = grid("data", "ls", "--output", "json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonObject set = JsonParser.parseString(json.out()).getAsJsonObject().getAsJsonArray("data_sets").get(0)
                .getAsJsonObject();
        assertThat(set.get("id").getAsString()).isEqualTo(id);
        assertThat(set.get("size").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(set.get("size").getAsLong()).isEqualTo(DataLayout.CHUNK_SIZE + 10);
        assertThat(set.get("replicas_wanted").getAsInt()).isEqualTo(3);
        assertThat(set.get("replicas_held").getAsInt()).isEqualTo(1);
        assertThat(set.getAsJsonArray("holders")).hasSize(2);
        assertThat(set.has("used_by")).isTrue();
    }

    @Test
    void anEmptyGridSaysSo() {
        GridRun ls = grid("data", "ls");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).isEqualTo("no data sets\n");
    }

    @Test
    void putRefusesBadInputWithExitTwoAndOneLine() throws IOException {
        Path file = file("a.txt", 10);
        GridRun zero = grid("data", "put", file.toString(), "--replicas", "0");
        assertThat(zero.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(zero.err()).isEqualTo("grid data put: --replicas must be from 1 to 16\n");

        GridRun missing = grid("data", "put", dir.resolve("nope.txt").toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).isEqualTo("grid data put: no such file " + dir.resolve("nope.txt") + "\n");

        GridRun directory = grid("data", "put", dir.toString());
        assertThat(directory.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(directory.err()).isEqualTo("grid data put: " + dir + " is not a regular file\n");
        assertThat(fake.sets).isEmpty();
    }

    @Test
    void aFileThatChangesWhileItIsPutExitsTwoAndNothingIsKept() throws IOException {
        Path file = file("growing.log", 8 * DataLayout.PIECE_SIZE);
        fake.onHeader = () -> {
            try {
                Files.writeString(file, "one more line\n", StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        GridRun put = grid("data", "put", file.toString());
        assertThat(put.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(put.out()).isEmpty();
        assertThat(put.err()).isEqualTo("grid data put: " + file + " changed while it was put (it grew beyond "
                + 8 * DataLayout.PIECE_SIZE + " bytes); nothing was kept: put it again once it no longer changes\n");
        assertThat(fake.sets).isEmpty();
    }

    @Test
    void getWritesTheVerifiedFileAndRefusesWhatIsNotThere() throws IOException {
        Path file = file("table.csv", 3 * DataLayout.PIECE_SIZE + 1);
        String id = grid("data", "put", file.toString()).out().trim();
        Path out = dir.resolve("copy.csv");

        GridRun get = grid("data", "get", id, "--out", out.toString());
        assertThat(get.code()).as(get.err()).isZero();
        assertThat(get.out()).isEmpty();
        assertThat(get.err()).isEqualTo("wrote " + out + ": table.csv, 3.0 MiB, verified\n");
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(file));

        GridRun malformed = grid("data", "get", "xyz", "--out", out.toString());
        assertThat(malformed.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(malformed.err()).isEqualTo("grid data get: 'xyz' is not a data set id (64 lowercase hex digits; "
                + "grid data ls lists them)\n");

        String unknown = "cd".repeat(32);
        GridRun missing = grid("data", "get", unknown, "--out", dir.resolve("x").toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).isEqualTo("grid data get: no data set " + unknown + "\n");

        GridRun noDir = grid("data", "get", id, "--out", dir.resolve("no/such/dir/f").toString());
        assertThat(noDir.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noDir.err()).isEqualTo("grid data get: --out: no such directory " + dir.resolve("no/such/dir") + "\n");

        fake.corruptGets = true;
        Path bad = dir.resolve("bad.csv");
        GridRun corrupt = grid("data", "get", id, "--out", bad.toString());
        assertThat(corrupt.code()).isEqualTo(ExitCodes.ERROR);
        assertThat(corrupt.err()).startsWith("grid data get: the bytes received give the id ")
                .endsWith(", not " + id + ": nothing was written\n");
        assertThat(bad).doesNotExist();
    }

    @Test
    void rmIsRefusedNamingTheJobThatReadsTheDataSet() throws IOException {
        String id = grid("data", "put", file("t.txt", 100).toString()).out().trim();
        fake.inUse = id;
        GridRun refused = grid("data", "rm", id);
        assertThat(refused.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).isEqualTo("grid data rm: data set " + id + " is read by job " + JOB_USING
                + ", which has not ended\n");

        fake.inUse = "";
        GridRun removed = grid("data", "rm", id);
        assertThat(removed.code()).as(removed.err()).isZero();
        assertThat(removed.out()).isEqualTo("removed t.txt (" + id + ")\n");
        assertThat(grid("data", "rm", id).err()).isEqualTo("grid data rm: no data set " + id + "\n");
    }

    @Test
    void submitTakesDataSetsByIdOrByFile() throws IOException {
        String id = grid("data", "put", file("a.txt", 1000).toString()).out().trim();
        Path other = file("b.txt", 2000);

        GridRun run = grid("submit", "--jar", jar.toString(), "--job", "x.GrepJob", "--data", "text=" + id,
                "--data", "table=" + other);
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("job-1\n");
        String otherId = GridClient.dataId(other);
        assertThat(run.err()).isEqualTo("grid submit: stored " + other + " as data set " + otherId + " (2.0 KiB)\n");
        assertThat(fake.submitted.get(0).getDataMap()).containsExactly(Map.entry("text", id),
                Map.entry("table", otherId));
    }

    @Test
    void submitRefusesAnUnknownIdOrAMissingFileAndStoresNothing() {
        String unknown = "ef".repeat(32);
        GridRun run = grid("submit", "--jar", jar.toString(), "--job", "x.GrepJob", "--data", "text=" + unknown);
        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).isEqualTo("grid submit: data[text]: no data set " + unknown + "\n");

        GridRun missing = grid("submit", "--jar", jar.toString(), "--job", "x.GrepJob", "--data", "text=corpus.txt");
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).isEqualTo("grid submit: --data text: no such file corpus.txt (nor a data set id: 64 "
                + "lowercase hex digits)\n");

        GridRun malformed = grid("submit", "--jar", jar.toString(), "--job", "x.GrepJob", "--data", "text");
        assertThat(malformed.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(malformed.err()).isEqualTo("grid submit: --data must be KEY=VALUE, got 'text'\n");
        assertThat(fake.submitted).isEmpty();
        assertThat(fake.sets).isEmpty();
    }

    @Test
    void statusShowsTheDataSetsAndWhereTheirBytesCameFrom() {
        GridRun text = grid("status", "job-data");
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains("  data       text=" + "ab".repeat(32) + "\n"
                + "  data read  3.0 MiB local, 1.5 KiB from peers, 0 B from the master\n");

        GridRun plain = grid("status", "job-plain");
        assertThat(plain.out()).doesNotContain("data");

        GridRun json = grid("status", "job-data", "--output", "json");
        JsonObject data = JsonParser.parseString(json.out()).getAsJsonObject().getAsJsonObject("data");
        assertThat(data.get("bytes_local").getAsLong()).isEqualTo(3L << 20);
        assertThat(data.get("bytes_from_peers").getAsLong()).isEqualTo(1536);
        assertThat(data.get("bytes_from_master").getAsLong()).isZero();
        assertThat(JsonParser.parseString(json.out()).getAsJsonObject().getAsJsonObject("data_sets")
                .get("text").getAsString()).isEqualTo("ab".repeat(32));
    }

    @Test
    void sizesArePrintedInOneFormat() {
        assertThat(Formats.bytes(0)).isEqualTo("0 B");
        assertThat(Formats.bytes(1023)).isEqualTo("1023 B");
        assertThat(Formats.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(Formats.bytes(256L << 20)).isEqualTo("256.0 MiB");
        assertThat(Formats.bytes(5L << 40)).isEqualTo("5.0 TiB");
    }
}
