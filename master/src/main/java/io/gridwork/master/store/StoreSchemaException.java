package io.gridwork.master.store;

/**
 * The store's schema cannot be used by this master: typically a newer master has migrated it further than this
 * version knows. The master must not write to it.
 */
public final class StoreSchemaException extends StoreException {

    public StoreSchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
