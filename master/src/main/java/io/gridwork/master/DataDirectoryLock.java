package io.gridwork.master;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The master's own lock on its data directory ({@code DATA/master.lock}), taken before anything else in the directory
 * is opened: a second master on the same directory is told at once, rather than after the database's own lock
 * retries (H2 waits about 30 s before it reports its file as locked). The lock is the operating system's, so it goes
 * with the process that held it, even on {@code kill -9}; the file stays, holding the pid of the last holder.
 */
final class DataDirectoryLock implements AutoCloseable {

    /** The lock file's name in the data directory. */
    static final String FILE_NAME = "master.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dataDir} (which must exist).
     *
     * @throws DataDirectoryInUseException if another process (or this one) holds it
     */
    static DataDirectoryLock acquire(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM: another master in this process
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new DataDirectoryInUseException(dataDir, holder);
        }
        try {
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(pid), 0);
            channel.force(false);
        } catch (IOException e) {
            lock.release();
            channel.close();
            throw e;
        }
        return new DataDirectoryLock(channel, lock);
    }

    /** The pid the holder wrote, or null if it cannot be read. */
    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            int n = channel.read(buffer, 0);
            String text = n <= 0 ? "" : new String(buffer.array(), 0, n, StandardCharsets.US_ASCII).trim();
            return text.matches("\\d{1,19}") ? text : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // the lock goes with the channel anyway
        }
        try {
            channel.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }
}
