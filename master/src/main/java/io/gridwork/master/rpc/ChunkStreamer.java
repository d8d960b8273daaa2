package io.gridwork.master.rpc;

import com.google.protobuf.UnsafeByteOperations;
import io.gridwork.api.v1.ChunkPiece;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams bytes to a client in chunks, only as fast as the client reads (gRPC outbound flow control), so a large
 * jar or result is never buffered whole in the master's memory.
 */
final class ChunkStreamer<T> implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ChunkStreamer.class);
    static final int CHUNK = 1 << 20;

    private final ServerCallStreamObserver<T> observer;
    private final InputStream in;
    private final Function<byte[], T> toMessage;
    private boolean done;

    private ChunkStreamer(ServerCallStreamObserver<T> observer, InputStream in, Function<byte[], T> toMessage) {
        this.observer = observer;
        this.in = in;
        this.toMessage = toMessage;
    }

    /** Starts streaming {@code in} (closed at the end) after the messages already sent on {@code observer}. */
    static <T> void start(ServerCallStreamObserver<T> observer, InputStream in, Function<byte[], T> toMessage) {
        ChunkStreamer<T> streamer = new ChunkStreamer<>(observer, in, toMessage);
        observer.setOnCancelHandler(streamer::cancel);
        observer.setOnReadyHandler(streamer);
        streamer.run();
    }

    /**
     * Streams {@code in} (closed at the end) as the data plane's {@link ChunkPiece}s (GetData, FetchChunk): the first
     * piece says how many bytes come in all.
     */
    static void pieces(ServerCallStreamObserver<ChunkPiece> observer, InputStream in, long totalSize) {
        boolean[] first = {true};
        start(observer, in, bytes -> {
            ChunkPiece.Builder b = ChunkPiece.newBuilder().setData(UnsafeByteOperations.unsafeWrap(bytes));
            if (first[0]) {
                b.setTotalSize(totalSize);
                first[0] = false;
            }
            return b.build();
        });
    }

    @Override
    public synchronized void run() {
        if (done) {
            return;
        }
        try {
            while (observer.isReady()) {
                byte[] chunk = in.readNBytes(CHUNK);
                if (chunk.length == 0) {
                    finish();
                    observer.onCompleted();
                    return;
                }
                observer.onNext(toMessage.apply(chunk));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("streaming failed: {}", e.toString());
            finish();
            observer.onError(Status.INTERNAL.withDescription("reading failed: " + e.getMessage()).asRuntimeException());
        }
    }

    private synchronized void cancel() {
        finish();
    }

    private void finish() {
        done = true;
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing more to read
        }
    }
}
