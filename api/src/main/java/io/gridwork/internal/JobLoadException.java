package io.gridwork.internal;

/** A job class that cannot be used: missing from its jar, not a job, or not constructible. */
public final class JobLoadException extends Exception {

    public JobLoadException(String message) {
        super(message);
    }

    public JobLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
