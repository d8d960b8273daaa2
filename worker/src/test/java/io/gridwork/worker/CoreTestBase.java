package io.gridwork.worker;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.client.GridClient;
import io.gridwork.sdk.Codecs;
import io.gridwork.testing.DirectLoop;
import io.gridwork.testing.ManualTimer;
import io.gridwork.testing.TestJars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's core and its link against a master in this JVM (in-process transport), on a direct loop and a manual
 * timer: heartbeats, ticks, retries and grace periods happen only when the test moves time. Tasks run on the task
 * runner's real threads (the tests wait for their messages). The jar the master serves holds {@link SleepJob} and
 * {@link CheckpointJob}.
 */
abstract class CoreTestBase {

    @TempDir
    Path dir;

    final ManualTimer timer = new ManualTimer();
    final AtomicBoolean stopping = new AtomicBoolean();
    InProcessMaster master;
    String sha256;
    WorkerLoop loop;
    WorkerCore core;
    TaskRunner runner;
    JobCache cache;
    private long nextAttempt = 100;

    @BeforeEach
    void startMaster() throws Exception {
        Path jar = TestJars.of(dir.resolve("in"), "sleep.jar", SleepJob.class, CheckpointJob.class);
        sha256 = GridClient.sha256(jar);
        master = new InProcessMaster(Files.readAllBytes(jar));
    }

    @AfterEach
    void stopAll() {
        stopping.set(true);
        if (runner != null) {
            runner.shutdownNow();
        }
        if (cache != null) {
            cache.close();
        }
        master.close();
    }

    /** The options of worker {@code w1} of the tests, to add to. */
    WorkerOptions.Builder options(int slots, int prefetch) {
        return WorkerOptions.builder().master("m1:7070").name("w1").slots(slots).prefetch(prefetch).insecure(true)
                .workDir(dir.resolve("w1")).reconnectBackoffMax(Duration.ofSeconds(1));
    }

    /** Starts the worker's core, link and runner with {@code options}; it registers with the master at once. */
    void start(WorkerOptions options) throws Exception {
        loop = new WorkerLoop(new DirectLoop(), timer, timer.clock);
        RegisterRequest registration = RegisterRequest.newBuilder().setName("w1").setSlots(options.slots()).build();
        core = new WorkerCore(options, loop,
                (address, seed, host) -> new MasterLink(address, seed, master.channel(), loop, host, registration, 1000, 5000),
                probe -> new FromMaster.ProbeAnswer(probe.probeId(), true, "serving"), Runnable::run, stopping);
        cache = new JobCache(dir.resolve("w1").resolve("jars"), () -> loop.call(core::jarSources, Duration.ofSeconds(5))
                .stream().map(MasterLink::channel).toList(), Duration.ofSeconds(5), 1);
        runner = new TaskRunner(options, cache, timer, timer.clock, core.runnerListener());
        core.attach(cache, runner);
        core.start();
    }

    /** A job of {@link SleepJob} whose tasks sleep {@code ms}. */
    JobSpec spec(String jobId, long ms) {
        return JobSpec.newBuilder().setJobId(jobId).setJarSha256(sha256).setJobClass(SleepJob.class.getName())
                .setLeaseEpoch(1).putArgs("ms", Long.toString(ms)).putArgs("n", "1").build();
    }

    /** The first attempt of task {@code index}, a new attempt id each time. */
    TaskAssignment assignment(String jobId, long index) {
        return TaskAssignment.newBuilder().setRef(TaskRef.newBuilder().setJobId(jobId).setIndex(index)
                .setAttemptId(nextAttempt++)).setAttempt(1).setInput(ByteString.copyFrom(Codecs.LONG.encode(index)))
                .setSlots(1).build();
    }
}
