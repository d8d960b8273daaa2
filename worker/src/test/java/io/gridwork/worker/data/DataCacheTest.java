package io.gridwork.worker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.internal.data.DataLayout;
import io.gridwork.worker.data.DataCache.ChunkId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCacheTest {

    private static final String SET = "a".repeat(64);

    @TempDir
    Path dir;

    private final List<String> events = new ArrayList<>();
    private final DataCache.Listener listener = new DataCache.Listener() {
        @Override
        public void added(ChunkId chunk) {
            events.add("+" + chunk.index());
        }

        @Override
        public void evicted(ChunkId chunk) {
            events.add("-" + chunk.index());
        }
    };

    private static byte[] bytes(int index, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (index * 31 + i);
        }
        return b;
    }

    /** Stores chunk {@code index} (100 bytes) the way the fetcher does: reserve, write, store. */
    private static byte[] put(DataCache cache, int index) throws IOException {
        byte[] data = bytes(index, 100);
        DataCache.Reservation r = cache.reserve(new ChunkId(SET, index), data.length);
        Path temp = r.tempFile();
        Files.write(temp, data);
        byte[] sha = DataLayout.sha256().digest(data);
        cache.store(r, temp, sha);
        return sha;
    }

    private static byte[] read(DataCache cache, int index, byte[] sha) throws IOException {
        try (InputStream in = cache.open(new ChunkId(SET, index), sha)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    @Test
    void theLeastRecentlyUsedChunkGoesFirst() throws IOException {
        DataCache cache = new DataCache(dir, 300, listener);
        byte[] sha0 = put(cache, 0);
        put(cache, 1);
        put(cache, 2);
        assertThat(read(cache, 0, sha0)).isEqualTo(bytes(0, 100)); // 0 is used again: 1 is now the oldest

        put(cache, 3);

        assertThat(cache.chunks()).extracting(ChunkId::index).containsExactlyInAnyOrder(0, 2, 3);
        assertThat(events).containsExactly("+0", "+1", "+2", "-1", "+3");
        assertThat(cache.used()).isEqualTo(300);
    }

    @Test
    void aPinnedChunkIsNeverEvictedAndAFullCacheRefusesWithAClearError() throws IOException {
        DataCache cache = new DataCache(dir, 200, listener);
        put(cache, 0);
        put(cache, 1);
        cache.pin(new ChunkId(SET, 0));
        cache.pin(new ChunkId(SET, 1));

        assertThatThrownBy(() -> cache.reserve(new ChunkId(SET, 2), 100))
                .isInstanceOf(DataCacheFullException.class)
                .hasMessageContaining("the data cache is full")
                .hasMessageContaining("200 are held for the master (pinned)")
                .hasMessageContaining("--data-cache");
        assertThat(cache.chunks()).hasSize(2);

        cache.unpin(new ChunkId(SET, 0));
        put(cache, 2);
        assertThat(cache.chunks()).extracting(ChunkId::index).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void aChunkPinnedBeforeItArrivesIsKeptAndReservationsCount() throws IOException {
        DataCache cache = new DataCache(dir, 200, listener);
        cache.pin(new ChunkId(SET, 5));
        DataCache.Reservation pending = cache.reserve(new ChunkId(SET, 9), 100);
        put(cache, 5);
        // 100 pinned + 100 reserved: nothing can be evicted for a third chunk
        assertThatThrownBy(() -> cache.reserve(new ChunkId(SET, 6), 100)).isInstanceOf(DataCacheFullException.class)
                .hasMessageContaining("100 reserved by fetches under way");
        cache.cancel(pending);
        put(cache, 6);
        assertThat(cache.isPinned(new ChunkId(SET, 5))).isTrue();
        assertThat(cache.chunks()).extracting(ChunkId::index).containsExactlyInAnyOrder(5, 6);
    }

    @Test
    void aChunkLargerThanTheWholeCacheIsRefused() throws IOException {
        DataCache cache = new DataCache(dir, 50, listener);
        assertThatThrownBy(() -> cache.reserve(new ChunkId(SET, 0), 100)).isInstanceOf(DataCacheFullException.class);
    }

    @Test
    void chunksSurviveARestartAndAreVerifiedWhenFirstRead() throws IOException {
        DataCache first = new DataCache(dir, 1000, listener);
        byte[] sha0 = put(first, 0);
        byte[] sha1 = put(first, 1);
        Files.writeString(dir.resolve(SET).resolve("7-123.part"), "a fetch cut short");
        // chunk 1's file is damaged while the worker is down
        Path file1 = dir.resolve(SET).resolve("1." + DataLayout.hex(sha1));
        Files.write(file1, "not the chunk".getBytes(StandardCharsets.UTF_8));

        events.clear();
        DataCache second = new DataCache(dir, 1000, listener);

        // trusted by name at start: both are listed (for RegisterRequest.held_chunks)
        assertThat(second.chunks()).extracting(ChunkId::index).containsExactlyInAnyOrder(0, 1);
        assertThat(dir.resolve(SET).resolve("7-123.part")).doesNotExist();
        // verified when first read: the good one is served, the damaged one dropped and reported
        assertThat(read(second, 0, sha0)).isEqualTo(bytes(0, 100));
        assertThat(read(second, 1, sha1)).isNull();
        assertThat(second.chunks()).extracting(ChunkId::index).containsExactly(0);
        assertThat(events).containsExactly("-1");
        assertThat(file1).doesNotExist();
    }

    @Test
    void aSmallerCacheAfterARestartEvictsDownToItsSize() throws IOException {
        DataCache first = new DataCache(dir, 1000, listener);
        for (int i = 0; i < 5; i++) {
            put(first, i);
        }
        DataCache second = new DataCache(dir, 250, listener);
        assertThat(second.chunks()).hasSize(2);
        assertThat(second.used()).isEqualTo(200);
    }

    @Test
    void aChunkAskedWithAnotherHashIsNotHandedOut() throws IOException {
        DataCache cache = new DataCache(dir, 1000, listener);
        put(cache, 0);
        assertThat(read(cache, 0, new byte[32])).isNull();
        assertThat(cache.holds(new ChunkId(SET, 0), new byte[32])).isFalse();
    }

    @Test
    void aChunkFileDeletedBehindTheCachesBackIsForgottenAndReported() throws IOException {
        DataCache cache = new DataCache(dir, 1000, listener);
        byte[] sha = put(cache, 3);
        Files.delete(dir.resolve(SET).resolve("3." + DataLayout.hex(sha)));
        events.clear();

        assertThat(read(cache, 3, sha)).isNull();
        assertThat(cache.chunks()).isEmpty();
        assertThat(cache.used()).isZero();
        assertThat(events).containsExactly("-3");
    }
}
