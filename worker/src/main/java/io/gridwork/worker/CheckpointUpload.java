package io.gridwork.worker;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.CheckpointPiece;
import io.gridwork.api.v1.DataSetRef;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.internal.data.DataLayout;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
        StreamObserver<CheckpointPiece> up = WorkerServiceGrpc.newStub(channel)
                .withDeadlineAfter(limit.toMillis(), TimeUnit.MILLISECONDS)
                .putCheckpoint(new StreamObserver<>() {
                    @Override
                    public void onNext(DataSetRef value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(Status.INTERNAL
                                .withDescription("the master ended PutCheckpoint without an answer").asRuntimeException());
                    }
                });
        try {
            int first = Math.min(state.length, DataLayout.PIECE_SIZE);
            up.onNext(CheckpointPiece.newBuilder().setRef(ref).setSeq(seq).setSize(state.length)
                    .setData(ByteString.copyFrom(state, 0, first)).build());
            for (int off = first; off < state.length && !answer.isDone(); off += DataLayout.PIECE_SIZE) {
                int n = Math.min(DataLayout.PIECE_SIZE, state.length - off);
                up.onNext(CheckpointPiece.newBuilder().setData(ByteString.copyFrom(state, off, n)).build());
            }
            up.onCompleted();
        } catch (RuntimeException e) {
            up.onError(e);
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
