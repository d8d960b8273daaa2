package io.gridwork.master.code;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.client.GridClient;
import io.gridwork.master.store.Store;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.testing.TestJars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JarRepositoryTest {

    @TempDir
    Path dir;

    private final Store store = Store.inMemory("jars-" + UUID.randomUUID());

    @AfterEach
    void close() {
        store.close();
    }

    private JarRepository repo(long max) throws Exception {
        return new JarRepository(dir.resolve("jars"), store.jars(), Clock.systemUTC(), max);
    }

    private long filesIn(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void keepsAValidJarUnderItsHash() throws Exception {
        JarRepository jars = repo(1 << 20);
        Path jar = TestJars.of(dir.resolve("in"), "a.jar", SquaresJob.class);
        String sha = GridClient.sha256(jar);
        JarRepository.Upload upload = jars.begin(sha, Files.size(jar), "a.jar");
        byte[] bytes = Files.readAllBytes(jar);
        upload.write(java.util.Arrays.copyOfRange(bytes, 0, 10));
        upload.write(java.util.Arrays.copyOfRange(bytes, 10, bytes.length));
        upload.finish();
        assertThat(jars.find(sha)).isPresent();
        assertThat(jars.path(sha)).hasSameBinaryContentAs(jar);
    }

    @Test
    void aJarFoundOnceIsFoundAgainWithoutAStoreReadUnlessItsFileIsGone() throws Exception {
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        io.gridwork.master.store.JarRowRepository rows = store.jars();
        io.gridwork.master.store.JarRowRepository counting = (io.gridwork.master.store.JarRowRepository)
                java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {io.gridwork.master.store.JarRowRepository.class}, (proxy, method, args) -> {
                            if (method.getName().equals("find")) {
                                reads.incrementAndGet();
                            }
                            try {
                                return method.invoke(rows, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
        JarRepository jars = new JarRepository(dir.resolve("jars"), counting, Clock.systemUTC(), 1 << 20);
        Path jar = TestJars.of(dir.resolve("in"), "a.jar", SquaresJob.class);
        String sha = GridClient.sha256(jar);
        assertThat(jars.find(sha)).isEmpty(); // not uploaded yet: nothing remembered
        JarRepository.Upload upload = jars.begin(sha, Files.size(jar), "a.jar");
        upload.write(Files.readAllBytes(jar));
        upload.finish();
        assertThat(jars.find(sha)).get().extracting(io.gridwork.master.store.JarRow::fileName).isEqualTo("a.jar");
        int afterFirst = reads.get();
        for (int i = 0; i < 5; i++) {
            assertThat(jars.find(sha)).isPresent();
        }
        assertThat(reads.get()).isEqualTo(afterFirst);
        Files.delete(jars.path(sha));
        assertThat(jars.find(sha)).isEmpty(); // its file gone: asked again, and not found
        assertThat(reads.get()).isGreaterThan(afterFirst);
    }

    @Test
    void refusedUploadsLeaveNothingBehind() throws Exception {
        JarRepository jars = repo(1 << 20);
        byte[] notAJar = "hello".getBytes();
        String sha = GridClient.sha256(TestJars.file(dir.resolve("in"), "bad.jar", notAJar));
        JarRepository.Upload upload = jars.begin(sha, notAJar.length, "bad.jar");
        upload.write(notAJar);
        assertThatThrownBy(upload::finish).isInstanceOf(InvalidJarException.class).hasMessageContaining("not a jar");

        JarRepository.Upload wrongHash = jars.begin("0".repeat(64), notAJar.length, "x.jar");
        wrongHash.write(notAJar);
        assertThatThrownBy(wrongHash::finish).isInstanceOf(InvalidJarException.class).hasMessageContaining("SHA-256");

        JarRepository.Upload tooLong = jars.begin(sha, 2, "x.jar");
        assertThatThrownBy(() -> tooLong.write(notAJar)).isInstanceOf(InvalidJarException.class)
                .hasMessageContaining("larger than");
        tooLong.abort();

        assertThatThrownBy(() -> jars.begin(sha, 10L << 20, "big.jar")).isInstanceOf(InvalidJarException.class)
                .satisfies(e -> assertThat(((InvalidJarException) e).tooLarge()).isTrue())
                .hasMessageContaining("max-jar-bytes");
        assertThatThrownBy(() -> jars.begin("XYZ", 10, "x.jar")).hasMessageContaining("header.sha256");
        assertThat(filesIn(dir.resolve("jars"))).isZero();
        assertThat(store.jars().find(sha)).isEmpty();
    }
}
