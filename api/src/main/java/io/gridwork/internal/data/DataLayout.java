package io.gridwork.internal.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * How a data set of the data grid is cut into chunks and named; the client, the master and the workers all follow
 * it.
 *
 * <p>A data set of {@code size} bytes is cut into chunks of {@link #CHUNK_SIZE} bytes (the last one shorter; an empty
 * data set has no chunk). Each chunk is named by its SHA-256. The data set's id is the lowercase hex SHA-256 of the
 * tag {@code "gridwork-data-v1"} (UTF-8), the size (8 bytes, big-endian), the chunk size (4 bytes, big-endian) and the
 * chunks' hashes in order: the same bytes always give the same id, and the id alone verifies the list of chunk
 * hashes.
 *
 * <p>Why 4 MiB: a 256 MiB data set has 64 chunks, few enough that the master's directory (a row per chunk and holder)
 * and the per-chunk cost (a hash, a lookup, a stream) stay small next to moving the bytes, and many enough that a
 * worker fetches from several peers at once and a task over a range wastes at most one chunk at each edge. A chunk
 * travels as pieces of {@link #PIECE_SIZE}, below gRPC's default 4 MiB message limit.
 */
public final class DataLayout {

    public static final int CHUNK_SIZE = 4 << 20;
    public static final int PIECE_SIZE = 1 << 20;
    private static final byte[] TAG = "gridwork-data-v1".getBytes(StandardCharsets.US_ASCII);
    private static final HexFormat HEX = HexFormat.of();

    private DataLayout() {
    }

    /** Chunks of a data set of this size. */
    public static int chunkCount(long size, int chunkSize) {
        if (size < 0 || chunkSize <= 0) {
            throw new IllegalArgumentException("size " + size + ", chunk size " + chunkSize);
        }
        long count = (size + chunkSize - 1) / chunkSize;
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a data set of " + size + " bytes has too many chunks");
        }
        return (int) count;
    }

    /** Where chunk {@code index} starts. */
    public static long chunkOffset(int index, int chunkSize) {
        return (long) index * chunkSize;
    }

    /** The length of chunk {@code index} of a data set of this size. */
    public static int chunkLength(long size, int chunkSize, int index) {
        int count = chunkCount(size, chunkSize);
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("chunk " + index + " of " + count);
        }
        return (int) Math.min(chunkSize, size - chunkOffset(index, chunkSize));
    }

    /** The data set's id from its size, chunk size and chunk hashes (32 bytes each). */
    public static String rootId(long size, int chunkSize, List<byte[]> chunkHashes) {
        if (chunkHashes.size() != chunkCount(size, chunkSize)) {
            throw new IllegalArgumentException(chunkHashes.size() + " chunk hashes for " + chunkCount(size, chunkSize)
                    + " chunks");
        }
        MessageDigest digest = sha256();
        digest.update(TAG);
        digest.update(ByteBuffer.allocate(12).putLong(size).putInt(chunkSize).array());
        for (byte[] hash : chunkHashes) {
            if (hash.length != 32) {
                throw new IllegalArgumentException("a chunk hash has " + hash.length + " bytes, not 32");
            }
            digest.update(hash);
        }
        return HEX.formatHex(digest.digest());
    }

    /** Whether this looks like a data set id (64 lowercase hex digits). */
    public static boolean isId(String id) {
        if (id == null || id.length() != 64) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /**
     * Cuts a stream of bytes into chunks as they come and hashes each one, without holding more than the current
     * chunk's digest: feed it with {@link #update}, then {@link #finish}.
     */
    public static final class Hasher {
        private final int chunkSize;
        private final List<byte[]> hashes = new ArrayList<>();
        private MessageDigest current = sha256();
        private int inChunk;
        private long size;

        public Hasher() {
            this(CHUNK_SIZE);
        }

        public Hasher(int chunkSize) {
            if (chunkSize <= 0) {
                throw new IllegalArgumentException("chunk size " + chunkSize);
            }
            this.chunkSize = chunkSize;
        }

        /** Adds bytes; returns the number of chunks completed so far. */
        public int update(byte[] bytes, int offset, int length) {
            while (length > 0) {
                int n = Math.min(length, chunkSize - inChunk);
                current.update(bytes, offset, n);
                inChunk += n;
                size += n;
                offset += n;
                length -= n;
                if (inChunk == chunkSize) {
                    hashes.add(current.digest());
                    current = sha256();
                    inChunk = 0;
                }
            }
            return hashes.size();
        }

        /** Bytes fed so far. */
        public long size() {
            return size;
        }

        /** The hashes of the chunks completed so far. */
        public List<byte[]> hashes() {
            return List.copyOf(hashes);
        }

        /** Ends the last chunk and gives the data set's id; the hasher is spent. */
        public String finish() {
            if (inChunk > 0) {
                hashes.add(current.digest());
                inChunk = 0;
            }
            return rootId(size, chunkSize, hashes);
        }

        public int chunkSize() {
            return chunkSize;
        }
    }
}
