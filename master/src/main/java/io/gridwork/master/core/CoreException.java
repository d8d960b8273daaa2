package io.gridwork.master.core;

/**
 * A request the core refuses, with a kind that the RPC layer maps to a status code and a message for the
 * user that names the field or id at fault.
 */
public final class CoreException extends RuntimeException {

    /** Why a request was refused. */
    public enum Kind {
        INVALID_ARGUMENT,
        NOT_FOUND,
        ALREADY_EXISTS,
        FAILED_PRECONDITION,
        RESOURCE_EXHAUSTED,
        PERMISSION_DENIED,
        UNAVAILABLE
    }

    private final Kind kind;

    public CoreException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static CoreException invalid(String message) {
        return new CoreException(Kind.INVALID_ARGUMENT, message);
    }

    public static CoreException exists(String message) {
        return new CoreException(Kind.ALREADY_EXISTS, message);
    }

    public static CoreException notFound(String message) {
        return new CoreException(Kind.NOT_FOUND, message);
    }

    public static CoreException precondition(String message) {
        return new CoreException(Kind.FAILED_PRECONDITION, message);
    }

    public static CoreException exhausted(String message) {
        return new CoreException(Kind.RESOURCE_EXHAUSTED, message);
    }

    public static CoreException unavailable(String message) {
        return new CoreException(Kind.UNAVAILABLE, message);
    }
}
