package io.gridwork.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.testing.TestJars;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a submitter hears about a wrong job class or a wrong argument, from the jar itself. */
class LoadedJobTest {

    @TempDir
    Path dir;

    private static String job(String pkg, String name, String arguments) {
        return "package " + pkg + ";\n"
                + "import io.gridwork.sdk.*; import java.util.*; import java.util.stream.*;\n"
                + "public final class " + name + " extends GridJob<Long, Long, Long> {\n"
                + "  public " + name + "() { super(Codecs.LONG, Codecs.LONG, Codecs.LONG); }\n"
                + (arguments == null ? "" : "  @Override public Set<String> arguments() { return Set.of(" + arguments + "); }\n")
                + "  public Stream<Long> split(JobArgs a) { return Stream.of(1L); }\n"
                + "  public Long execute(Long x, TaskContext c) { return x; }\n"
                + "  public Long merge(Stream<Long> o, JobArgs a) { return o.mapToLong(Long::longValue).sum(); }\n"
                + "}\n";
    }

    private Path jobsJar() {
        return TestJars.compile(dir, "jobs.jar", Map.of(
                "com.acme.PiJob", job("com.acme", "PiJob", "\"samples\", \"tasks\""),
                "com.acme.PrimeJob", job("com.acme", "PrimeJob", null),
                "com.acme.Helper", "package com.acme; public class Helper { }",
                "com.acme.internal.Base", "package com.acme.internal; public abstract class Base"
                        + " extends io.gridwork.sdk.GridJob<Long, Long, Long> {"
                        + " protected Base() { super(io.gridwork.sdk.Codecs.LONG, io.gridwork.sdk.Codecs.LONG,"
                        + " io.gridwork.sdk.Codecs.LONG); } }"));
    }

    @Test
    void aMisspelledClassIsAnsweredWithTheClosestJobAndTheJarsJobClasses() {
        assertThatThrownBy(() -> LoadedJob.load(jobsJar(), "com.acme.PiJb", "t"))
                .isInstanceOf(JobLoadException.class)
                .hasMessage("no class com.acme.PiJb in the jar; did you mean com.acme.PiJob?"
                        + " (the jar's job classes: com.acme.PiJob, com.acme.PrimeJob)");
    }

    @Test
    void theRightNameInTheWrongPackageFindsItsClass() {
        assertThatThrownBy(() -> LoadedJob.load(jobsJar(), "PrimeJob", "t"))
                .hasMessage("no class PrimeJob in the jar; did you mean com.acme.PrimeJob?"
                        + " (the jar's job classes: com.acme.PiJob, com.acme.PrimeJob)");
    }

    @Test
    void aClassThatIsNoJobListsTheJobsWithoutAGuessWhenNoneIsClose() {
        assertThatThrownBy(() -> LoadedJob.load(jobsJar(), "com.acme.Helper", "t"))
                .hasMessage("class com.acme.Helper does not extend io.gridwork.sdk.GridJob"
                        + " (the jar's job classes: com.acme.PiJob, com.acme.PrimeJob)");
    }

    @Test
    void aJarWithoutJobsSaysSo() {
        Path jar = TestJars.compile(dir, "nojobs.jar", Map.of("com.acme.Helper", "package com.acme; public class Helper { }"));
        assertThatThrownBy(() -> LoadedJob.load(jar, "com.acme.Job", "t"))
                .hasMessage("no class com.acme.Job in the jar; the jar has no public class that extends io.gridwork.sdk.GridJob");
    }

    @Test
    void anArgumentTheJobDoesNotDeclareIsNamedWithTheClosestDeclaredOne() throws Exception {
        try (LoadedJob pi = LoadedJob.load(jobsJar(), "com.acme.PiJob", "t")) {
            assertThat(pi.arguments()).containsExactlyInAnyOrder("samples", "tasks");
            assertThat(pi.unknownArgument(Set.of("samples", "tasks"))).isEmpty();
            assertThat(pi.unknownArgument(Set.of())).isEmpty();
            assertThat(pi.unknownArgument(Set.of("sample", "tasks"))).contains("unknown argument 'sample' for"
                    + " com.acme.PiJob (did you mean 'samples'?); it takes samples, tasks");
            assertThat(pi.unknownArgument(Set.of("seed"))).contains("unknown argument 'seed' for com.acme.PiJob;"
                    + " it takes samples, tasks");
        }
    }

    @Test
    void aJobThatDeclaresNothingTakesAnyArgument() throws Exception {
        try (LoadedJob prime = LoadedJob.load(jobsJar(), "com.acme.PrimeJob", "t")) {
            assertThat(prime.arguments()).isEmpty();
            assertThat(prime.unknownArgument(Set.of("anything", "at-all"))).isEmpty();
        }
    }
}
