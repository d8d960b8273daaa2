package io.gridwork.master.rpc;

import io.gridwork.master.core.CoreException;
import io.gridwork.master.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps the outcomes of the core to gRPC statuses with a description for the user. */
final class Statuses {

    private static final Logger log = LoggerFactory.getLogger(Statuses.class);

    private Statuses() {}

    static StatusRuntimeException invalid(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
    }

    /** The status for any failure of a call; unexpected ones are logged. */
    static StatusRuntimeException of(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof StatusRuntimeException) {
            return (StatusRuntimeException) t;
        }
        if (t instanceof CoreException) {
            CoreException e = (CoreException) t;
            Status status;
            switch (e.kind()) {
                case INVALID_ARGUMENT:
                    status = Status.INVALID_ARGUMENT;
                    break;
                case NOT_FOUND:
                    status = Status.NOT_FOUND;
                    break;
                case ALREADY_EXISTS:
                    status = Status.ALREADY_EXISTS;
                    break;
                case FAILED_PRECONDITION:
                    status = Status.FAILED_PRECONDITION;
                    break;
                case RESOURCE_EXHAUSTED:
                    status = Status.RESOURCE_EXHAUSTED;
                    break;
                case PERMISSION_DENIED:
                    status = Status.PERMISSION_DENIED;
                    break;
                default:
                    status = Status.UNAVAILABLE;
                    break;
            }
            return status.withDescription(e.getMessage()).asRuntimeException();
        }
        if (t instanceof StoreException) {
            log.error("store failure while serving a call", t);
            return Status.UNAVAILABLE.withDescription("the master's database failed: " + t.getMessage()).asRuntimeException();
        }
        log.error("unexpected failure while serving a call", t);
        return Status.INTERNAL.withDescription("internal error: " + t).withCause(t).asRuntimeException();
    }

    interface Work<T> {
        T run() throws Exception;
    }

    /** Runs a unary call: its response, or the mapped status. */
    static <T> void unary(StreamObserver<T> observer, Work<T> work) {
        T response;
        try {
            response = work.run();
        } catch (Throwable t) {
            observer.onError(of(t));
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }
}
