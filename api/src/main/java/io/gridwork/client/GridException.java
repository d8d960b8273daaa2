package io.gridwork.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A call to the master that failed, with the gRPC status code and the master's description of the problem.
 * {@link #isUnreachable()} tells a master that could not be reached from a request the master refused.
 */
public class GridException extends RuntimeException {

    private final Status.Code code;

    public GridException(Status.Code code, String message) {
        super(message);
        this.code = code;
    }

    public GridException(Status.Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** Wraps a failed gRPC call; {@code what} says what was being done, for the message. */
    public static GridException of(StatusRuntimeException e, String target) {
        Status status = e.getStatus();
        Status.Code code = status.getCode();
        String description = status.getDescription();
        String message;
        if (code == Status.Code.UNAVAILABLE) {
            String reason = description != null ? description
                    : status.getCause() != null ? String.valueOf(status.getCause().getMessage()) : "unavailable";
            message = "cannot reach the master at " + target + ": " + reason;
        } else if (code == Status.Code.DEADLINE_EXCEEDED) {
            message = "the master at " + target + " did not answer in time"
                    + (description != null ? " (" + description + ")" : "");
        } else {
            message = description != null ? description : code.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
        return new GridException(code, message, e);
    }

    public Status.Code code() {
        return code;
    }

    /** The master could not be reached, or did not answer in time. */
    public boolean isUnreachable() {
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }
}
