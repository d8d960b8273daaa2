package io.gridwork.worker.data;

import io.gridwork.api.v1.ChunkLocation;
import io.gridwork.api.v1.DataCounters;
import io.gridwork.api.v1.DataSetRef;
import io.gridwork.internal.data.DataLayout;
import io.gridwork.sdk.DataRange;
import io.gridwork.sdk.DataRef;
import io.gridwork.worker.data.ChunkFetcher.Source;
import io.gridwork.worker.data.DataCache.ChunkId;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one task attempt reads from the data grid: {@code TaskContext.openData} opens ranges of its job's data sets
 * through it, and it counts the bytes handed to the task by where their chunk came from (already in this worker's
 * cache, from a peer, from a master) for {@code TaskResult.data}. Thread-safe.
 */
public final class TaskData {

    private final ChunkFetcher fetcher;
    private final DataCache cache;
    private final Map<String, DataSetRef> byName = new LinkedHashMap<>();
    private final AtomicLong local = new AtomicLong();
    private final AtomicLong peers = new AtomicLong();
    private final AtomicLong master = new AtomicLong();

    TaskData(ChunkFetcher fetcher, DataCache cache, List<DataSetRef> dataSets) {
        this.fetcher = fetcher;
        this.cache = cache;
        for (DataSetRef ref : dataSets) {
            byName.put(ref.getName(), ref);
        }
    }

    /**
     * Opens a range of one of the job's data sets: an InputStream that fetches its chunks on demand (and the next
     * one a little ahead), each verified before a byte of it is read.
     *
     * @throws IllegalArgumentException the job has no data set of that name, or the range lies outside it
     */
    public InputStream open(DataRange range) throws IOException {
        DataSetRef ref = byName.get(range.name());
        if (ref == null) {
            throw new IllegalArgumentException("this job has no data set '" + range.name() + "'"
                    + (byName.isEmpty() ? " (it was submitted with no --data)" : " (it has " + byName.keySet() + ")"));
        }
        if (range.end() > ref.getSize()) {
            throw new IllegalArgumentException("range " + range.offset() + "+" + range.length() + " lies outside data set '"
                    + range.name() + "' of " + ref.getSize() + " bytes");
        }
        return new RangeStream(ref, range.offset(), range.end());
    }

    /** The job's data sets as the SDK sees them ({@code JobArgs.data}), by the names the job gave them. */
    public Map<String, DataRef> refs() {
        Map<String, DataRef> refs = new LinkedHashMap<>();
        byName.forEach((name, ref) -> refs.put(name, new DataRef(name, ref.getId(), ref.getSize(), ref.getChunkSize())));
        return refs;
    }

    /** The bytes handed to the task so far, by source. */
    public DataCounters counters() {
        return DataCounters.newBuilder().setBytesLocal(local.get()).setBytesFromPeers(peers.get())
                .setBytesFromMaster(master.get()).build();
    }

    /** Whether the task read anything from a data set. */
    public boolean used() {
        return local.get() + peers.get() + master.get() > 0;
    }

    private void count(Source source, long n) {
        switch (source) {
            case LOCAL -> local.addAndGet(n);
            case PEER -> peers.addAndGet(n);
            case MASTER -> master.addAndGet(n);
            default -> throw new IllegalStateException(String.valueOf(source));
        }
    }

    /** A range of a data set, chunk after chunk. */
    private final class RangeStream extends InputStream {
        private final DataSetRef ref;
        private final long end;
        private long pos;
        private InputStream chunk;
        private long chunkEnd;
        private Source source;
        /** Chunks fetched ahead, by index. */
        private final Map<Integer, CompletableFuture<Source>> ahead = new HashMap<>();
        /** Where the range's chunks are, asked once on the first miss. */
        private Map<Integer, ChunkLocation> where;
        private boolean closed;

        RangeStream(DataSetRef ref, long offset, long end) {
            this.ref = ref;
            this.pos = offset;
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("stream closed");
            }
            if (pos >= end) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("the task was cancelled while it read data set " + ref.getName());
            }
            if (chunk == null) {
                openChunk();
            }
            int want = (int) Math.min(len, Math.min(end, chunkEnd) - pos);
            int n = chunk.read(b, off, want);
            if (n < 0) {
                throw new IOException("chunk of data set " + ref.getName() + " ended early at byte " + pos);
            }
            pos += n;
            count(source, n);
            if (pos >= chunkEnd || pos >= end) {
                chunk.close();
                chunk = null;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            if (n <= 0 || pos >= end) {
                return 0;
            }
            long skipped = Math.min(n, end - pos);
            if (chunk != null) {
                chunk.close();
                chunk = null;
            }
            pos += skipped; // the next read opens the chunk it lands in
            return skipped;
        }

        @Override
        public int available() {
            return chunk == null ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.min(end, chunkEnd) - pos);
        }

        private void openChunk() throws IOException {
            int index = (int) (pos / ref.getChunkSize());
            ChunkId id = new ChunkId(ref.getId(), index);
            byte[] sha = ChunkFetcher.sha(ref, index);
            long chunkStart = DataLayout.chunkOffset(index, ref.getChunkSize());
            for (int attempt = 0; attempt < 3; attempt++) {
                Source s = obtain(index, id, sha);
                InputStream in = cache.open(id, sha);
                if (in == null) {
                    continue; // evicted in between (or it failed its check after a restart): fetch it again
                }
                long skip = pos - chunkStart;
                if (in.skip(skip) != skip) {
                    in.close();
                    throw new IOException("chunk " + index + " of data set " + ref.getName() + " is shorter than "
                            + skip + " bytes");
                }
                chunk = in;
                source = s;
                chunkEnd = chunkStart + DataLayout.chunkLength(ref.getSize(), ref.getChunkSize(), index);
                readAhead(index + 1);
                return;
            }
            throw new IOException("chunk " + index + " of data set " + ref.getName()
                    + " was evicted from the data cache again and again while it was read; give the worker a larger "
                    + "--data-cache");
        }

        /** The chunk in the cache (fetched ahead, or now), and where it came from. */
        private Source obtain(int index, ChunkId id, byte[] sha) throws IOException {
            CompletableFuture<Source> f = ahead.remove(index);
            if (f != null) {
                return ChunkFetcher.join(f);
            }
            if (cache.holds(id, sha)) {
                return Source.LOCAL;
            }
            return ChunkFetcher.join(fetcher.fetch(ref, index, location(index)));
        }

        /** Starts fetching the next chunk of the range while this one is read. */
        private void readAhead(int index) {
            if (index >= ref.getChunkSha256Count() || DataLayout.chunkOffset(index, ref.getChunkSize()) >= end
                    || ahead.containsKey(index)) {
                return;
            }
            if (cache.holds(new ChunkId(ref.getId(), index), ChunkFetcher.sha(ref, index))) {
                return;
            }
            ahead.put(index, fetcher.fetch(ref, index, location(index)));
        }

        private ChunkLocation location(int index) {
            if (where == null) {
                int first = (int) (pos / ref.getChunkSize());
                int last = (int) Math.min(ref.getChunkSha256Count() - 1L, (end - 1) / ref.getChunkSize());
                List<Integer> missing = new ArrayList<>();
                for (int i = first; i <= last; i++) {
                    if (!cache.holds(new ChunkId(ref.getId(), i), ChunkFetcher.sha(ref, i))) {
                        missing.add(i);
                    }
                }
                where = missing.isEmpty() ? Map.of() : fetcher.locate(ref.getId(), missing);
            }
            return where.get(index);
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (chunk != null) {
                chunk.close();
                chunk = null;
            }
            // chunks fetched ahead still land in the cache for the tasks that follow
            ahead.clear();
        }
    }
}
