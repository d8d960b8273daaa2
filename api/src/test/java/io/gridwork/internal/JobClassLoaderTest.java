package io.gridwork.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import io.gridwork.testing.TestJars;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobClassLoaderTest {

    @TempDir
    Path dir;

    /** A job that reports the version of a library it bundles, and which Gridwork classes it can see. */
    private static String jobSource(String pkg) {
        return "package " + pkg + ";\n"
                + "import io.gridwork.sdk.*; import java.util.stream.*;\n"
                + "public class VersionJob extends GridJob<String, String, String> {\n"
                + "  public VersionJob() { super(Codecs.STRING, Codecs.STRING, Codecs.STRING); }\n"
                + "  public Stream<String> split(JobArgs a) { return Stream.of(\"x\"); }\n"
                + "  public String execute(String in, TaskContext c) {\n"
                + "    return shared.lib.Library.VERSION + \" grpc=\" + visible(\"io.grpc.Channel\")\n"
                + "        + \" internal=\" + visible(\"io.gridwork.internal.LoadedJob\");\n"
                + "  }\n"
                + "  public String merge(Stream<String> o, JobArgs a) { return o.collect(Collectors.joining()); }\n"
                + "  static boolean visible(String name) {\n"
                + "    try { Class.forName(name, false, VersionJob.class.getClassLoader()); return true; }\n"
                + "    catch (ClassNotFoundException e) { return false; }\n"
                + "  }\n"
                + "}\n";
    }

    private static String library(String version) {
        return "package shared.lib; public class Library { public static final String VERSION = \"" + version + "\"; }";
    }

    private Path jar(String name, String version) {
        return TestJars.compile(dir.resolve(name), name + ".jar", Map.of(
                "shared.lib.Library", library(version), "job.VersionJob", jobSource("job")));
    }

    @Test
    void twoJobsBundlingDifferentVersionsOfALibraryDoNotClash() throws Exception {
        try (LoadedJob one = LoadedJob.load(jar("one", "1.0"), "job.VersionJob", "one");
             LoadedJob two = LoadedJob.load(jar("two", "2.0"), "job.VersionJob", "two")) {
            assertThat(run(one)).isEqualTo("1.0 grpc=false internal=false");
            assertThat(run(two)).isEqualTo("2.0 grpc=false internal=false");
        }
    }

    @Test
    void aJobsClassesCanBeCollectedAfterItIsClosed() throws Exception {
        WeakReference<ClassLoader> loader = loadRunAndClose(jar("gc", "3.0"));
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            return loader.get() == null;
        });
    }

    private static WeakReference<ClassLoader> loadRunAndClose(Path jar) throws Exception {
        LoadedJob job = LoadedJob.load(jar, "job.VersionJob", "gc");
        assertThat(run(job)).startsWith("3.0");
        WeakReference<ClassLoader> ref = new WeakReference<>(job.classLoader());
        job.close();
        return ref;
    }

    @Test
    void jobsOfOneJarShareItsLoaderAndJobsOfAnotherJarDoNot() throws Exception {
        Path one = jar("shared-one", "1.0");
        Path two = jar("shared-two", "2.0");
        try (JobClassLoaders loaders = new JobClassLoaders(io.gridwork.sdk.GridJob.class.getClassLoader(), 1)) {
            LoadedJob a = LoadedJob.load(loaders.acquire("aaaa", one), "job.VersionJob");
            LoadedJob b = LoadedJob.load(loaders.acquire("aaaa", one), "job.VersionJob");
            LoadedJob c = LoadedJob.load(loaders.acquire("bbbb", two), "job.VersionJob");
            assertThat(a.classLoader()).isSameAs(b.classLoader()).isNotSameAs(c.classLoader());
            assertThat(run(a)).startsWith("1.0");
            assertThat(run(c)).startsWith("2.0");
            ClassLoader first = a.classLoader();
            a.close();
            b.close();
            c.close();
            assertThat(loaders.size()).as("one idle loader is kept, the least recently used one closed").isEqualTo(1);
            LoadedJob again = LoadedJob.load(loaders.acquire("bbbb", two), "job.VersionJob");
            assertThat(run(again)).startsWith("2.0");
            LoadedJob reloaded = LoadedJob.load(loaders.acquire("aaaa", one), "job.VersionJob");
            assertThat(reloaded.classLoader()).isNotSameAs(first);
            assertThat(run(reloaded)).startsWith("1.0");
            again.close();
            reloaded.close();
        }
    }

    @Test
    void aSharedLoaderIsReleasedWhenLoadingFails() throws Exception {
        Path jar = jar("fails", "1.0");
        try (JobClassLoaders loaders = new JobClassLoaders(io.gridwork.sdk.GridJob.class.getClassLoader(), 0)) {
            assertThatThrownBy(() -> LoadedJob.load(loaders.acquire("cccc", jar), "job.Missing"))
                    .isInstanceOf(JobLoadException.class)
                    .hasMessage("no class job.Missing in the jar (the jar's job classes: job.VersionJob)");
            assertThat(loaders.size()).isZero();
        }
    }

    @Test
    void unusableClassesAreRefusedWithAReason() {
        Path jar = jar("bad", "1.0");
        assertThatThrownBy(() -> LoadedJob.load(jar, "job.Missing", "x")).isInstanceOf(JobLoadException.class)
                .hasMessage("no class job.Missing in the jar (the jar's job classes: job.VersionJob)");
        assertThatThrownBy(() -> LoadedJob.load(jar, "shared.lib.Library", "x")).isInstanceOf(JobLoadException.class)
                .hasMessageContaining("does not extend io.gridwork.sdk.GridJob");
    }

    @Test
    void splitIsLazyAndKnowsItsSize() throws Exception {
        Path jar = TestJars.compile(dir.resolve("lazy"), "lazy.jar", Map.of("job.Many",
                "package job; import io.gridwork.sdk.*; import java.util.stream.*;\n"
                        + "public class Many extends GridJob<Long, Long, Long> {\n"
                        + "  public Many() { super(Codecs.LONG, Codecs.LONG, Codecs.LONG); }\n"
                        + "  public Stream<Long> split(JobArgs a) { return LongStream.range(0, a.getLong(\"n\")).boxed(); }\n"
                        + "  public Long execute(Long x, TaskContext c) { return x; }\n"
                        + "  public Long merge(Stream<Long> o, JobArgs a) { return o.mapToLong(Long::longValue).sum(); }\n"
                        + "}\n"));
        try (LoadedJob job = LoadedJob.load(jar, "job.Many", "many")) {
            LoadedJob.TaskSource source = job.split(JobArgs.of(Map.of("n", "1000000000")));
            assertThat(source.knownSize()).isEqualTo(1_000_000_000L);
            List<byte[]> first = source.next(3, Long.MAX_VALUE);
            assertThat(first).hasSize(3);
            assertThat(source.isExhausted()).isFalse();
            assertThatThrownBy(() -> job.split(JobArgs.of(Map.of("n", "lots"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argument 'n'");
        }
    }

    private static String run(LoadedJob job) throws Exception {
        byte[] out = job.execute("x".getBytes(StandardCharsets.UTF_8), new TaskContext() {
            public String jobId() { return "j"; }
            public long taskIndex() { return 0; }
            public int attempt() { return 1; }
            public JobArgs args() { return JobArgs.empty(); }
            public void reportProgress(double f) { }
            public void reportProgress(double f, String m) { }
            public boolean isCancelled() { return false; }
        });
        return new String(out, StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unused")
    private static String joined(List<String> parts) {
        return parts.stream().collect(Collectors.joining());
    }
}
