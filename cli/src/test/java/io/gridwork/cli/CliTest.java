package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.TaskCounts;
import io.gridwork.client.Credentials;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.gridwork.sdk.Codecs;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.NonRetryableException;
import io.gridwork.sdk.TaskContext;
import io.gridwork.testing.TestJars;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as a user types them, against a master and a worker in this JVM. */
class CliTest {

    /** Sums 0..n-1 in n tasks; task 'fail' (if given) fails for good. */
    public static final class SumJob extends GridJob<Long, Long, Long> {
        public SumJob() {
            super(Codecs.LONG, Codecs.LONG, Codecs.LONG);
        }

        @Override
        public Stream<Long> split(JobArgs args) {
            return LongStream.range(0, args.getLong("n")).boxed();
        }

        @Override
        public Long execute(Long x, TaskContext context) {
            System.out.println("adding " + x);
            if (x == context.args().getLong("fail", -1)) {
                System.err.println("task " + x + " is about to refuse");
                throw new NonRetryableException("task " + x + " refuses");
            }
            return x;
        }

        @Override
        public Long merge(Stream<Long> outputs, JobArgs args) {
            return outputs.mapToLong(Long::longValue).sum();
        }
    }

    @TempDir
    static Path dir;

    static LocalGrid local;
    static String address;
    static Path credentials;
    static Path jar;

    @BeforeAll
    static void startGrid() throws Exception {
        local = new LocalGrid(dir, "cli-w", 2);
        address = local.address;
        credentials = local.credentials;
        jar = TestJars.of(dir.resolve("in"), "sum.jar", SumJob.class);
    }

    @AfterAll
    static void stopGrid() {
        local.close();
    }

    static GridRun grid(String... args) {
        return LocalGrid.run(args);
    }

    static String[] client(String... args) {
        return local.withMaster(args);
    }

    @Test
    void submitWaitPrintsOnlyTheResultOnStdout() {
        GridRun run = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=100", "--wait"));
        assertThat(run.code()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).isEqualTo("4950\n");
        assertThat(run.err()).contains("SUCCEEDED");
    }

    @Test
    void submitPrintsTheIdThenStatusResultAndJobsWork() {
        GridRun submitted = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=10"));
        assertThat(submitted.code()).isZero();
        String id = submitted.out().trim();
        assertThat(id).matches("job-\\d+");
        assertThat(grid(client("wait", id)).code()).isZero();
        GridRun status = grid(client("status", id, "--output", "json"));
        JsonObject json = JsonParser.parseString(status.out()).getAsJsonObject();
        assertThat(json.get("id").getAsString()).isEqualTo(id);
        assertThat(json.get("state").getAsString()).isEqualTo("SUCCEEDED");
        assertThat(json.getAsJsonObject("tasks").get("total").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(json.getAsJsonObject("tasks").get("total").getAsLong()).isEqualTo(10);
        for (String field : new String[] {"succeeded", "running", "held", "queued", "failed"}) {
            assertThat(json.getAsJsonObject("tasks").has(field)).as(field).isTrue();
        }
        assertThat(json.get("result").getAsString()).isEqualTo("45");
        assertThat(grid(client("result", id)).out()).isEqualTo("45\n");
        assertThat(grid(client("jobs")).out()).contains(id).contains("SUCCEEDED");
        assertThat(grid(client("status", id)).out()).contains("10 total, 10 succeeded");
    }

    @Test
    void aFailedJobExitsOneWithTheTasksMessage() {
        GridRun run = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=5",
                "--arg", "fail=3", "--wait"));
        assertThat(run.code()).isEqualTo(ExitCodes.JOB_FAILED);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("FAILED: task 3 failed and is not retryable: task 3 refuses");
    }

    @Test
    void aJobNoWorkerCanRunIsWarnedOfAndAWaitTimeoutExitsSix() {
        GridRun run = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg",
                "n=3", "--require", "gpu=a100", "--wait", "--wait-timeout", "1s"));
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.WAIT_TIMEOUT);
        String id = run.err().replaceAll("(?s).*warning: job (job-\\d+) waits.*", "$1");
        assertThat(id).matches("job-\\d+");
        assertThat(run.err())
                .contains("grid submit: warning: job " + id + " waits: no worker matches gpu=a100; it starts once a "
                        + "worker that can run it connects (grid cancel " + id + " to drop it)")
                .contains(id + " QUEUED 0/").contains("waiting: no worker matches gpu=a100")
                .contains("grid submit: job " + id + " did not end within 1s (--wait-timeout); it goes on: wait again "
                        + "with grid wait " + id + ", or cancel it with grid cancel " + id);
        GridRun again = grid(client("wait", id, "--wait-timeout", "500ms"));
        assertThat(again.code()).isEqualTo(ExitCodes.WAIT_TIMEOUT);
        assertThat(again.err()).contains("did not end within 500ms (--wait-timeout)");
        assertThat(grid(client("cancel", id)).code()).isZero();
        String row = grid(client("jobs", "--state", "cancelled")).out().lines().filter(l -> l.startsWith(id + " "))
                .findFirst().orElseThrow();
        assertThat(row).as("a job that never started has no run time")
                .matches(id + "\\s+CANCELLED\\s+\\S*SumJob\\s+admin\\s+0/\\d+\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+-\\s+.*");
        assertThat(grid(client("status", id)).out()).contains("(never started)").doesNotContain("(ran ");

        GridRun big = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg",
                "n=3", "--slots-per-task", "4"));
        assertThat(big.code()).isZero();
        String bigId = big.out().trim();
        assertThat(big.err()).contains("warning: job " + bigId + " waits: no matching worker has 4 slots");
        assertThat(grid(client("cancel", bigId)).code()).isZero();

        GridRun runnable = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(),
                "--arg", "n=3", "--wait"));
        assertThat(runnable.code()).isZero();
        assertThat(runnable.err()).doesNotContain("warning");
    }

    @Test
    void aWaitTellsWhenItReconnects() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        GridRun run = grid("wait", "job-1", "--master", "127.0.0.1:" + port, "--credentials",
                credentials.toString(), "--wait-timeout", "1s");
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.WAIT_TIMEOUT);
        assertThat(run.err()).startsWith("reconnecting: cannot reach the master at 127.0.0.1:" + port
                + ": connection refused: is the master running?\n");
        assertThat(run.err().lines().filter(l -> l.contains("reconnecting")).count()).isEqualTo(1);
    }

    @Test
    void ctrlCDuringSubmitWaitSaysTheJobGoesOn() throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(javaBin.toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(java.util.List.of(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(),
                "--arg", "n=3", "--require", "gpu=none", "--wait")));
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            java.io.BufferedReader err = new java.io.BufferedReader(new java.io.InputStreamReader(
                    process.getErrorStream(), java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = err.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.contains(" QUEUED ")) {
                    break; // waiting: the progress line is out
                }
            }
            assertThat(seen.toString()).contains("QUEUED");
            String id = seen.toString().replaceAll("(?s).*warning: job (job-\\d+) waits.*", "$1");
            assertThat(id).matches("job-\\d+");
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start();
            assertThat(kill.waitFor()).isZero();
            String rest = err.lines().collect(java.util.stream.Collectors.joining("\n"));
            assertThat(process.waitFor()).isNotZero();
            assertThat(rest).contains("grid: stopped waiting; job " + id + " goes on: wait for it with grid wait " + id
                    + ", or cancel it with grid cancel " + id);
            GridRun status = grid(client("status", id));
            assertThat(status.out()).contains(id + "  QUEUED");
            assertThat(grid(client("cancel", id)).code()).isZero();
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void jobsFilterByStateOwnerAndClassAndWatch() throws Exception {
        GridRun ok = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=2"));
        String good = ok.out().trim();
        GridRun bad = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=2",
                "--arg", "fail=1"));
        String failed = bad.out().trim();
        grid(client("wait", good));
        grid(client("wait", failed));

        String onlyFailed = grid(client("jobs", "--state", "failed", "--limit", "1000")).out();
        assertThat(onlyFailed).contains(failed + " ").doesNotContain(good + " ");
        assertThat(onlyFailed.lines().skip(1)).allMatch(l -> l.contains(" FAILED "));
        assertThat(grid(client("jobs", "--state", "succeeded,failed", "--limit", "1000")).out()).contains(good + " ")
                .contains(failed + " ");
        assertThat(grid(client("jobs", "--class", "SumJob")).out()).contains(good + " ").contains(failed + " ");
        assertThat(grid(client("jobs", "--class", SumJob.class.getName())).out()).contains(good + " ");
        assertThat(grid(client("jobs", "--class", "umJob")).out().trim()).isEqualTo("no jobs");
        assertThat(grid(client("jobs", "--owner", "admin")).out()).contains(good + " ");
        assertThat(grid(client("jobs", "--owner", "nobody")).out().trim()).isEqualTo("no jobs");
        GridRun badState = grid(client("jobs", "--state", "done"));
        assertThat(badState.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badState.err()).contains("--state").contains("queued, running, succeeded, failed, cancelled");

        // a submitter sees only its own jobs, whatever --owner says
        String submitter = grid(client("token", "create", "--role", "submitter", "--name", "filter-test")).out().trim();
        GridRun others = grid("jobs", "--owner", "admin", "--master", address, "--credentials",
                credentials.toString(), "--token", submitter);
        assertThat(others.code()).isZero();
        assertThat(others.out().trim()).isEqualTo("no jobs");

        StringWriter out = new StringWriter();
        java.util.concurrent.atomic.AtomicInteger code = new java.util.concurrent.atomic.AtomicInteger(-1);
        Thread watcher = new Thread(() -> code.set(Main.commandLine().setOut(new PrintWriter(out))
                .setErr(new PrintWriter(new StringWriter()))
                .execute(client("jobs", "--watch", "--interval", "100ms", "--state", "succeeded"))));
        watcher.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> out.toString().contains(good + " "));
        GridRun another = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(),
                "--arg", "n=2", "--wait"));
        assertThat(another.code()).isZero();
        String anotherId = grid(client("jobs", "--limit", "1")).out().lines().skip(1).findFirst().orElseThrow()
                .split("\\s+")[0];
        await().atMost(Duration.ofSeconds(20)).until(() -> out.toString().contains(anotherId + " "));
        watcher.interrupt();
        watcher.join(10_000);
        assertThat(watcher.isAlive()).isFalse();
        assertThat(out.toString().split("\nID ", -1).length).as("the list is printed again when it changed")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void logsShowEachAttemptsOutputAndAFailuresStackTrace() {
        String id = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=5",
                "--arg", "fail=3")).out().trim();
        assertThat(grid(client("wait", id)).code()).isEqualTo(ExitCodes.JOB_FAILED);

        GridRun logs = grid(client("logs", id, "--task", "3"));
        assertThat(logs.code()).isEqualTo(ExitCodes.OK);
        assertThat(logs.out()).startsWith("== task 3, attempt 1: FAILED on cli-w, started ")
                .contains("\nerror: task 3 refuses\n")
                .contains("-- output (stdout and stderr)\nadding 3\ntask 3 is about to refuse\n")
                .contains("-- stack trace\nio.gridwork.sdk.NonRetryableException: task 3 refuses\n\tat ")
                .contains("CliTest$SumJob.execute(CliTest.java:");

        GridRun all = grid(client("logs", id));
        assertThat(all.out()).contains("== task 3, attempt 1: FAILED").contains("adding 3\n");
        assertThat(all.out().lines().filter(l -> l.startsWith("== task "))).hasSizeGreaterThanOrEqualTo(1);

        GridRun json = grid(client("logs", id, "--task", "3", "--attempt", "1", "--output", "json"));
        JsonObject attempt = JsonParser.parseString(json.out().lines().findFirst().orElseThrow()).getAsJsonObject();
        assertThat(attempt.get("outcome").getAsString()).isEqualTo("FAILED");
        assertThat(attempt.get("worker_name").getAsString()).isEqualTo("cli-w");
        assertThat(attempt.get("log").getAsString()).isEqualTo("adding 3\ntask 3 is about to refuse\n");

        GridRun followed = grid(client("logs", id, "--follow", "--failed"));
        assertThat(followed.code()).as("the job's outcome").isEqualTo(ExitCodes.JOB_FAILED);
        assertThat(followed.out()).contains("== task 3, attempt 1: FAILED").doesNotContain("SUCCEEDED");

        GridRun status = grid(client("status", id, "--verbose"));
        assertThat(status.code()).isEqualTo(ExitCodes.OK);
        assertThat(status.out()).containsPattern("  attempts   \\d did not succeed \\(their output: grid logs " + id
                + " --failed\\)\n")
                .contains("\n    task 3, attempt 1: FAILED on cli-w, started ")
                .contains("      error: task 3 refuses\n      io.gridwork.sdk.NonRetryableException: task 3 refuses\n");
        // the verbose section is not there (the usage line counts attempts too)
        assertThat(grid(client("status", id)).out()).doesNotContain("\n  attempts   ");
    }

    @Test
    void logsRefuseBadInputWithOneLine() {
        String id = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=2"))
                .out().trim();
        assertThat(grid(client("wait", id)).code()).isZero();
        GridRun noTask = grid(client("logs", id, "--attempt", "2"));
        assertThat(noTask.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noTask.err()).isEqualTo("grid logs: --attempt needs --task: an attempt number is a task's\n");
        GridRun unknownTask = grid(client("logs", id, "--task", "9"));
        assertThat(unknownTask.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknownTask.err()).isEqualTo("grid logs: task: job " + id + " has no task 9 (it has 2, numbered from 0)\n");
        GridRun unknownAttempt = grid(client("logs", id, "--task", "1", "--attempt", "4"));
        assertThat(unknownAttempt.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknownAttempt.err()).isEqualTo("grid logs: attempt: task 1 of job " + id + " has no attempt 4\n");
        GridRun unknownJob = grid(client("logs", "job-424242"));
        assertThat(unknownJob.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknownJob.err()).isEqualTo("grid logs: job_id: no job job-424242\n");
        GridRun noFailure = grid(client("logs", id, "--failed"));
        assertThat(noFailure.code()).isEqualTo(ExitCodes.OK);
        assertThat(noFailure.out()).isEmpty();
        assertThat(noFailure.err()).isEqualTo("job " + id + ": no attempt that did not succeed yet\n");
        GridRun fine = grid(client("logs", id, "--task", "1"));
        assertThat(fine.out()).startsWith("== task 1, attempt 1: SUCCEEDED on cli-w").contains("adding 1\n")
                .doesNotContain("stack trace");
    }

    @Test
    void workersJsonHasTheContractFields() {
        GridRun run = grid(client("workers", "--output", "json"));
        assertThat(run.code()).isZero();
        JsonObject w = JsonParser.parseString(run.out()).getAsJsonObject().getAsJsonArray("workers").get(0).getAsJsonObject();
        for (String field : new String[] {"id", "name", "state", "slots", "labels", "running", "held", "completed",
                "speed", "health_address"}) {
            assertThat(w.has(field)).as(field).isTrue();
        }
        assertThat(w.get("health_address").getAsString()).matches(".+:\\d+");
        GridRun table = grid(client("workers"));
        assertThat(table.out().lines().findFirst().orElseThrow()).contains("RUNNING").contains("HELD").contains("SPEED");
        assertThat(w.get("name").getAsString()).isEqualTo("cli-w");
        assertThat(w.get("state").getAsString()).isEqualTo("ALIVE");
        assertThat(w.get("completed").getAsJsonPrimitive().isNumber()).isTrue();
    }

    @Test
    void workersWatchShowsTheTableThenStateChanges() throws Exception {
        StringWriter out = new StringWriter();
        Thread watching = new Thread(() -> Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()))
                .execute(client("workers", "--watch", "--history", "5")));
        watching.start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> out.toString().contains("cli-w  ALIVE  joined"));
            assertThat(out.toString()).startsWith("NAME");
        } finally {
            watching.interrupt();
            watching.join(10_000);
        }
        assertThat(watching.isAlive()).isFalse();
    }

    @Test
    void badInputExitsTwoWithOneLine() throws Exception {
        GridRun malformed = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "noequals"));
        assertThat(malformed.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(malformed.err()).isEqualTo("grid submit: --arg must be KEY=VALUE, got 'noequals'\n");

        GridRun unknownClass = grid(client("submit", "--jar", jar.toString(), "--job", "no.Such", "--wait"));
        assertThat(unknownClass.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknownClass.err()).isEqualTo("grid submit: job_class: no class no.Such in the jar"
                + " (the jar's job classes: " + SumJob.class.getName() + ")\n");

        Path notAJar = Files.writeString(dir.resolve("not.jar"), "text");
        GridRun badJar = grid(client("submit", "--jar", notAJar.toString(), "--job", "a.B"));
        assertThat(badJar.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badJar.err()).startsWith("grid submit: jar: file is not a jar").doesNotContain("\tat ");

        GridRun unknownOption = grid("submit", "--frobnicate");
        assertThat(unknownOption.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknownOption.err().lines().count()).isEqualTo(1);

        GridRun unknownJob = grid(client("status", "job-424242"));
        assertThat(unknownJob.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknownJob.err()).isEqualTo("grid status: job_id: no job job-424242\n");
    }

    @Test
    void placementOptionsAreCheckedAndShown() {
        GridRun badPriority = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=1",
                "--priority", "5000"));
        assertThat(badPriority.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badPriority.err()).isEqualTo("grid submit: --priority must be from -1000 to 1000\n");

        GridRun badSlots = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=1",
                "--slots-per-task", "-1"));
        assertThat(badSlots.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badSlots.err()).isEqualTo("grid submit: --slots-per-task must be from 1 to 4096\n");

        GridRun zeroQuorum = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg",
                "n=1", "--quorum", "0"));
        assertThat(zeroQuorum.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(zeroQuorum.err()).isEqualTo("grid submit: --quorum must be from 1 to 16\n");
        GridRun maxAlone = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg",
                "n=1", "--quorum-max", "3"));
        assertThat(maxAlone.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(maxAlone.err()).isEqualTo("grid submit: --quorum-max needs --quorum\n");
        GridRun maxBelow = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg",
                "n=1", "--quorum", "3", "--quorum-max", "2"));
        assertThat(maxBelow.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(maxBelow.err()).isEqualTo("grid submit: --quorum-max must be from the quorum (3) to 32\n");
        GridRun resetNobody = grid(client("workers", "reset-trust", "nobody"));
        assertThat(resetNobody.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(resetNobody.err()).isEqualTo("grid workers reset-trust: worker: no worker or trust record named "
                + "nobody\n");

        GridRun badRequire = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=1",
                "--require", "mem>=lots"));
        assertThat(badRequire.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badRequire.err()).isEqualTo("grid submit: options.require: 'mem>=lots' compares with a number, and "
                + "'lots' is not one\n");

        GridRun typoRequire = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(),
                "--arg", "n=1", "--require", "os==="));
        assertThat(typoRequire.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(typoRequire.err()).startsWith("grid submit: options.require: 'os===' has more than one operator");

        GridRun placed = grid(client("submit", "--jar", jar.toString(), "--job", SumJob.class.getName(), "--arg", "n=10",
                "--require", "slots>=2 && name=cli-w", "--slots-per-task", "2", "--priority", "7", "--no-speculation",
                "--wait"));
        assertThat(placed.code()).as(placed.err()).isZero();
        assertThat(placed.out()).isEqualTo("45\n");
        String id = JsonParser.parseString(grid(client("jobs", "--output", "json", "--limit", "1")).out()).getAsJsonObject()
                .getAsJsonArray("jobs").get(0).getAsJsonObject().get("id").getAsString();
        GridRun status = grid(client("status", id));
        assertThat(status.out()).contains("  placement  require slots>=2 && name=cli-w, 2 slots per task, priority 7, "
                + "no speculation");
        JsonObject json = JsonParser.parseString(grid(client("status", id, "--output", "json")).out()).getAsJsonObject();
        assertThat(json.get("require").getAsString()).isEqualTo("slots>=2 && name=cli-w");
        assertThat(json.get("slots_per_task").getAsInt()).isEqualTo(2);
        assertThat(json.get("priority").getAsInt()).isEqualTo(7);
        assertThat(json.get("speculation").getAsBoolean()).isFalse();
    }

    @Test
    void drainAndUndrainAWorker() {
        GridRun drained = grid(client("workers", "drain", "cli-w"));
        try {
            assertThat(drained.code()).as(drained.err()).isZero();
            assertThat(drained.out()).startsWith("worker cli-w (").contains(") is DRAINING: it takes no new tasks");
            assertThat(grid(client("workers")).out()).containsPattern("cli-w +w-\\d+ +DRAINING");
        } finally {
            GridRun undrained = grid(client("workers", "undrain", "cli-w"));
            assertThat(undrained.code()).as(undrained.err()).isZero();
            assertThat(undrained.out()).contains(") is ALIVE: it takes tasks again");
        }
        GridRun unknown = grid(client("workers", "drain", "nobody"));
        assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).isEqualTo("grid workers drain: worker: no worker named nobody\n");
        GridRun missing = grid(client("workers", "drain"));
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void anUnreachableMasterExitsThree() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        GridRun run = grid("jobs", "--master", "127.0.0.1:" + port, "--credentials", credentials.toString());
        assertThat(run.code()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(run.err()).isEqualTo("grid jobs: cannot reach the master at 127.0.0.1:" + port
                + ": connection refused: is the master running?\n");
        GridRun badAddress = grid("jobs", "--master", "host:port", "--credentials", credentials.toString());
        assertThat(badAddress.code()).isEqualTo(ExitCodes.USAGE);
        GridRun unknownHost = grid("jobs", "--master", "no-such-host.invalid", "--credentials", credentials.toString());
        assertThat(unknownHost.code()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(unknownHost.err()).isEqualTo("grid jobs: cannot reach the master at no-such-host.invalid:7070: "
                + "unknown host no-such-host.invalid\n");
    }

    @Test
    void theDashboardsPortIsNamedAsSuch() {
        int http = local.master.httpPort();
        assertThat(http).isPositive();
        GridRun run = grid("jobs", "--master", "127.0.0.1:" + http, "--credentials", credentials.toString());
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(run.err()).isEqualTo("grid jobs: the master at 127.0.0.1:" + http + " answered HTTP, not gRPC: "
                + "this looks like the master's dashboard (HTTP) port; give the master's gRPC port (the master's --port, "
                + "default 7070) with --master HOST:PORT\n");
    }

    @Test
    void anAddressWithoutAPortTakesTheDefaultPort() {
        assertThat(ClientOptions.resolveMaster("m1", null)).isEqualTo("m1:7070");
        assertThat(ClientOptions.resolveMaster(" m1 , m2:7080,[::1]", null)).isEqualTo("m1:7070,m2:7080,[::1]:7070");
        assertThat(ClientOptions.resolveMaster("[::1]:7090", null)).isEqualTo("[::1]:7090");
        // accepted as 127.0.0.1:7070 (whatever listens there on this machine, if anything)
        GridRun hostOnly = LocalGrid.run("jobs", "--master", "127.0.0.1", "--credentials", credentials.toString(),
                "--timeout", "2s");
        assertThat(hostOnly.code()).as(hostOnly.err()).isNotEqualTo(ExitCodes.USAGE);
        assertThat(hostOnly.err()).doesNotContain("must be HOST:PORT");
    }

    @Test
    void aMissingWrongOrRefusedCredentialExitsFour() throws Exception {
        Credentials creds = Credentials.read(credentials);
        Path noToken = dir.resolve("no-token");
        new Credentials(address, null, creds.ca().orElseThrow(), null).write(noToken, "test", true);
        GridRun missing = grid("jobs", "--master", address, "--credentials", noToken.toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.AUTH);
        assertThat(missing.err()).isEqualTo("grid jobs: missing credential: pass --token, set GRID_TOKEN, or use --credentials FILE\n");

        GridRun wrong = grid("jobs", "--master", address, "--credentials", credentials.toString(), "--token",
                "gw1.00000000." + "0".repeat(64));
        assertThat(wrong.code()).isEqualTo(ExitCodes.AUTH);
        assertThat(wrong.err()).isEqualTo("grid jobs: the token is not valid for this master\n");

        Path noCa = dir.resolve("no-ca");
        new Credentials(address, creds.token().orElseThrow(), null, null).write(noCa, "test", true);
        GridRun unverifiable = grid("jobs", "--master", address, "--credentials", noCa.toString());
        assertThat(unverifiable.code()).isEqualTo(ExitCodes.AUTH);
        assertThat(unverifiable.err()).startsWith("grid jobs: no CA to check the master against");

        GridRun missingFile = grid("jobs", "--master", address, "--credentials", dir.resolve("nope").toString());
        assertThat(missingFile.code()).isEqualTo(ExitCodes.AUTH);

        GridRun viewerCancels = grid(client("token", "create", "--role", "viewer", "--name", "watcher"));
        assertThat(viewerCancels.code()).isZero();
        String viewer = viewerCancels.out().trim();
        GridRun refused = grid("cancel", "job-1", "--master", address, "--credentials", credentials.toString(), "--token", viewer);
        assertThat(refused.code()).isEqualTo(ExitCodes.AUTH);
        assertThat(refused.err()).isEqualTo("grid cancel: role viewer may not cancel jobs\n");

        GridRun plaintext = grid("jobs", "--master", address, "--insecure");
        assertThat(plaintext.code()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(plaintext.err().lines().count()).isEqualTo(1);
        assertThat(plaintext.err()).contains("leave out --insecure");
    }

    @Test
    void aTlsClientOfAnInsecureMasterIsToldWhy() throws Exception {
        try (GridMaster plain = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0).httpPort(0)
                .dataDir(dir.resolve("plain")).insecure(true).build())) {
            String at = "127.0.0.1:" + plain.port();
            GridRun tls = grid("jobs", "--master", at, "--credentials", credentials.toString());
            assertThat(tls.code()).as(tls.err()).isEqualTo(ExitCodes.AUTH);
            assertThat(tls.err()).startsWith("grid jobs: TLS with the master at " + at + " failed");
            GridRun plaintext = grid("jobs", "--master", at, "--insecure");
            assertThat(plaintext.code()).as(plaintext.err()).isZero();
            String dashboard = "127.0.0.1:" + plain.httpPort();
            GridRun http = grid("jobs", "--master", dashboard, "--insecure");
            assertThat(http.code()).as(http.err()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(http.err()).startsWith("grid jobs: the master at " + dashboard + " answered HTTP, not gRPC");
        }
    }

    @Test
    void tokensCanBeCreatedListedAndRevokedAndTheAuditLogShowsIt() {
        GridRun created = grid(client("token", "create", "--role", "submitter", "--name", "lab-team"));
        assertThat(created.code()).isZero();
        String token = created.out().trim();
        assertThat(token).matches("gw1\\.[0-9a-f]{8}\\.[0-9a-f]{64}");
        assertThat(created.err()).contains("token lab-team").contains("shown only now");
        GridRun list = grid(client("token", "list"));
        assertThat(list.out()).contains("lab-team").contains("submitter").doesNotContain(token);
        GridRun works = grid("workers", "--master", address, "--credentials", credentials.toString(), "--token", token);
        assertThat(works.code()).isZero();
        assertThat(grid(client("token", "revoke", "lab-team")).code()).isZero();
        GridRun revoked = grid("workers", "--master", address, "--credentials", credentials.toString(), "--token", token);
        assertThat(revoked.code()).isEqualTo(ExitCodes.AUTH);
        assertThat(revoked.err()).contains("was revoked");
        GridRun join = grid(client("token", "create", "--role", "worker", "--name", "new-machines"));
        assertThat(join.out().trim()).startsWith("gwj1.");
        assertThat(join.err()).contains("grid worker --master MASTER:PORT --join-token");
        GridRun audit = grid(client("audit"));
        assertThat(audit.out()).contains("token.create").contains("token.revoke").contains("lab-team");
    }

    @Test
    void jsonPrintsInt64AsNumbers() {
        String json = Json.print(JobStatus.newBuilder().setId("j").setTasks(TaskCounts.newBuilder().setTotal(1L << 40)).build());
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        assertThat(o.getAsJsonObject("tasks").get("total").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(o.getAsJsonObject("tasks").get("total").getAsLong()).isEqualTo(1L << 40);
        assertThat(o.has("result")).isFalse();
    }

    @Test
    void durationsAsPeopleWriteThem() {
        DurationConverter c = new DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.convert("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(c.convert("PT1M")).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void durationsArePrintedInOneFormat() {
        assertThat(Formats.duration(Duration.ZERO)).isEqualTo("0ms");
        assertThat(Formats.duration(Duration.ofMillis(450))).isEqualTo("450ms");
        assertThat(Formats.duration(Duration.ofMillis(1000))).isEqualTo("1s");
        assertThat(Formats.duration(Duration.ofMillis(2500))).isEqualTo("2.5s");
        assertThat(Formats.duration(Duration.ofSeconds(10))).isEqualTo("10s");
        assertThat(Formats.duration(Duration.ofMillis(59_940))).isEqualTo("59.9s");
        assertThat(Formats.duration(Duration.ofMillis(59_960))).isEqualTo("1m00s");
        assertThat(Formats.duration(Duration.ofSeconds(70))).isEqualTo("1m10s");
        assertThat(Formats.duration(Duration.ofMinutes(123))).isEqualTo("2h03m");
        assertThat(Formats.duration(Duration.ofHours(76))).isEqualTo("3d04h");
        assertThat(Formats.duration(Duration.ofSeconds(-3))).isEqualTo("0ms");
        assertThat(Formats.count(1, "slot")).isEqualTo("1 slot");
        assertThat(Formats.count(0, "byte")).isEqualTo("0 bytes");
        assertThat(Formats.count(8, "byte")).isEqualTo("8 bytes");
    }
}
