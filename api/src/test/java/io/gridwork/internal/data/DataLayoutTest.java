package io.gridwork.internal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chunking and naming rule every party follows. */
class DataLayoutTest {

    @Test
    void chunksCoverTheDataSetWithAShorterLastOne() {
        assertThat(DataLayout.chunkCount(0, 10)).isZero();
        assertThat(DataLayout.chunkCount(1, 10)).isEqualTo(1);
        assertThat(DataLayout.chunkCount(10, 10)).isEqualTo(1);
        assertThat(DataLayout.chunkCount(11, 10)).isEqualTo(2);
        assertThat(DataLayout.chunkLength(25, 10, 2)).isEqualTo(5);
        assertThat(DataLayout.chunkLength(30, 10, 2)).isEqualTo(10);
        assertThat(DataLayout.chunkOffset(3, DataLayout.CHUNK_SIZE)).isEqualTo(3L * (4 << 20));
        assertThatThrownBy(() -> DataLayout.chunkLength(25, 10, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> DataLayout.chunkCount(-1, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DataLayout.chunkCount(Long.MAX_VALUE, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theIdIsTheRootHashOfTagSizeChunkSizeAndChunkHashes() throws Exception {
        byte[] data = "hello, data grid".getBytes(StandardCharsets.UTF_8); // 16 bytes: chunks of 5, 5, 5, 1
        List<byte[]> hashes = new ArrayList<>();
        for (int at = 0; at < data.length; at += 5) {
            hashes.add(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(data, at, Math.min(data.length,
                    at + 5))));
        }
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes("gridwork-data-v1".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(ByteBuffer.allocate(12).putLong(16).putInt(5).array());
        hashes.forEach(expected::writeBytes);
        String id = DataLayout.hex(MessageDigest.getInstance("SHA-256").digest(expected.toByteArray()));

        assertThat(DataLayout.rootId(16, 5, hashes)).isEqualTo(id);
        assertThat(DataLayout.isId(id)).isTrue();
        assertThat(DataLayout.isId(id.toUpperCase())).isFalse();
        assertThat(DataLayout.isId(id.substring(1))).isFalse();
        assertThat(DataLayout.isId(null)).isFalse();
        assertThatThrownBy(() -> DataLayout.rootId(16, 5, hashes.subList(0, 3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(DataLayout.rootId(17, 5, List.of(hashes.get(0), hashes.get(1), hashes.get(2), hashes.get(3))))
                .as("the size is part of the id").isNotEqualTo(id);
    }

    @Test
    void theHasherGivesTheSameIdHoweverTheBytesArePiecedAndChangesWithAnyByte() {
        byte[] data = new byte[3 * 1000 + 17];
        new Random(1).nextBytes(data);
        DataLayout.Hasher whole = new DataLayout.Hasher(1000);
        whole.update(data, 0, data.length);
        String id = whole.finish();

        DataLayout.Hasher pieces = new DataLayout.Hasher(1000);
        Random cuts = new Random(2);
        int at = 0;
        while (at < data.length) {
            int n = Math.min(data.length - at, 1 + cuts.nextInt(700));
            pieces.update(data, at, n);
            at += n;
            assertThat(pieces.size()).isEqualTo(at);
        }
        assertThat(pieces.hashes()).hasSize(3);
        assertThat(pieces.finish()).isEqualTo(id);
        assertThat(pieces.hashes()).hasSize(4);

        data[2999] ^= 1;
        DataLayout.Hasher changed = new DataLayout.Hasher(1000);
        changed.update(data, 0, data.length);
        assertThat(changed.finish()).isNotEqualTo(id);

        DataLayout.Hasher empty = new DataLayout.Hasher();
        assertThat(empty.finish()).isEqualTo(DataLayout.rootId(0, DataLayout.CHUNK_SIZE, List.of()));
    }
}
