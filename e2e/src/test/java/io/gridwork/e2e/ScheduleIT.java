package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.Schedule;
import io.gridwork.api.v1.ScheduleRun;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.client.ScheduleSubmission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schedules across a real master crash: a master JVM (H2 file, Quartz JDBC store) killed with kill -9 while its
 * schedules fire, down across fire times, then restarted on the same data directory.
 */
class ScheduleIT {

    /** The master's misfire threshold (Schedules.MISFIRE_THRESHOLD_MS): a fire time missed by more is a misfire. */
    private static final Duration MISFIRE_THRESHOLD = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private GridProcesses grid;
    private Process master;
    private GridClient client;

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close();
        }
        if (grid != null) {
            grid.close();
        }
    }

    private void startMaster(int port) throws Exception {
        Path data = dir.resolve("master");
        Files.deleteIfExists(data.resolve("master.port"));
        master = grid.start("master-" + System.nanoTime(), "master", "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--data", data.toString());
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(data.resolve("master.port"))
                && !Files.readString(data.resolve("master.port")).isBlank() && Files.exists(data.resolve(Credentials.FILE_NAME)));
    }

    private List<ScheduleRun> runs(String name) {
        return client.schedule(name, 1000).getRunsList();
    }

    private static boolean between(ScheduleRun r, Instant from, Instant to) {
        Instant t = Instant.ofEpochSecond(r.getScheduledFor().getSeconds(), r.getScheduledFor().getNanos());
        return !t.isBefore(from) && !t.isAfter(to);
    }

    @Test
    void schedulesAndTheirHistorySurviveAMasterCrashAndMissedFireTimesFollowTheirPolicy() throws Exception {
        grid = new GridProcesses(dir);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        startMaster(port);
        Path credentials = dir.resolve("master").resolve(Credentials.FILE_NAME);
        grid.env("GRID_CREDENTIALS", credentials.toString());
        client = GridClient.builder().target("127.0.0.1:" + port).credentials(Credentials.read(credentials))
                .reconnectTimeout(Duration.ofSeconds(90)).build();
        grid.start("worker", "worker", "--master", "127.0.0.1:" + port, "--slots", "2", "--name", "sched-worker",
                "--work-dir", dir.resolve("worker").toString());
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> client.workers(false).size() == 1);

        // through the CLI, as a user would
        for (String[] s : new String[][] {{"catch-up", "fire-once"}, {"skip-missed", "skip"}}) {
            GridProcesses.Result r = grid.run("schedule", "add", s[0], "--cron", "*/3 * * * * ?", "--misfire", s[1],
                    "--jar", GridProcesses.EXAMPLES.toString(), "--job", "io.gridwork.examples.PiJob", "--arg",
                    "samples=100000", "--arg", "tasks=2", "--master", "127.0.0.1:" + port);
            assertThat(r.code()).as(r.err()).isZero();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> runs("catch-up").stream()
                .filter(r -> r.getJobState() == JobStatus.State.SUCCEEDED).count() >= 2
                && runs("skip-missed").stream().filter(r -> r.getJobState() == JobStatus.State.SUCCEEDED).count() >= 2);
        List<String> jobsBefore = runs("catch-up").stream().map(ScheduleRun::getJobId).collect(Collectors.toList());

        // kill -9, stay down across at least two fire times, come back on the same data
        List<Instant> fireTimes = client.schedule("catch-up", 0).getNextFireTimesList().stream()
                .map(t -> Instant.ofEpochSecond(t.getSeconds(), t.getNanos())).collect(Collectors.toList());
        master.destroyForcibly().waitFor();
        Instant down = Instant.now();
        // both schedules share the cron: down until the second fire time after the kill is a misfire (missed by more
        // than the master's 2 s misfire threshold), whatever the moment of the kill
        Instant secondMissed = fireTimes.stream().filter(t -> t.isAfter(down)).skip(1).findFirst().orElseThrow()
                .plus(MISFIRE_THRESHOLD).plusMillis(500);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> Instant.now().isAfter(secondMissed));
        Instant up = Instant.now();
        startMaster(port);

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> runs("catch-up").stream()
                .anyMatch(r -> r.getReason().contains("missed while the master was down or the schedule paused "
                        + "(misfire policy fire-once)")));
        // the history from before the crash is all there
        List<String> jobsAfter = runs("catch-up").stream().map(ScheduleRun::getJobId).collect(Collectors.toList());
        assertThat(jobsAfter).containsAll(jobsBefore);
        assertThat(client.schedules()).extracting(Schedule::getName).containsExactly("catch-up", "skip-missed");

        // fire-once: one firing for all that was missed, nothing for each fire time in the gap
        ScheduleRun catchUp = runs("catch-up").stream().filter(r -> r.getReason().contains("fire-once")).findFirst()
                .orElseThrow();
        assertThat(catchUp.getOutcome()).isEqualTo(ScheduleRun.Outcome.SUBMITTED);
        assertThat(catchUp.getReason()).startsWith("fired once for ");
        assertThat(runs("catch-up").stream().filter(r -> r.getReason().contains("fire-once"))).hasSize(1);
        assertThat(runs("catch-up").stream().filter(r -> r != catchUp && between(r, down.plusSeconds(1), up))).isEmpty();

        // skip: the missed fire times are recorded as MISSED and no job ran for them
        await().atMost(Duration.ofSeconds(30)).until(() -> runs("skip-missed").stream()
                .anyMatch(r -> r.getOutcome() == ScheduleRun.Outcome.MISSED));
        ScheduleRun missed = runs("skip-missed").stream().filter(r -> r.getOutcome() == ScheduleRun.Outcome.MISSED)
                .findFirst().orElseThrow();
        assertThat(missed.getReason()).contains("skipped (misfire policy skip)");
        assertThat(between(missed, down, up)).as(missed.toString()).isTrue();
        assertThat(runs("skip-missed").stream().filter(r -> r.getOutcome() == ScheduleRun.Outcome.SUBMITTED
                && between(r, down.plusSeconds(1), up))).isEmpty();

        // and both go on firing on their own times, with jobs that succeed
        int firedBefore = runs("skip-missed").size();
        await().atMost(Duration.ofSeconds(30)).until(() -> runs("skip-missed").stream()
                .filter(r -> r.getJobState() == JobStatus.State.SUCCEEDED).count() >= 3 && runs("skip-missed").size() > firedBefore);
        GridProcesses.Result jobs = grid.run("jobs", "--schedule", "catch-up", "--master", "127.0.0.1:" + port);
        assertThat(jobs.out()).contains("SUCCEEDED").contains("PiJob");
    }
}
