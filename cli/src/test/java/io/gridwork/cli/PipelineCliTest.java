package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.testing.TestJars;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code grid submit --after} and what {@code grid jobs}, {@code grid status} and {@code grid cancel} say of it. */
class PipelineCliTest {

    @TempDir
    static Path dir;

    static LocalGrid local;
    static Path jar;
    static final String JOB = JobArgumentsCliTest.CountJob.class.getName();

    @BeforeAll
    static void startGrid() throws Exception {
        local = new LocalGrid(dir, "pipe-w", 2);
        jar = TestJars.of(dir.resolve("in"), "count.jar", JobArgumentsCliTest.CountJob.class);
    }

    @AfterAll
    static void stopGrid() {
        local.close();
    }

    private static String submit(String... args) {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("submit", "--jar", jar.toString(),
                "--job", JOB));
        all.addAll(java.util.List.of(args));
        GridRun run = local.client(all.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isZero();
        return run.out().trim();
    }

    private static JsonObject status(String id) {
        GridRun run = local.client("status", id, "--output", "json");
        assertThat(run.code()).as(run.err()).isZero();
        return JsonParser.parseString(run.out()).getAsJsonObject();
    }

    private static int jobCount() {
        GridRun jobs = local.client("jobs", "--limit", "1000", "--output", "json");
        assertThat(jobs.code()).as(jobs.err()).isZero();
        JsonObject json = JsonParser.parseString(jobs.out()).getAsJsonObject();
        return json.has("jobs") ? json.getAsJsonArray("jobs").size() : 0;
    }

    @Test
    void aJobAfterAnotherTakesItsResultAndStatusShowsBothWays() {
        String a = submit("--arg", "n=30");
        GridRun b = local.client("submit", "--jar", jar.toString(), "--job", JOB, "--after", a,
                "--arg", "n=@result:" + a, "--arg", "chunk=7", "--wait");
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(b.out()).isEqualTo("30\n");

        String bId = local.client("jobs", "--limit", "1", "--output", "json").out();
        String downstream = JsonParser.parseString(bId).getAsJsonObject().getAsJsonArray("jobs").get(0)
                .getAsJsonObject().get("id").getAsString();
        GridRun text = local.client("status", downstream);
        assertThat(text.out()).contains("  after      " + a + "\n").contains("  args       chunk=7 n=30");
        assertThat(local.client("status", a).out()).contains("  then       " + downstream + "\n");
        assertThat(status(downstream).getAsJsonArray("after").get(0).getAsString()).isEqualTo(a);
    }

    @Test
    void aWaitingJobIsListedWithWhatItWaitsForAndIsCancelledWhenItsUpstreamIs() {
        String a = submit("--arg", "n=10", "--require", "gpu=none-here");
        String b = submit("--after", a, "--arg", "n=1");
        assertThat(status(b).get("state").getAsString()).isEqualTo("WAITING");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            GridRun jobs = local.client("jobs", "--state", "waiting");
            assertThat(jobs.code()).as(jobs.err()).isZero();
            assertThat(jobs.out()).contains(b).contains("WAITING").contains("waiting for " + a);
        });

        GridRun cancel = local.client("cancel", a);
        assertThat(cancel.code()).as(cancel.err()).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(status(b).get("state").getAsString()).isEqualTo("CANCELLED"));
        assertThat(status(b).get("error").getAsString()).isEqualTo("cancelled: " + a + ", which it runs after, "
                + "was cancelled");
    }

    @Test
    void unknownJobsAndResultsOfJobsNotWaitedForAreRefusedWithExitTwo() {
        int before = jobCount();
        GridRun unknown = local.client("submit", "--jar", jar.toString(), "--job", JOB, "--after", "job-999999",
                "--arg", "n=1");
        assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err().trim()).isEqualTo("grid submit: after: no job job-999999");

        String a = submit("--arg", "n=1");
        GridRun notAfter = local.client("submit", "--jar", jar.toString(), "--job", JOB,
                "--arg", "n=@result:" + a);
        assertThat(notAfter.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(notAfter.err().trim()).isEqualTo("grid submit: args: n=@result:" + a + " needs after: a job can "
                + "only read the result of a job it runs after");

        GridRun notInAfter = local.client("submit", "--jar", jar.toString(), "--job", JOB, "--after", a,
                "--arg", "n=@result:job-999999");
        assertThat(notInAfter.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(notInAfter.err().trim()).isEqualTo("grid submit: args: n=@result:job-999999: job-999999 is not in "
                + "after; a job can only read the result of a job it runs after");
        assertThat(jobCount()).as("only A stored").isEqualTo(before + 1);
    }
}
