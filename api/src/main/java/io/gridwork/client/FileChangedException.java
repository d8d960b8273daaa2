package io.gridwork.client;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file changed while {@link GridClient#putData} was putting it (its size or modification time changed, or its bytes
 * no longer gave the id computed before they were sent). The put was cancelled before its last byte, so the master
 * kept nothing of it; put the file again once it stays still.
 */
public final class FileChangedException extends IOException {

    private final transient Path file;

    public FileChangedException(Path file, String what) {
        super(file + " changed while it was put (" + what + "); nothing was kept: put it again once it no longer "
                + "changes");
        this.file = file;
    }

    /** The file that changed. */
    public Path file() {
        return file;
    }
}
