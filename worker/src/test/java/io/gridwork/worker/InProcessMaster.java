package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.FetchJarRequest;
import io.gridwork.api.v1.JarChunk;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A master in this JVM on the in-process transport, for the worker's core: answers registrations (or refuses them
 * with a status the test sets), records every message the worker sends in order, lets the test send any message, and
 * serves one jar. Everything runs on the caller's thread (direct executors), so a test steps it without waiting.
 */
final class InProcessMaster implements AutoCloseable {

    private static final long WAIT_SECONDS = 20;

    final String name = InProcessServerBuilder.generateName();
    final List<RegisterRequest> registrations = new CopyOnWriteArrayList<>();
    final BlockingQueue<WorkerMessage> received = new LinkedBlockingQueue<>();
    /** If set, registrations fail with this status. */
    volatile Status refuse;
    private final Server server;
    private final byte[] jar;
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
    private volatile StreamObserver<MasterMessage> stream;
    private int incarnation;

    InProcessMaster(byte[] jar) throws IOException {
        this.jar = jar;
        this.server = InProcessServerBuilder.forName(name).directExecutor().addService(new Service()).build().start();
    }

    /** A channel to this master, as the worker's channel factory gives its links. */
    ManagedChannel channel() {
        ManagedChannel c = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(c);
        return c;
    }

    void send(MasterMessage m) {
        StreamObserver<MasterMessage> s = stream;
        assertThat(s).as("the worker's stream").isNotNull();
        s.onNext(m);
    }

    /** Breaks the worker's stream, as a master that goes away does. */
    void killStream() {
        StreamObserver<MasterMessage> s = stream;
        stream = null;
        if (s != null) {
            s.onError(Status.UNAVAILABLE.withDescription("killed by the test").asRuntimeException());
        }
    }

    boolean connected() {
        return stream != null;
    }

    /** The next message the worker sent (waits for it: tasks end on their own threads). */
    WorkerMessage next() throws InterruptedException {
        WorkerMessage m = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(m).as("a message from the worker within " + WAIT_SECONDS + " s").isNotNull();
        return m;
    }

    /** The next message the worker sent that matches, skipping the others. */
    WorkerMessage next(Predicate<WorkerMessage> matching) throws InterruptedException {
        while (true) {
            WorkerMessage m = next();
            if (matching.test(m)) {
                return m;
            }
        }
    }

    /** Checkpoints uploaded with PutCheckpoint: each call's pieces, and the bytes by data set id. */
    final List<List<io.gridwork.api.v1.CheckpointPiece>> checkpointUploads =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    final java.util.Map<String, byte[]> uploaded = new java.util.concurrent.ConcurrentHashMap<>();
    /** Set: PutCheckpoint fails with it (after reading every piece). */
    volatile Status refuseCheckpoints;

    private final class Service extends WorkerServiceGrpc.WorkerServiceImplBase {
        @Override
        public void register(RegisterRequest request, StreamObserver<RegisterResponse> observer) {
            registrations.add(request);
            Status no = refuse;
            if (no != null) {
                observer.onError(no.asRuntimeException());
                return;
            }
            int n;
            synchronized (InProcessMaster.this) {
                n = ++incarnation;
            }
            observer.onNext(RegisterResponse.newBuilder().setWorkerId("w-1").setIncarnation(n)
                    .setHeartbeatIntervalMs(1000).addAllKeep(request.getHeldList()).setMasterId("m1").setMasterEpoch(1)
                    .build());
            observer.onCompleted();
        }

        @Override
        public StreamObserver<WorkerMessage> connect(StreamObserver<MasterMessage> observer) {
            stream = observer;
            return new StreamObserver<>() {
                @Override
                public void onNext(WorkerMessage m) {
                    received.add(m);
                }

                @Override
                public void onError(Throwable t) {
                    if (stream == observer) {
                        stream = null;
                    }
                }

                @Override
                public void onCompleted() {
                    if (stream == observer) {
                        stream = null;
                    }
                    observer.onCompleted();
                }
            };
        }

        /** PutCheckpoint: keeps the pieces, answers with the data set the bytes make (or {@link #refuseCheckpoints}). */
        @Override
        public StreamObserver<io.gridwork.api.v1.CheckpointPiece> putCheckpoint(
                StreamObserver<io.gridwork.api.v1.DataSetRef> observer) {
            return new StreamObserver<>() {
                private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                private final List<io.gridwork.api.v1.CheckpointPiece> pieces = new java.util.ArrayList<>();

                @Override
                public void onNext(io.gridwork.api.v1.CheckpointPiece piece) {
                    pieces.add(piece);
                    bytes.writeBytes(piece.getData().toByteArray());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    checkpointUploads.add(pieces);
                    Status no = refuseCheckpoints;
                    if (no != null) {
                        observer.onError(no.asRuntimeException());
                        return;
                    }
                    byte[] all = bytes.toByteArray();
                    io.gridwork.internal.data.DataLayout.Hasher hasher = new io.gridwork.internal.data.DataLayout.Hasher();
                    hasher.update(all, 0, all.length);
                    String id = hasher.finish();
                    io.gridwork.api.v1.DataSetRef.Builder ref = io.gridwork.api.v1.DataSetRef.newBuilder()
                            .setName("checkpoint").setId(id).setSize(all.length).setChunkSize(hasher.chunkSize());
                    hasher.hashes().forEach(h -> ref.addChunkSha256(ByteString.copyFrom(h)));
                    uploaded.put(id, all);
                    observer.onNext(ref.build());
                    observer.onCompleted();
                }
            };
        }

        @Override
        public void fetchJar(FetchJarRequest request, StreamObserver<JarChunk> observer) {
            observer.onNext(JarChunk.newBuilder().setData(ByteString.copyFrom(jar)).setTotalSize(jar.length).build());
            observer.onCompleted();
        }
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.shutdownNow();
    }
}
