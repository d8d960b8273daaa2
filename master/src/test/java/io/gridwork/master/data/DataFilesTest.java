package io.gridwork.master.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.internal.data.DataLayout;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master's copy: hashed as it is written, kept under its id, nothing left by a refused put, reads verified. */
class DataFilesTest {

    @TempDir
    Path dir;

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static String idOf(byte[] data) {
        DataLayout.Hasher h = new DataLayout.Hasher();
        h.update(data, 0, data.length);
        return h.finish();
    }

    private DataFiles.Stored put(DataFiles files, byte[] data) throws Exception {
        DataFiles.Upload up = files.begin(data.length);
        for (int at = 0; at < data.length; at += 300_000) {
            up.write(Arrays.copyOfRange(data, at, Math.min(data.length, at + 300_000)));
        }
        return up.finish();
    }

    @Test
    void aPutIsKeptUnderItsIdWithEveryChunkHashAndReadBackChunkByChunk(@TempDir Path in) throws Exception {
        DataFiles files = new DataFiles(dir);
        byte[] data = random(DataLayout.CHUNK_SIZE + 1000);
        DataFiles.Stored stored = put(files, data);
        assertThat(stored.id()).isEqualTo(idOf(data));
        assertThat(stored.chunkHashes()).hasSize(2);
        assertThat(stored.chunkHashes().get(1)).isEqualTo(DataLayout.sha256().digest(Arrays.copyOfRange(data,
                DataLayout.CHUNK_SIZE, data.length)));
        assertThat(Files.size(files.path(stored.id()))).isEqualTo(data.length);
        assertThat(files.readChunk(stored.id(), data.length, DataLayout.CHUNK_SIZE, 1, stored.chunkHashes().get(1)))
                .isEqualTo(Arrays.copyOfRange(data, DataLayout.CHUNK_SIZE, data.length));

        DataFiles.Stored again = put(files, data);
        assertThat(again.id()).isEqualTo(stored.id());
        try (Stream<Path> all = Files.list(dir)) {
            assertThat(all).as("one copy, no temporary file left").hasSize(1);
        }
        Path jar = Files.write(in.resolve("x.jar"), random(5000));
        assertThat(files.importFile(jar).id()).isEqualTo(idOf(Files.readAllBytes(jar)));
    }

    @Test
    void aPutOfTheWrongSizeLeavesNothingAndADamagedCopyIsNeverServed() throws Exception {
        DataFiles files = new DataFiles(dir);
        DataFiles.Upload longer = files.begin(10);
        assertThatThrownBy(() -> longer.write(new byte[11])).isInstanceOf(DataFiles.SizeMismatchException.class)
                .hasMessage("size: more than the 10 bytes announced came");
        DataFiles.Upload shorter = files.begin(10);
        shorter.write(new byte[4]);
        assertThatThrownBy(shorter::finish).isInstanceOf(DataFiles.SizeMismatchException.class)
                .hasMessage("size: 10 bytes were announced, 4 came");
        DataFiles.Upload dropped = files.begin(10);
        dropped.write(new byte[3]);
        dropped.abort();
        try (Stream<Path> all = Files.list(dir)) {
            assertThat(all).isEmpty();
        }

        byte[] data = random(3000);
        DataFiles.Stored stored = put(files, data);
        try (RandomAccessFile f = new RandomAccessFile(files.path(stored.id()).toFile(), "rw")) {
            f.seek(1234);
            f.write(data[1234] ^ 0xff);
        }
        assertThatThrownBy(() -> files.readChunk(stored.id(), data.length, DataLayout.CHUNK_SIZE, 0,
                stored.chunkHashes().get(0))).isInstanceOf(DataFiles.CorruptCopyException.class)
                .hasMessageContaining("does not match its sha256");
        try (RandomAccessFile f = new RandomAccessFile(files.path(stored.id()).toFile(), "rw")) {
            f.setLength(100);
        }
        assertThatThrownBy(() -> files.readChunk(stored.id(), data.length, DataLayout.CHUNK_SIZE, 0,
                stored.chunkHashes().get(0))).isInstanceOf(DataFiles.CorruptCopyException.class)
                .hasMessageContaining("truncated");
        assertThat(new DataFiles(dir).has(stored.id())).as("a restart keeps the copies").isTrue();
    }
}
