package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.internal.GridworkVersion;
import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import io.gridwork.testing.TestJars;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code grid submit} says about a job's arguments and class (the master checks both against the jar), and the
 * version the CLI and a worker report.
 */
class JobArgumentsCliTest {

    /** Counts 0..n-1 in chunks of {@code chunk}; declares both arguments. */
    public static final class CountJob extends GridJob<Long, Long, Long> {
        public CountJob() {
            super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
        }

        @Override
        public Set<String> arguments() {
            return Set.of("n", "chunk");
        }

        @Override
        public Stream<Long> split(JobArgs args) {
            long n = args.getLong("n");
            long chunk = args.getLong("chunk", 10);
            return LongStream.iterate(0, from -> from < n, from -> from + chunk).boxed();
        }

        @Override
        public Long execute(Long from, TaskContext context) {
            return Math.min(context.args().getLong("chunk", 10), context.args().getLong("n") - from);
        }

        @Override
        public Long merge(Stream<Long> outputs, JobArgs args) {
            return outputs.mapToLong(Long::longValue).sum();
        }
    }

    @TempDir
    static Path dir;

    static LocalGrid local;
    static Path jar;

    @BeforeAll
    static void startGrid() throws Exception {
        local = new LocalGrid(dir, "args-w", 1);
        jar = TestJars.of(dir.resolve("in"), "count.jar", CountJob.class);
    }

    @AfterAll
    static void stopGrid() {
        local.close();
    }

    @Test
    void aMisspelledArgumentIsRefusedWithExitTwoAndASuggestion() {
        int jobsBefore = jobCount();
        GridRun run = local.client("submit", "--jar", jar.toString(), "--job", CountJob.class.getName(),
                "--arg", "n=100", "--arg", "chunks=7", "--wait");
        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().trim()).isEqualTo("grid submit: args: unknown argument 'chunks' for "
                + CountJob.class.getName() + " (did you mean 'chunk'?); it takes chunk, n");
        assertThat(jobCount()).as("nothing stored").isEqualTo(jobsBefore);
    }

    static int jobCount() {
        GridRun jobs = local.client("jobs", "--output", "json");
        assertThat(jobs.code()).as(jobs.err()).isZero();
        JsonObject json = JsonParser.parseString(jobs.out()).getAsJsonObject();
        return json.has("jobs") ? json.getAsJsonArray("jobs").size() : 0;
    }

    @Test
    void declaredArgumentsAreTakenAsGiven() {
        GridRun run = local.client("submit", "--jar", jar.toString(), "--job", CountJob.class.getName(),
                "--arg", "n=100", "--arg", "chunk=7", "--wait");
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).isEqualTo("100\n");
    }

    @Test
    void aWrongJobClassIsAnsweredWithTheJobClassesInTheJar() {
        GridRun run = local.client("submit", "--jar", jar.toString(), "--job", "CountJob", "--arg", "n=1");
        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err().trim()).isEqualTo("grid submit: job_class: no class CountJob in the jar; did you mean "
                + CountJob.class.getName() + "? (the jar's job classes: " + CountJob.class.getName() + ")");
    }

    @Test
    void aMisspelledOptionOrCommandSuggestsTheRightOne() {
        GridRun option = LocalGrid.run("submit", "--jar", jar.toString(), "--job", CountJob.class.getName(), "--wiat");
        assertThat(option.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(option.err().trim()).isEqualTo("grid submit: unknown option '--wiat'; did you mean --wait?"
                + " (see 'grid submit --help')");

        GridRun command = LocalGrid.run("sumbit", "--jar", jar.toString());
        assertThat(command.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(command.err()).contains("did you mean submit?");

        GridRun farOff = LocalGrid.run("submit", "--jar", jar.toString(), "--job", "x", "--frobnicate");
        assertThat(farOff.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(farOff.err()).doesNotContain("did you mean");
    }

    @Test
    void theWorkerReportsTheVersionGridVersionPrints() {
        GridRun version = LocalGrid.run("--version");
        assertThat(version.code()).isZero();
        assertThat(GridworkVersion.get()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(version.out()).startsWith("Gridwork " + GridworkVersion.get() + " (Java ");

        GridRun workers = local.client("workers", "--output", "json");
        assertThat(workers.code()).as(workers.err()).isZero();
        JsonObject worker = JsonParser.parseString(workers.out()).getAsJsonObject().getAsJsonArray("workers")
                .get(0).getAsJsonObject();
        assertThat(worker.getAsJsonObject("platform").get("gridwork_version").getAsString())
                .isEqualTo(GridworkVersion.get());
    }
}
