package io.gridwork.worker.data;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.FetchChunkRequest;
import io.gridwork.api.v1.PeerServiceGrpc;
import io.gridwork.internal.data.DataLayout;
import io.gridwork.worker.data.DataCache.ChunkId;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PeerService: serves the chunks this worker holds, verified, as pieces of {@link DataLayout#PIECE_SIZE}, to the
 * grid's other workers (on the health port, behind {@link PeerAuth}).
 *
 * <p>Test only: with the system property {@value #CORRUPT_PROPERTY}{@code =true} the worker flips a byte of every
 * chunk it serves, so that tests can check that a peer serving bad bytes is detected, avoided and reported. Never set
 * it in production.
 */
final class PeerServer extends PeerServiceGrpc.PeerServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(PeerServer.class);
    /** Test only: serve corrupt chunks (see the class comment). */
    static final String CORRUPT_PROPERTY = "gridwork.test.corruptChunks";

    private final DataCache cache;
    private final boolean corrupt;
    private final AtomicLong bytesServed = new AtomicLong();
    private final AtomicLong chunksServed = new AtomicLong();

    PeerServer(DataCache cache, boolean corrupt) {
        this.cache = cache;
        this.corrupt = corrupt;
        if (corrupt) {
            log.warn("{}=true: this worker serves CORRUPT chunks to its peers (a test setting)", CORRUPT_PROPERTY);
        }
    }

    /** The service with its door: callers without a grid certificate are refused when {@code tls}. */
    ServerServiceDefinition definition(boolean tls) {
        return ServerInterceptors.intercept(this, new PeerAuth(tls));
    }

    long bytesServed() {
        return bytesServed.get();
    }

    long chunksServed() {
        return chunksServed.get();
    }

    @Override
    public void fetchChunk(FetchChunkRequest request, StreamObserver<ChunkPiece> responses) {
        Status invalid = check(request);
        if (invalid != null) {
            responses.onError(invalid.asRuntimeException());
            return;
        }
        ChunkId chunk = new ChunkId(request.getDataId(), request.getIndex());
        byte[] sha = request.getSha256().toByteArray();
        ServerCallStreamObserver<ChunkPiece> call = (ServerCallStreamObserver<ChunkPiece>) responses;
        InputStream in;
        try {
            in = cache.open(chunk, sha);
        } catch (IOException e) {
            log.warn("serving chunk {} to a peer failed: {}", chunk, e.toString());
            responses.onError(Status.INTERNAL.withDescription("reading chunk " + request.getIndex() + " of data set "
                    + request.getDataId() + ": " + e.getMessage()).asRuntimeException());
            return;
        }
        if (in == null) {
            responses.onError(Status.NOT_FOUND.withDescription("this worker does not hold chunk " + request.getIndex()
                    + " of data set " + request.getDataId() + " with that sha256").asRuntimeException());
            return;
        }
        Sender sender = new Sender(call, in, chunk, cache.sizeOf(chunk));
        call.setOnCancelHandler(sender::close);
        call.setOnReadyHandler(sender);
        sender.run();
    }

    /**
     * Sends a chunk piece by piece as the transport is ready for more (flow control: a slow peer never makes this
     * worker buffer a whole chunk per call); runs on the health port's threads only for as long as a piece takes.
     */
    private final class Sender implements Runnable {
        private final ServerCallStreamObserver<ChunkPiece> call;
        private final InputStream in;
        private final ChunkId chunk;
        private final long total;
        private final byte[] buf = new byte[DataLayout.PIECE_SIZE];
        private boolean first = true;
        private boolean done;
        private long sent;

        Sender(ServerCallStreamObserver<ChunkPiece> call, InputStream in, ChunkId chunk, long total) {
            this.call = call;
            this.in = in;
            this.chunk = chunk;
            this.total = total;
        }

        @Override
        public synchronized void run() {
            try {
                while (!done && call.isReady()) {
                    int n = in.readNBytes(buf, 0, buf.length);
                    if (n == 0 && !first) {
                        finish();
                        return;
                    }
                    ChunkPiece.Builder piece = ChunkPiece.newBuilder();
                    if (first) {
                        piece.setTotalSize(total);
                        if (corrupt && n > 0) {
                            buf[0] ^= 0x5a;
                        }
                        first = false;
                    }
                    call.onNext(piece.setData(ByteString.copyFrom(buf, 0, n)).build());
                    sent += n;
                    if (n < buf.length) {
                        finish();
                        return;
                    }
                }
            } catch (IOException e) {
                log.warn("serving chunk {} to a peer failed: {}", chunk, e.toString());
                close();
                call.onError(Status.INTERNAL.withDescription("reading chunk " + chunk.index() + " of data set "
                        + chunk.dataId() + ": " + e.getMessage()).asRuntimeException());
            } catch (RuntimeException e) {
                close(); // the call was cancelled under us
            }
        }

        private void finish() {
            close();
            bytesServed.addAndGet(sent);
            chunksServed.incrementAndGet();
            call.onCompleted();
        }

        synchronized void close() {
            if (!done) {
                done = true;
                try {
                    in.close();
                } catch (IOException ignored) {
                    // read-only
                }
            }
        }
    }

    private static Status check(FetchChunkRequest r) {
        if (!DataLayout.isId(r.getDataId())) {
            return Status.INVALID_ARGUMENT.withDescription("data_id: not a data set id (64 lowercase hex digits): '"
                    + r.getDataId() + "'");
        }
        if (r.getIndex() < 0) {
            return Status.INVALID_ARGUMENT.withDescription("index: must not be negative, got " + r.getIndex());
        }
        if (r.getSha256().size() != 32) {
            return Status.INVALID_ARGUMENT.withDescription("sha256: must be 32 bytes, got " + r.getSha256().size());
        }
        return null;
    }
}
