package io.gridwork.worker.data;

import java.io.IOException;

/** The data cache has no room for a chunk without evicting one the master ordered this worker to keep. */
public final class DataCacheFullException extends IOException {
    public DataCacheFullException(String message) {
        super(message);
    }
}
