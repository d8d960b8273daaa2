package io.gridwork.master;

import java.nio.file.Path;

/** A master could not start because another master (another process, or this one) uses its data directory. */
public final class DataDirectoryInUseException extends IllegalStateException {

    private final transient Path dataDir;

    DataDirectoryInUseException(Path dataDir, String holderPid) {
        super("the data directory " + dataDir.toAbsolutePath() + " is in use by another master"
                + (holderPid == null ? "" : " (pid " + holderPid + ")"));
        this.dataDir = dataDir;
    }

    /** The data directory in use. */
    public Path dataDir() {
        return dataDir;
    }
}
