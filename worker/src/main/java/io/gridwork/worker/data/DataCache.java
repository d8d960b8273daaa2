package io.gridwork.worker.data;

import io.gridwork.internal.data.DataLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunks of data sets this worker holds, as files {@code <dir>/<data id>/<index>.<sha256 hex>}, within a byte
 * capacity ({@code --data-cache}).
 *
 * <p>Eviction: least recently used first (a read or a store counts as a use), but never a <em>pinned</em> chunk: one the
 * master ordered this worker to hold as a home ({@code DataOrder.fetch}) until it says drop. When the pinned chunks and
 * the reservations of fetches under way leave no room, a new chunk is refused with {@link DataCacheFullException}
 * rather than evicting a pinned one.
 *
 * <p>Restart: the chunks found on start are trusted by name (listed at once in {@code RegisterRequest.held_chunks}, so a
 * worker with a large cache starts without hashing it), and each is verified against the hash in its name the first
 * time it is opened (read by a task or served to a peer); a chunk that fails is deleted and reported evicted. Nothing
 * unverified is ever handed out. Partial files ({@code *.part}) of fetches cut short are deleted on start.
 *
 * <p>Thread-safe: one monitor over the index; hashing and file copies happen outside it.
 */
public final class DataCache {

    private static final Logger log = LoggerFactory.getLogger(DataCache.class);
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern FILE = Pattern.compile("(\\d{1,9})\\.([0-9a-f]{64})");

    /** A chunk as the cache keys it. */
    public record ChunkId(String dataId, int index) {
        @Override
        public String toString() {
            return dataId.substring(0, Math.min(12, dataId.length())) + "#" + index;
        }
    }

    private static final class Entry {
        final byte[] sha256;
        final long size;
        /** Hashed since this process started (or written by it after verification). */
        boolean verified;

        Entry(byte[] sha256, long size, boolean verified) {
            this.sha256 = sha256;
            this.size = size;
            this.verified = verified;
        }
    }

    /** What a change to the cache means for the master: chunks added and evicted (for the next DataReport). */
    public interface Listener {
        void added(ChunkId chunk);

        void evicted(ChunkId chunk);
    }

    private final Path dir;
    private final long capacity;
    private final Listener listener;
    /** Access order: the first entry is the least recently used. */
    private final LinkedHashMap<ChunkId, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    /** Chunks the master ordered this worker to keep, held now or still to come. */
    private final Set<ChunkId> pinned = new HashSet<>();
    private long used;
    private long reserved;
    private long evictedCount;

    /**
     * Opens (creating) the cache directory and indexes the chunks in it.
     *
     * @param capacity bytes it may hold
     */
    public DataCache(Path dir, long capacity, Listener listener) throws IOException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("data cache capacity must be positive, got " + capacity);
        }
        this.dir = Files.createDirectories(dir);
        this.capacity = capacity;
        this.listener = listener;
        load();
    }

    private void load() throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> sets = Files.newDirectoryStream(dir)) {
            for (Path set : sets) {
                String id = set.getFileName().toString();
                if (!Files.isDirectory(set)) {
                    continue;
                }
                if (!DataLayout.isId(id)) {
                    log.warn("ignoring {} in the data cache: not a data set id", set);
                    continue;
                }
                try (DirectoryStream<Path> chunks = Files.newDirectoryStream(set)) {
                    for (Path chunk : chunks) {
                        found.add(chunk);
                    }
                }
            }
        }
        found.sort(null);
        for (Path chunk : found) {
            String name = chunk.getFileName().toString();
            if (name.endsWith(".part")) {
                Files.deleteIfExists(chunk);
                continue;
            }
            Matcher m = FILE.matcher(name);
            if (!m.matches()) {
                log.warn("ignoring {} in the data cache: not a chunk file", chunk);
                continue;
            }
            long size = Files.size(chunk);
            entries.put(new ChunkId(chunk.getParent().getFileName().toString(), Integer.parseInt(m.group(1))),
                    new Entry(HEX.parseHex(m.group(2)), size, false));
            used += size;
        }
        if (!entries.isEmpty()) {
            log.info("data cache {}: {} chunks, {} bytes held from before (verified when first read)", dir,
                    entries.size(), used);
        }
        // a cache made smaller since the last run: the least recently used (here: by name) go first
        evictDownTo(capacity);
    }

    public long capacity() {
        return capacity;
    }

    /** Bytes held now. */
    public synchronized long used() {
        return used;
    }

    public synchronized long evictions() {
        return evictedCount;
    }

    /** The chunks held now (verified, or trusted by name from before a restart). */
    public synchronized List<ChunkId> chunks() {
        return new ArrayList<>(entries.keySet());
    }

    /** Whether it holds the chunk with this hash. Not a use (does not refresh its place in the LRU order). */
    public synchronized boolean holds(ChunkId chunk, byte[] sha256) {
        Entry e = entries.get(chunk);
        return e != null && Arrays.equals(e.sha256, sha256);
    }

    /** The size of a held chunk; -1 if it is not held. */
    public synchronized long sizeOf(ChunkId chunk) {
        Entry e = entries.get(chunk);
        return e == null ? -1 : e.size;
    }

    public synchronized boolean isPinned(ChunkId chunk) {
        return pinned.contains(chunk);
    }

    /** Pins a chunk, held now or about to be fetched: it is never evicted until {@link #unpin}ned or dropped. */
    public synchronized void pin(ChunkId chunk) {
        pinned.add(chunk);
    }

    /** Releases a chunk to the LRU order (the master no longer needs this worker to hold it). */
    public synchronized void unpin(ChunkId chunk) {
        pinned.remove(chunk);
    }

    /**
     * Room for a chunk of {@code size} bytes about to be fetched: evicts unpinned chunks, least recently used first,
     * until it fits. Pair with {@link #store} or {@link #cancel}.
     *
     * @throws DataCacheFullException the pinned chunks and the fetches under way leave no room
     */
    public synchronized Reservation reserve(ChunkId chunk, long size) throws DataCacheFullException {
        if (size > capacity - reserved) {
            throw full(chunk, size);
        }
        evictDownTo(capacity - reserved - size);
        if (used + reserved + size > capacity) {
            throw full(chunk, size);
        }
        reserved += size;
        return new Reservation(chunk, size);
    }

    private DataCacheFullException full(ChunkId chunk, long size) {
        long pinned = 0;
        for (Map.Entry<ChunkId, Entry> e : entries.entrySet()) {
            if (this.pinned.contains(e.getKey())) {
                pinned += e.getValue().size;
            }
        }
        return new DataCacheFullException("the data cache is full: no room for chunk " + chunk.index() + " of data set "
                + chunk.dataId() + " (" + size + " bytes) in " + capacity + " bytes, of which " + pinned
                + " are held for the master (pinned) and " + reserved + " reserved by fetches under way; "
                + "give the worker a larger --data-cache");
    }

    /** Evicts unpinned chunks, least recently used first, until at most {@code target} bytes are held. */
    private void evictDownTo(long target) {
        Iterator<Map.Entry<ChunkId, Entry>> it = entries.entrySet().iterator();
        while (used > target && it.hasNext()) {
            Map.Entry<ChunkId, Entry> e = it.next();
            if (pinned.contains(e.getKey())) {
                continue;
            }
            it.remove();
            used -= e.getValue().size;
            evictedCount++;
            deleteQuietly(e.getKey(), e.getValue());
            listener.evicted(e.getKey());
        }
    }

    /** Room reserved for one chunk being fetched. */
    public final class Reservation {
        final ChunkId chunk;
        final long size;
        private boolean done;

        private Reservation(ChunkId chunk, long size) {
            this.chunk = chunk;
            this.size = size;
        }

        /** A file to write the chunk's bytes to, in the cache's directory (moved into place by {@link #store}). */
        public Path tempFile() throws IOException {
            Path set = Files.createDirectories(dir.resolve(chunk.dataId()));
            return Files.createTempFile(set, chunk.index() + "-", ".part");
        }
    }

    /**
     * Stores a chunk whose bytes, in {@code temp}, the caller has verified against {@code sha256} (pinned if it was
     * {@link #pin}ned before). Ends the reservation.
     */
    public void store(Reservation r, Path temp, byte[] sha256) throws IOException {
        long size = Files.size(temp);
        Path target = file(r.chunk, sha256);
        try {
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            cancel(r);
            Files.deleteIfExists(temp);
            throw e;
        }
        boolean added;
        synchronized (this) {
            end(r);
            Entry old = entries.get(r.chunk);
            if (old != null) {
                used -= old.size;
                if (!Arrays.equals(old.sha256, sha256)) {
                    deleteQuietly(r.chunk, old);
                }
            }
            entries.put(r.chunk, new Entry(sha256.clone(), size, true));
            used += size;
            added = old == null;
            // a reservation sized from the layout is exact; trim if the file differs anyway
            evictDownTo(capacity);
        }
        if (added) {
            listener.added(r.chunk);
        }
    }

    /** Gives up a reservation (the fetch failed). */
    public synchronized void cancel(Reservation r) {
        end(r);
    }

    private void end(Reservation r) {
        if (!r.done) {
            r.done = true;
            reserved -= r.size;
        }
    }

    /**
     * Opens a held chunk for reading, verifying it first if this process has not (a chunk from before a restart); a
     * use in the LRU order. Null if it is not held with this hash (or failed verification: then it is evicted).
     */
    public InputStream open(ChunkId chunk, byte[] sha256) throws IOException {
        Entry e;
        synchronized (this) {
            e = entries.get(chunk);
            if (e == null || !Arrays.equals(e.sha256, sha256)) {
                return null;
            }
        }
        Path file = file(chunk, e.sha256);
        if (!e.verified) {
            byte[] actual;
            try {
                actual = hash(file);
            } catch (NoSuchFileException gone) {
                actual = null;
            }
            if (actual == null || !Arrays.equals(actual, e.sha256)) {
                log.warn("chunk {} in the data cache does not match its hash; dropping it", file);
                drop(chunk);
                return null;
            }
            synchronized (this) {
                e.verified = true;
            }
        }
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException gone) {
            // evicted in between, or deleted behind the cache's back: then the entry goes too
            boolean stale;
            synchronized (this) {
                stale = entries.get(chunk) == e;
            }
            if (stale) {
                log.warn("chunk {} of the data cache is gone from the disk; forgetting it", file);
                drop(chunk);
            }
            return null;
        }
    }

    /** Removes a chunk now (the data set was deleted, or it failed verification), pinned or not. */
    public void drop(ChunkId chunk) {
        Entry e;
        synchronized (this) {
            pinned.remove(chunk);
            e = entries.remove(chunk);
            if (e == null) {
                return;
            }
            used -= e.size;
            evictedCount++;
            deleteQuietly(chunk, e);
        }
        listener.evicted(chunk);
    }

    /** Every chunk of a data set held now. */
    public synchronized List<ChunkId> chunksOf(String dataId) {
        List<ChunkId> list = new ArrayList<>();
        for (ChunkId c : entries.keySet()) {
            if (c.dataId().equals(dataId)) {
                list.add(c);
            }
        }
        return list;
    }

    private Path file(ChunkId chunk, byte[] sha256) {
        return dir.resolve(chunk.dataId()).resolve(chunk.index() + "." + HEX.formatHex(sha256));
    }

    private void deleteQuietly(ChunkId chunk, Entry e) {
        try {
            // the data set's directory stays (a fetch may be writing into it); an empty one costs nothing
            Files.deleteIfExists(file(chunk, e.sha256));
        } catch (IOException ex) {
            log.warn("cannot delete chunk {} from the data cache: {}", chunk, ex.toString());
        }
    }

    static byte[] hash(Path file) throws IOException {
        MessageDigest digest = DataLayout.sha256();
        byte[] buf = new byte[64 << 10];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
        }
        return digest.digest();
    }
}
