package io.gridwork.worker;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.CheckpointPiece;
import io.gridwork.api.v1.DataSetRef;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.internal.data.DataLayout;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A large checkpoint to the job's master (WorkerService PutCheckpoint): the state in pieces of at most
 * {@link DataLayout#PIECE_SIZE}, the first carrying the attempt, the save's number and the size; the answer is the data
 * set the master keeps (its verified copy), which the save then names. Called on the task's thread, which waits.
 */
final class CheckpointUpload {

    private CheckpointUpload() {}

    /**
     * Uploads {@code state} and waits for the master's answer.
     *
     * @throws io.grpc.StatusRuntimeException the master refused it (its description says why) or the call failed
     */
    static DataSetRef put(Channel channel, TaskRef ref, long seq, byte[] state, Duration limit) {
        CompletableFuture<DataSetRef> answer = new CompletableFuture<>();
        // flow control: a piece is sent only when the call can take it, so a large state is not queued whole in gRPC
        Semaphore ready = new Semaphore(0);
        AtomicReference<ClientCallStreamObserver<CheckpointPiece>> call = new AtomicReference<>();
        WorkerServiceGrpc.newStub(channel).withDeadlineAfter(limit.toMillis(), TimeUnit.MILLISECONDS)
                .putCheckpoint(new ClientResponseObserver<CheckpointPiece, DataSetRef>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<CheckpointPiece> requests) {
                        call.set(requests);
                        requests.setOnReadyHandler(ready::release);
                    }

                    @Override
                    public void onNext(DataSetRef value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                        ready.release();
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(Status.INTERNAL
                                .withDescription("the master ended PutCheckpoint without an answer").asRuntimeException());
                        ready.release();
                    }
                });
        ClientCallStreamObserver<CheckpointPiece> up = call.get();
        try {
            int off = 0;
            do {
                while (!up.isReady() && !answer.isDone()) {
                    ready.tryAcquire(100, TimeUnit.MILLISECONDS);
                }
                if (answer.isDone()) {
                    break; // refused (or failed) before every piece was sent: the answer says why
                }
                int n = Math.min(DataLayout.PIECE_SIZE, state.length - off);
                CheckpointPiece.Builder piece = CheckpointPiece.newBuilder().setData(ByteString.copyFrom(state, off, n));
                if (off == 0) {
                    piece.setRef(ref).setSeq(seq).setSize(state.length);
                }
                up.onNext(piece.build());
                off += n;
            } while (off < state.length);
            up.onCompleted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            up.cancel("interrupted", e);
            throw Status.CANCELLED.withDescription("interrupted while the checkpoint was uploaded").asRuntimeException();
        } catch (RuntimeException e) {
            up.cancel("failed", e);
            throw Status.fromThrowable(e).asRuntimeException();
        }
        try {
            return answer.get(limit.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while the checkpoint was uploaded").asRuntimeException();
        } catch (TimeoutException e) {
            throw Status.DEADLINE_EXCEEDED.withDescription("the checkpoint upload took longer than " + limit.toMillis()
                    + " ms").asRuntimeException();
        } catch (ExecutionException e) {
            throw Status.fromThrowable(e.getCause()).asRuntimeException();
        }
    }
}
