package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import io.gridwork.testing.TestJars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code grid schedule} against a master (real H2 file, real Quartz) and a worker in this JVM. */
class ScheduleCliTest {

    /**
     * One task that returns its argument {@code ms}; with the argument {@code until}, a file, it runs until that file
     * exists (so a test decides how long a job runs, not a timer), at most a minute.
     */
    public static final class HoldJob extends GridJob<Long, Long, Long> {
        public HoldJob() {
            super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
        }

        @Override
        public Stream<Long> split(JobArgs args) {
            return Stream.of(args.getLong("ms", 0));
        }

        @Override
        public Long execute(Long ms, TaskContext context) throws Exception {
            if (context.args().has("until")) {
                Path gate = Path.of(context.args().get("until"));
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                try (WatchService watch = gate.getFileSystem().newWatchService()) {
                    gate.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE);
                    while (!Files.exists(gate)) {
                        context.checkCancelled();
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("nobody created " + gate + " in a minute");
                        }
                        WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS); // a created file wakes it at once
                        if (key != null) {
                            key.pollEvents();
                            key.reset();
                        }
                    }
                }
            }
            return ms;
        }

        @Override
        public Long merge(Stream<Long> outputs, JobArgs args) {
            return outputs.mapToLong(Long::longValue).sum();
        }
    }

    /** The master's misfire threshold (Schedules.MISFIRE_THRESHOLD_MS): a fire time missed by more is a misfire. */
    static final long MISFIRE_THRESHOLD_MS = 2000;

    @TempDir
    static Path dir;

    static LocalGrid local;
    static Path jar;

    @BeforeAll
    static void startGrid() throws Exception {
        local = new LocalGrid(dir, "sched-w", 4);
        jar = TestJars.of(dir.resolve("in"), "hold.jar", HoldJob.class);
    }

    @AfterAll
    static void stopGrid() throws Exception {
        try (Stream<Path> gates = Files.list(dir.resolve("gates"))) {
            for (Path gate : gates.toList()) {
                release(gate);
            }
        } catch (java.nio.file.NoSuchFileException none) {
            // no test held a job
        }
        local.close();
    }

    /** A file that does not exist yet: a job given {@code until=} it runs until {@link #release} creates it. */
    static Path gate(String name) throws Exception {
        return Files.createDirectories(dir.resolve("gates")).resolve(name);
    }

    static void release(Path gate) throws Exception {
        if (!Files.exists(gate)) {
            Files.createFile(gate);
        }
    }

    /**
     * Waits, after pausing a schedule that fires every second, until its next fire time has passed by more than the
     * misfire threshold (2 s), so that resuming it now meets a misfire, which its policy handles. A paused schedule
     * shows no next fire time (it fires at none), so the bound is its cron's: within a second of the pause.
     */
    static void awaitMissedFireTime(String name) {
        JsonObject paused = show(name);
        assertThat(paused.get("state").getAsString()).isEqualTo("PAUSED");
        assertThat(paused.getAsJsonArray("next_fire_times")).as("a paused schedule shows no next fire time").isEmpty();
        Instant missed = Instant.now().plusMillis(1000 + MISFIRE_THRESHOLD_MS + 200);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> Instant.now().isAfter(missed));
    }

    static GridRun grid(String... args) {
        return local.client(args);
    }

    static GridRun add(String name, String... more) {
        List<String> args = new ArrayList<>(List.of("schedule", "add", name, "--jar", jar.toString(), "--job",
                HoldJob.class.getName()));
        args.addAll(List.of(more));
        return grid(args.toArray(String[]::new));
    }

    static JsonObject show(String name) {
        GridRun r = grid("schedule", "show", name, "--output", "json", "--runs", "1000");
        assertThat(r.code()).as(r.err()).isZero();
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    static List<JsonObject> runs(String name, String outcome) {
        List<JsonObject> out = new ArrayList<>();
        JsonArray runs = show(name).getAsJsonArray("runs");
        for (JsonElement e : runs) {
            if (outcome == null || e.getAsJsonObject().get("outcome").getAsString().equals(outcome)) {
                out.add(e.getAsJsonObject());
            }
        }
        return out;
    }

    static long succeededJobs(String name) {
        return runs(name, "SUBMITTED").stream().filter(r -> r.get("job_state").getAsString().equals("SUCCEEDED")).count();
    }

    @Test
    void aScheduleFiringEverySecondStartsJobsThatSucceed() {
        GridRun added = add("every-second", "--cron", "* * * * * ?", "--arg", "ms=10");
        assertThat(added.code()).as(added.err()).isZero();
        assertThat(added.out()).startsWith("schedule every-second created: cron '* * * * * ?' in ");
        await().atMost(Duration.ofSeconds(20)).until(() -> succeededJobs("every-second") >= 3);
        grid("schedule", "pause", "every-second");

        JsonArray jobs = JsonParser.parseString(grid("jobs", "--schedule", "every-second", "--output", "json").out())
                .getAsJsonObject().getAsJsonArray("jobs");
        assertThat(jobs.size()).isGreaterThanOrEqualTo(3);
        for (JsonElement j : jobs) {
            assertThat(j.getAsJsonObject().get("schedule").getAsString()).isEqualTo("every-second");
        }
        GridRun text = grid("schedule", "show", "every-second");
        assertThat(text.out()).contains("every-second  PAUSED  cron '* * * * * ?'").contains("SUBMITTED").contains("SUCCEEDED");
        assertThat(text.out()).as("a paused schedule shows no next fire time").doesNotContain("  next ");
        assertThat(grid("schedule", "list").out()).containsPattern("(?m)^every-second\\s+PAUSED\\s+.*\\s-\\s+\\S*HoldJob\\s");
        assertThat(show("every-second").getAsJsonArray("next_fire_times")).isEmpty();
        assertThat(grid("jobs", "--schedule", "no-such-schedule").out().trim()).isEqualTo("no jobs");
        assertThat(grid("schedule", "remove", "every-second").code()).isZero();
    }

    @Test
    void pauseStopsFiringResumeFiresOnceForWhatWasMissedAndRemoveForgetsIt() throws Exception {
        assertThat(add("pausable", "--cron", "* * * * * ?", "--arg", "ms=1").code()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> !runs("pausable", "SUBMITTED").isEmpty());

        GridRun paused = grid("schedule", "pause", "pausable");
        assertThat(paused.out().trim()).isEqualTo("schedule pausable paused");
        assertThat(show("pausable").get("state").getAsString()).isEqualTo("PAUSED");
        int before = runs("pausable", null).size();
        awaitMissedFireTime("pausable");
        assertThat(runs("pausable", null)).hasSize(before);

        assertThat(grid("schedule", "resume", "pausable").out().trim()).isEqualTo("schedule pausable resumed");
        assertThat(show("pausable").get("state").getAsString()).isEqualTo("ACTIVE");
        await().atMost(Duration.ofSeconds(10)).until(() -> runs("pausable", "SUBMITTED").stream()
                .anyMatch(r -> r.get("reason").getAsString().contains("(misfire policy fire-once)")));
        assertThat(runs("pausable", "MISSED")).isEmpty();

        List<JsonObject> jobsBefore = runs("pausable", "SUBMITTED");
        GridRun removed = grid("schedule", "remove", "pausable");
        assertThat(removed.out().trim()).isEqualTo("schedule pausable removed");
        GridRun gone = grid("schedule", "show", "pausable");
        assertThat(gone.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(gone.err()).isEqualTo("grid schedule show: name: no schedule named pausable\n");
        assertThat(grid("schedule", "list").out()).doesNotContain("pausable");
        // the jobs it started stay
        JsonArray jobs = JsonParser.parseString(grid("jobs", "--schedule", "pausable", "--output", "json", "--limit", "1000")
                .out()).getAsJsonObject().getAsJsonArray("jobs");
        assertThat(jobs.size()).isGreaterThanOrEqualTo(jobsBefore.size());
    }

    @Test
    void withMisfireSkipAMissedFireTimeIsRecordedAndNotRun() throws Exception {
        assertThat(add("skipper", "--cron", "* * * * * ?", "--misfire", "skip", "--arg", "ms=1").code()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> !runs("skipper", "SUBMITTED").isEmpty());
        grid("schedule", "pause", "skipper");
        awaitMissedFireTime("skipper");
        grid("schedule", "resume", "skipper");
        await().atMost(Duration.ofSeconds(10)).until(() -> !runs("skipper", "MISSED").isEmpty());
        JsonObject missed = runs("skipper", "MISSED").get(0);
        assertThat(missed.get("reason").getAsString()).contains("skipped (misfire policy skip)");
        assertThat(runs("skipper", "SUBMITTED")).noneMatch(r -> r.get("reason").getAsString().contains("fire-once"));
        assertThat(show("skipper").get("misfire").getAsString()).isEqualTo("MISFIRE_SKIP");
        grid("schedule", "remove", "skipper");
    }

    @Test
    void aFiringWhileThePreviousJobStillRunsIsSkippedAndRecorded() throws Exception {
        Path gate = gate("overlapping");
        assertThat(add("overlapping", "--cron", "* * * * * ?", "--arg", "until=" + gate).code()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> runs("overlapping", "SKIPPED").size() >= 2);
        grid("schedule", "pause", "overlapping");
        release(gate);
        JsonObject skipped = runs("overlapping", "SKIPPED").get(0);
        assertThat(skipped.get("reason").getAsString()).matches("its previous job job-\\d+ was still (QUEUED|RUNNING) "
                + "\\(overlap policy skip\\)");
        // never two of its jobs at once: each submission came after the one before it had ended
        List<JsonObject> submitted = runs("overlapping", "SUBMITTED");
        assertThat(submitted.size()).isLessThanOrEqualTo(runs("overlapping", null).size() / 2 + 1);
        grid("schedule", "remove", "overlapping");
    }

    @Test
    void withOverlapQueueAFiringWaitsForThePreviousJobThenStarts() throws Exception {
        Path gate = gate("queued");
        assertThat(add("queued", "--cron", "* * * * * ?", "--overlap", "queue", "--arg", "until=" + gate).code()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> !runs("queued", "WAITING").isEmpty());
        assertThat(runs("queued", "SUBMITTED")).hasSize(1); // the held job; the firing after it waits
        release(gate);
        await().atMost(Duration.ofSeconds(20)).until(() -> runs("queued", "SUBMITTED").stream()
                .anyMatch(r -> r.get("reason").getAsString().equals("started when the job before it ended (overlap policy queue)")));
        grid("schedule", "pause", "queued");
        assertThat(runs("queued", "WAITING").size()).isLessThanOrEqualTo(1);
        assertThat(show("queued").get("overlap").getAsString()).isEqualTo("OVERLAP_QUEUE");
        grid("schedule", "remove", "queued");
    }

    @Test
    void aSingleFiringAtATime() {
        GridRun added = add("once", "--at", "+2s", "--arg", "ms=1");
        assertThat(added.code()).as(added.err()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> succeededJobs("once") == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> show("once").get("state").getAsString().equals("DONE"));
        assertThat(show("once").getAsJsonArray("next_fire_times")).isEmpty();
        assertThat(runs("once", null)).hasSize(1);
        grid("schedule", "remove", "once");
    }

    @Test
    void badInputIsOneLineExitTwoAndStoresNothing() {
        assertThat(add("kept", "--cron", "0 0 3 * * ?").code()).isZero();
        String listBefore = grid("schedule", "list", "--output", "json").out();

        GridRun badCron = add("x1", "--cron", "0 0 25 * * ?");
        assertThat(badCron.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badCron.err()).startsWith("grid schedule add: cron: '0 0 25 * * ?' is not a cron expression: ")
                .endsWith("\n").hasLineCount(1);
        GridRun unixCron = add("x2", "--cron", "0 3 * * *");
        assertThat(unixCron.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unixCron.err()).startsWith("grid schedule add: cron: '0 3 * * *' has 5 fields, like a Unix crontab line");
        GridRun zone = add("x3", "--cron", "0 0 3 * * ?", "--timezone", "Mars/Olympus");
        assertThat(zone.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(zone.err()).startsWith("grid schedule add: --timezone: unknown time zone 'Mars/Olympus'");
        GridRun duplicate = add("kept", "--cron", "0 0 4 * * ?");
        assertThat(duplicate.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(duplicate.err()).isEqualTo("grid schedule add: name: a schedule named kept exists\n");
        GridRun noJar = grid("schedule", "add", "x4", "--cron", "0 0 3 * * ?", "--jar", dir.resolve("none.jar").toString(),
                "--job", HoldJob.class.getName());
        assertThat(noJar.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noJar.err()).isEqualTo("grid schedule add: --jar: no such file " + dir.resolve("none.jar") + "\n");
        GridRun noClass = grid("schedule", "add", "x5", "--cron", "0 0 3 * * ?", "--jar", jar.toString(), "--job", "no.Such");
        assertThat(noClass.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noClass.err()).isEqualTo("grid schedule add: job_class: no class no.Such in the jar"
                + " (the jar's job classes: " + HoldJob.class.getName() + ")\n");
        GridRun badArg = add("x6", "--cron", "0 0 3 * * ?", "--arg", "ms=soon");
        assertThat(badArg.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badArg.err()).isEqualTo("grid schedule add: args: argument 'ms' must be an integer, got 'soon'\n");
        GridRun past = add("x7", "--at", "2020-01-01T00:00:00Z");
        assertThat(past.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(past.err()).isEqualTo("grid schedule add: at: 2020-01-01T00:00:00Z has passed\n");
        GridRun both = add("x8", "--cron", "0 0 3 * * ?", "--at", "+1h");
        assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.err()).isEqualTo("grid schedule add: give --cron EXPR or --at TIME (one of them)\n");
        GridRun badName = add("no spaces", "--cron", "0 0 3 * * ?");
        assertThat(badName.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badName.err()).startsWith("grid schedule add: name: 'no spaces' is not a schedule name");
        GridRun badPolicy = add("x9", "--cron", "0 0 3 * * ?", "--overlap", "sometimes");
        assertThat(badPolicy.code()).isEqualTo(ExitCodes.USAGE);

        assertThat(grid("schedule", "list", "--output", "json").out()).isEqualTo(listBefore);
        GridRun list = grid("schedule", "list");
        assertThat(list.out()).contains("kept").doesNotContain("x1").doesNotContain("x5");
        grid("schedule", "remove", "kept");
    }
}
