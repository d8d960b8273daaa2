package io.gridwork.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.jobs.TallyJob;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.testing.TestJars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle owners (issue 19) between real JVMs: a worker run with {@code --when-idle}'s owner test replaced by a script
 * ({@code --idle-command}) whose answer the test flips to busy in the middle of a job. The worker shows OWNER_BUSY,
 * hands its running tasks back after its grace period ({@code --vacate-after}), the job finishes on the other worker
 * with the exact result and no failure, and the worker is back in service once the script says idle again.
 */
class OwnerIdleIT {

    /** The grace period of the owner's worker, short so the test is short. */
    private static final Duration VACATE_AFTER = Duration.ofSeconds(2);

    @TempDir
    static Path dir;

    static GridProcesses grid;
    static GridClient client;
    static String master;
    static Path jar;
    static Path busyFlag;
    static Path idleScript;
    static Process desk;

    @BeforeAll
    static void startGrid() throws Exception {
        grid = new GridProcesses(dir);
        Path data = dir.resolve("master");
        master = grid.startMaster("master", data);
        client = GridClient.builder().target(master).credentials(Credentials.read(data.resolve(Credentials.FILE_NAME)))
                .build();
        busyFlag = dir.resolve("owner-is-busy");
        idleScript = dir.resolve("idle.sh");
        // the owner's own test: idle (exit 0) while the flag file is absent
        Files.writeString(idleScript, "#!/bin/sh\ntest ! -e '" + busyFlag + "'\n");
        Files.setPosixFilePermissions(idleScript, PosixFilePermissions.fromString("rwxr-xr-x"));
        desk = grid.start("desk", "worker", "--master", master, "--slots", "2", "--name", "desk",
                "--work-dir", dir.resolve("desk").toString(), "--drain-timeout", "2s",
                "--idle-command", idleScript.toString(), "--vacate-after", VACATE_AFTER.toSeconds() + "s");
        grid.start("spare", "worker", "--master", master, "--slots", "3", "--name", "spare",
                "--work-dir", dir.resolve("spare").toString(), "--drain-timeout", "2s");
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() ->
                client.workers(false).stream().filter(w -> w.getState() == WorkerInfo.State.ALIVE).count() == 2);
        jar = TestJars.of(dir.resolve("jobs"), "tally.jar", TallyJob.class);
    }

    @AfterAll
    static void stopGrid() throws Exception {
        if (client != null) {
            client.close();
        }
        if (grid != null) {
            grid.close();
        }
    }

    private static WorkerInfo worker(String name) {
        return client.workers(true).stream().filter(w -> w.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void theOwnersWorkerVacatesWhenTheOwnerComesBackAndTheJobFinishesElsewhere() throws Exception {
        try {
            vacatesAndFinishesElsewhere();
        } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + grid.logs(), e);
        }
    }

    private void vacatesAndFinishesElsewhere() throws Exception {
        WorkerInfo before = worker("desk");
        assertThat(before.getWhenIdle()).isTrue();
        assertThat(before.getOwnerReason()).isEmpty();
        assertThat(worker("spare").getWhenIdle()).isFalse();

        Path log = dir.resolve("executions.log");
        // tasks longer than a check interval (3 s) and the grace period (2 s): the owner's worker is still running
        // them when it vacates
        int n = 6;
        String job = client.submit(JobSubmission.builder().jar(jar).jobClass(TallyJob.class.getName())
                .arg("n", Integer.toString(n)).arg("ms", "8000").arg("log", log.toString()).build());
        // the owner's worker is running tasks of the job
        await().atMost(Duration.ofSeconds(60)).until(() -> worker("desk").getRunning() > 0);

        Files.createFile(busyFlag); // the owner is back
        await().atMost(Duration.ofSeconds(15)).until(() -> worker("desk").getState() == WorkerInfo.State.OWNER_BUSY);
        WorkerInfo busy = worker("desk");
        assertThat(busy.getOwnerReason()).isEqualTo("owner busy: the idle command exited 1");

        // within the grace period (and a check interval), its running tasks are handed back
        await().atMost(VACATE_AFTER.plusSeconds(15)).until(() -> worker("desk").getRunning() == 0);

        JobStatus done = client.await(job, Duration.ofMinutes(2), s -> { });
        assertThat(done.getState()).as(done.getError()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(done.getResult()).isEqualTo(TallyJob.expected(n));
        assertThat(done.getTasks().getSucceeded()).isEqualTo(n);
        assertThat(done.getTasks().getRetried()).as("a vacated attempt is not a failure").isZero();
        assertThat(done.getTasks().getFailed()).isZero();

        // the owner's worker started tasks it never finished (vacated); every one of them finished elsewhere
        Set<Long> deskPids = new HashSet<>();
        deskPids.add(desk.pid());
        desk.toHandle().descendants().forEach(h -> deskPids.add(h.pid()));
        Map<Long, Set<Long>> startedOnDesk = new HashMap<>();
        Map<Long, Set<Long>> doneBy = new HashMap<>();
        for (String line : Files.readAllLines(log)) {
            String[] f = line.split(" "); // what i attempt pid millis
            long task = Long.parseLong(f[1]);
            long pid = Long.parseLong(f[3]);
            if (f[0].equals("start") && deskPids.contains(pid)) {
                startedOnDesk.computeIfAbsent(task, k -> new HashSet<>()).add(pid);
            }
            if (f[0].equals("done")) {
                doneBy.computeIfAbsent(task, k -> new HashSet<>()).add(pid);
            }
        }
        List<Long> vacated = startedOnDesk.keySet().stream()
                .filter(t -> doneBy.getOrDefault(t, Set.of()).stream().noneMatch(deskPids::contains)).toList();
        assertThat(vacated).as("tasks interrupted on the owner's worker").isNotEmpty();
        for (long t : vacated) {
            assertThat(doneBy.get(t)).as("task " + t + " finished on another worker").isNotEmpty()
                    .noneMatch(deskPids::contains);
        }

        // still busy: shown so by grid workers, with the reason under the table
        GridProcesses.Result table = grid.run("workers", "--master", master);
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).containsPattern("desk +\\S+ +OWNER_BUSY ")
                .contains("desk: owner busy: the idle command exited 1");

        // the owner is idle again: the worker takes tasks again
        Files.delete(busyFlag);
        await().atMost(Duration.ofSeconds(15)).until(() -> worker("desk").getState() == WorkerInfo.State.ALIVE);
        assertThat(worker("desk").getOwnerReason()).isEmpty();
        String again = client.submit(JobSubmission.builder().jar(jar).jobClass(TallyJob.class.getName())
                .arg("n", "10").arg("ms", "1000").build());
        await().atMost(Duration.ofSeconds(60)).until(() -> worker("desk").getRunning() > 0);
        assertThat(client.await(again, Duration.ofMinutes(2), s -> { }).getResult()).isEqualTo(TallyJob.expected(10));
    }

    /** Through the launcher, as an owner would run it (every bad setting: WorkerOwnerOptionsTest, in process). */
    @Test
    void anIdleCommandThatDoesNotExistStopsTheWorkerFromStarting() throws Exception {
        GridProcesses.Result command = grid.run("worker", "--master", master, "--name", "bad2", "--work-dir",
                dir.resolve("bad2").toString(), "--idle-command", dir.resolve("no-such-script").toString());
        assertThat(command.code()).isEqualTo(2);
        assertThat(command.err().trim()).isEqualTo("grid worker: idle-command: " + dir.resolve("no-such-script")
                + " does not exist or is not executable");
    }
}
