package io.gridwork.master.store;

/**
 * The store could not be opened because its database cannot be reached: the connection was refused, the host is
 * unknown, the credentials were refused, or (H2) another process has the database open. The message says which.
 */
public final class StoreUnavailableException extends StoreException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
