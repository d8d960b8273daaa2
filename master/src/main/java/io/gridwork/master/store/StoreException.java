package io.gridwork.master.store;

/** The master's database failed or refused a write. */
public class StoreException extends RuntimeException {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
