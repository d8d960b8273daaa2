package io.gridwork.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A call to the master that failed, with the gRPC status code and the master's description of the problem.
 * {@link #isUnreachable()} tells a master that could not be reached from a request the master refused.
 */
public class GridException extends RuntimeException {

    private final Status.Code code;
    private final boolean tls;

    public GridException(Status.Code code, String message) {
        this(code, message, null, false);
    }

    public GridException(Status.Code code, String message, Throwable cause) {
        this(code, message, cause, false);
    }

    private GridException(Status.Code code, String message, Throwable cause, boolean tls) {
        super(message, cause);
        this.code = code;
        this.tls = tls;
    }

    /** Wraps a failed gRPC call; {@code what} says what was being done, for the message. */
    public static GridException of(StatusRuntimeException e, String target) {
        Status status = e.getStatus();
        Status.Code code = status.getCode();
        String description = status.getDescription();
        String message;
        Throwable tlsCause = tlsCause(e);
        if (tlsCause != null) {
            return new GridException(code, "TLS with the master at " + target + " failed: " + rootMessage(tlsCause)
                    + " (is this the right master and CA? is it running with --insecure?)", e, true);
        }
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

    /** The connection failed in its TLS handshake: a certificate was refused, or one side is not using TLS. */
    public boolean isTlsFailure() {
        return tls;
    }

    /**
     * The part of a failure that says TLS itself failed: a certificate was refused, the handshake failed for
     * reasons of its own, or the other side does not speak TLS. A connection reset during a handshake (a master
     * going down) is a network failure, not this.
     */
    private static Throwable tlsCause(Throwable t) {
        Throwable handshake = null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.security.cert.CertificateException || c.getClass().getSimpleName().equals("NotSslRecordException")) {
                return c;
            }
            if (c instanceof javax.net.ssl.SSLHandshakeException && handshake == null) {
                handshake = c;
            }
            if (c instanceof java.net.SocketException || (c instanceof java.io.IOException
                    && !(c instanceof javax.net.ssl.SSLException) && c.getClass().getName().contains("Native"))) {
                return null;
            }
        }
        return handshake;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            if (root instanceof java.security.cert.CertificateException) {
                break;
            }
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** The master could not be reached, or did not answer in time. */
    public boolean isUnreachable() {
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }
}
