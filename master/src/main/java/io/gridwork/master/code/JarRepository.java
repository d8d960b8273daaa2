package io.gridwork.master.code;

import io.gridwork.master.store.JarRow;
import io.gridwork.master.store.JarRowRepository;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Job jars, content-addressed: each is the file {@code <sha256>.jar} in the master's jar directory, recorded in
 * the store. An upload is written to a temporary file and kept only once its size, SHA-256 and jar structure
 * check out, so a refused upload leaves nothing behind.
 */
public final class JarRepository {

    /** Lower-case hex SHA-256. */
    public static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path directory;
    private final JarRowRepository rows;
    private final Clock clock;
    private final long maxJarBytes;
    /**
     * Jars found with their row and their file: every submission checks its jar, and a store read for it each time
     * cost a tenth of a one-task job's preparation.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, JarRow> present = new java.util.concurrent.ConcurrentHashMap<>();

    public JarRepository(Path directory, JarRowRepository rows, Clock clock, long maxJarBytes) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.rows = rows;
        this.clock = clock;
        this.maxJarBytes = maxJarBytes;
        try (var stale = Files.newDirectoryStream(directory, "upload-*.tmp")) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
    }

    public long maxJarBytes() {
        return maxJarBytes;
    }

    /**
     * The jar with this hash, if the master holds it (its row and its file). On a shared store a jar another master
     * received is copied from the store into this master's jar directory the first time it is asked for.
     */
    public Optional<JarRow> find(String sha256) {
        JarRow known = present.get(sha256);
        if (known != null && Files.isRegularFile(path(sha256))) {
            return Optional.of(known); // no store read: a jar's row never changes and is never deleted
        }
        Optional<JarRow> found = rows.find(sha256)
                .filter(row -> Files.isRegularFile(path(sha256)) || fetchShared(sha256));
        found.ifPresent(row -> present.put(sha256, row));
        return found;
    }

    /** Copies a jar's bytes from the shared store into the jar directory; false if the store has none. */
    private boolean fetchShared(String sha256) {
        if (!rows.keepsBytes()) {
            return false;
        }
        Path temp = null;
        try {
            temp = Files.createTempFile(directory, "upload-", ".tmp");
            if (!rows.copyBytes(sha256, temp)) {
                return false;
            }
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(temp)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            if (!HexFormat.of().formatHex(digest.digest()).equals(sha256)) {
                return false; // never serve bytes that are not the jar asked for
            }
            try {
                Files.move(temp, path(sha256), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, path(sha256), StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException | java.io.UncheckedIOException | NoSuchAlgorithmException e) {
            return false;
        } catch (RuntimeException e) {
            return false; // the store is unreachable: the jar is not here now
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // removed at the next start
                }
            }
        }
    }

    /** The file of a jar the master holds. */
    public Path path(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a SHA-256: " + sha256);
        }
        return directory.resolve(sha256 + ".jar");
    }

    /** Begins an upload of a jar announced with this hash, size and file name. */
    public Upload begin(String sha256, long size, String fileName) throws InvalidJarException, IOException {
        if (!SHA256.matcher(sha256).matches()) {
            throw new InvalidJarException("header.sha256 must be 64 lower-case hex digits");
        }
        if (size <= 0) {
            throw new InvalidJarException("header.size must be positive, got " + size);
        }
        if (size > maxJarBytes) {
            throw new InvalidJarException("jar of " + size + " bytes exceeds the limit max-jar-bytes=" + maxJarBytes, true);
        }
        return new Upload(sha256, size, fileName == null || fileName.isBlank() ? sha256 + ".jar" : fileName);
    }

    /** One jar being received. Not thread-safe; call {@link #abort} if it does not finish. */
    public final class Upload {
        private final String sha256;
        private final long size;
        private final String fileName;
        private final Path temp;
        private final OutputStream out;
        private final MessageDigest digest;
        private long received;
        private boolean closed;

        private Upload(String sha256, long size, String fileName) throws IOException {
            this.sha256 = sha256;
            this.size = size;
            this.fileName = fileName;
            this.temp = Files.createTempFile(directory, "upload-", ".tmp");
            this.out = Files.newOutputStream(temp);
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        public void write(byte[] chunk) throws IOException, InvalidJarException {
            received += chunk.length;
            if (received > size) {
                throw new InvalidJarException("jar is larger than the " + size + " bytes its header.size announced");
            }
            digest.update(chunk);
            out.write(chunk);
        }

        /** Checks and keeps the jar; returns its row. */
        public JarRow finish() throws IOException, InvalidJarException {
            try {
                closeStream();
                if (received != size) {
                    throw new InvalidJarException("jar has " + received + " bytes, its header.size announced " + size);
                }
                String actual = HexFormat.of().formatHex(digest.digest());
                if (!actual.equals(sha256)) {
                    throw new InvalidJarException("jar content has SHA-256 " + actual + ", its header.sha256 says " + sha256);
                }
                checkJar(temp);
                Path target = path(sha256);
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                rows.putBytes(sha256, target); // first the bytes (shared stores), then the row that announces them
                JarRow row = new JarRow(sha256, size, fileName, clock.instant());
                rows.put(row);
                return row;
            } finally {
                Files.deleteIfExists(temp);
            }
        }

        /** Drops what was received. */
        public void abort() {
            try {
                closeStream();
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a leftover temporary file is removed at the next start
            }
        }

        private void closeStream() throws IOException {
            if (!closed) {
                closed = true;
                out.close();
            }
        }
    }

    private static void checkJar(Path file) throws InvalidJarException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            boolean hasClass = false;
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (entry.getName().endsWith(".class")) {
                    hasClass = true;
                    break;
                }
            }
            if (!hasClass) {
                throw new InvalidJarException("jar contains no classes");
            }
        } catch (ZipException e) {
            throw new InvalidJarException("file is not a jar (not a valid zip archive: " + e.getMessage() + ")");
        } catch (IOException e) {
            throw new InvalidJarException("file is not a readable jar: " + e.getMessage());
        }
    }
}
