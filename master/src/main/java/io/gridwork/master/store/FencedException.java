package io.gridwork.master.store;

/**
 * A write refused because the master making it was declared DEAD and its jobs were taken over (it was paused or
 * cut off past its lease). Permanent: the master must step down, drop every job it ran, and rejoin as a new master.
 */
public final class FencedException extends StoreException {

    public FencedException(String message) {
        super(message, null);
    }
}
