package io.gridwork.master.data;

import io.gridwork.internal.data.DataLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/**
 * The master's copy of every data set, the origin of last resort: the file {@code <id>} in the master's data directory
 * ({@code <data dir>/data/}). A put is written to a temporary file, hashed chunk by chunk as it comes
 * ({@link DataLayout.Hasher}), and kept under its id only once all its bytes came; a refused put leaves nothing.
 * Thread-safe: files are written once, under a temporary name, and renamed.
 */
public final class DataFiles {

    private final Path directory;

    public DataFiles(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
        try (var stale = Files.newDirectoryStream(directory, "put-*.tmp")) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** What a finished put stored. */
    public record Stored(String id, long size, int chunkSize, List<byte[]> chunkHashes) {}

    /** A put in progress: {@link #write} its bytes in order, then {@link #finish} or {@link #abort}. */
    public final class Upload {
        private final Path temp;
        private final OutputStream out;
        private final DataLayout.Hasher hasher = new DataLayout.Hasher();
        private final long expectedSize;
        private boolean done;

        private Upload(long expectedSize) throws IOException {
            this.expectedSize = expectedSize;
            this.temp = Files.createTempFile(directory, "put-", ".tmp");
            this.out = Files.newOutputStream(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        }

        /** Bytes written so far. */
        public long size() {
            return hasher.size();
        }

        /**
         * Appends bytes.
         *
         * @throws SizeMismatchException more bytes than announced (the put is aborted)
         */
        public void write(byte[] bytes) throws IOException {
            if (hasher.size() + bytes.length > expectedSize) {
                abort();
                throw new SizeMismatchException("size: more than the " + expectedSize + " bytes announced came");
            }
            out.write(bytes);
            hasher.update(bytes, 0, bytes.length);
        }

        /**
         * Ends the put: keeps the file under its id (if the same bytes were put before, the copy already there stays).
         *
         * @throws SizeMismatchException fewer bytes than announced (nothing is kept)
         */
        public Stored finish() throws IOException {
            if (hasher.size() != expectedSize) {
                abort();
                throw new SizeMismatchException("size: " + expectedSize + " bytes were announced, " + hasher.size()
                        + " came");
            }
            out.close();
            String id = hasher.finish();
            List<byte[]> hashes = hasher.hashes();
            Path target = path(id);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                Files.deleteIfExists(temp);
            }
            if (!Files.isRegularFile(target)) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            return new Stored(id, expectedSize, hasher.chunkSize(), hashes);
        }

        /** Drops the put and its temporary file. Idempotent. */
        public void abort() {
            if (done) {
                return;
            }
            done = true;
            try {
                out.close();
            } catch (IOException ignored) {
                // deleted below
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Starts a put of {@code size} bytes. */
    public Upload begin(long size) throws IOException {
        if (size < 0) {
            throw new SizeMismatchException("size: must be 0 or more, got " + size);
        }
        return new Upload(size);
    }

    /** Stores a copy of a file (a job jar) as a data set, hashing it as it is copied. */
    public Stored importFile(Path file) throws IOException {
        long size = Files.size(file);
        Upload upload = begin(size);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[DataLayout.PIECE_SIZE];
            for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                upload.write(Arrays.copyOf(buffer, n));
            }
            return upload.finish();
        } catch (IOException | RuntimeException e) {
            upload.abort();
            throw e;
        }
    }

    public Path path(String id) {
        if (!DataLayout.isId(id)) {
            throw new IllegalArgumentException("not a data set id: " + id);
        }
        return directory.resolve(id);
    }

    public boolean has(String id) {
        return Files.isRegularFile(path(id));
    }

    public void delete(String id) throws IOException {
        Files.deleteIfExists(path(id));
    }

    /**
     * Chunk {@code index} of a data set, read from the master's copy and checked against {@code sha256}.
     *
     * @throws CorruptCopyException the copy's bytes do not match (the copy is damaged)
     */
    public byte[] readChunk(String id, long size, int chunkSize, int index, byte[] sha256) throws IOException {
        int length = DataLayout.chunkLength(size, chunkSize, index);
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(path(id), StandardOpenOption.READ)) {
            long position = DataLayout.chunkOffset(index, chunkSize);
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position + buffer.position());
                if (n < 0) {
                    throw new CorruptCopyException("the master's copy of data set " + id + " is truncated in chunk "
                            + index);
                }
            }
        }
        byte[] bytes = buffer.array();
        if (!MessageDigest.isEqual(DataLayout.sha256().digest(bytes), sha256)) {
            throw new CorruptCopyException("the master's copy of chunk " + index + " of data set " + id
                    + " does not match its sha256");
        }
        return bytes;
    }

    /** Fewer or more bytes came than a put announced. */
    public static final class SizeMismatchException extends IOException {
        public SizeMismatchException(String message) {
            super(message);
        }
    }

    /** The master's copy of a data set does not match its hashes. */
    public static final class CorruptCopyException extends IOException {
        public CorruptCopyException(String message) {
            super(message);
        }
    }
}
