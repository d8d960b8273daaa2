package io.gridwork.master.core;

import io.gridwork.master.code.JarRepository;
import io.gridwork.master.store.JarRow;
import io.gridwork.master.store.Store;
import io.gridwork.master.store.WorkerRegistration;
import io.gridwork.master.testjobs.BrokenMergeJob;
import io.gridwork.master.testjobs.HangingMergeJob;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.master.testjobs.UnsizedJob;
import io.gridwork.sdk.Codecs;
import io.gridwork.testing.DirectLoop;
import io.gridwork.testing.ManualTimer;
import io.gridwork.testing.TestJars;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A scheduler on a fresh in-memory store, a manual clock and timer, a loop that runs on the test thread, and
 * fake workers whose streams record what the master sends. Nothing runs in the background: writes are committed
 * by {@link #commit()}, time moves by {@link #advance}.
 */
final class Harness implements AutoCloseable {

    final ManualTimer timer = new ManualTimer();
    final DirectLoop loop = new DirectLoop();
    final Store store;
    final JarRepository jars;
    final String jarSha;
    final SchedulerOptions options;
    final FakeProber prober = new FakeProber();
    final java.util.concurrent.ExecutorService jobCode;
    Scheduler scheduler;

    Harness(Path dir, SchedulerOptions options) throws Exception {
        this(dir, options, new DirectExecutorService());
    }

    /** With {@code jobCode} running job code (a real pool, for code that hangs). */
    /** The in-memory store's name: {@code StoreConfig.h2InMemory(storeName)} opens it from elsewhere. */
    final String storeName;

    Harness(Path dir, SchedulerOptions options, java.util.concurrent.ExecutorService jobCode) throws Exception {
        this.options = options;
        this.jobCode = jobCode;
        this.storeName = "scheduler-" + UUID.randomUUID();
        this.store = Store.inMemory(storeName);
        this.jars = new JarRepository(dir.resolve("jars"), store.jars(), timer.clock, 1 << 30);
        Path jar = TestJars.of(dir, "jobs.jar", SquaresJob.class, UnsizedJob.class, BrokenMergeJob.class,
                HangingMergeJob.class, io.gridwork.master.testjobs.DataChunksJob.class);
        this.jarSha = io.gridwork.client.GridClient.sha256(jar);
        JarRepository.Upload upload = jars.begin(jarSha, Files.size(jar), "jobs.jar");
        upload.write(Files.readAllBytes(jar));
        JarRow row = upload.finish();
        assert row.sha256().equals(jarSha);
        this.scheduler = newScheduler();
    }

    Harness(Path dir) throws Exception {
        this(dir, SchedulerOptions.builder().splitBatch(4).readyTasks(8).build());
    }

    private Scheduler newScheduler() {
        Scheduler s = new Scheduler(options, store, jars, timer.clock, loop, timer, jobCode, prober);
        s.recover();
        s.scheduleTicks();
        return s;
    }

    /**
     * A second master on the same store (the first one failed): a new scheduler running as {@code id} at a new epoch,
     * adopting at start what {@code masters} gives it.
     */
    void secondMaster(io.gridwork.master.store.MasterRepository masters, String id, boolean standby) {
        Scheduler s = new Scheduler(options, store, jars, timer.clock, loop, timer, jobCode, prober);
        s.membership(masters, id, store.masterInfo().nextEpoch(), java.time.Duration.ofSeconds(2), standby);
        s.recover();
        s.scheduleTicks();
        scheduler = s;
    }

    /** A new scheduler on the same store: the master restarted (its workers' streams are gone). */
    void restart() {
        scheduler = newScheduler();
    }

    JobSnapshot submit(Class<?> job, Map<String, String> args) {
        return submit(new Submission(jarSha, job.getName(), args, 0, 0));
    }

    JobSnapshot submit(Class<?> job, Map<String, String> args, int maxAttempts) {
        return submit(new Submission(jarSha, job.getName(), args, maxAttempts, 0));
    }

    /** Submits, commits until the submission completes (it completes only once the job is stored), and returns it. */
    JobSnapshot submit(Submission submission) {
        return completed(scheduler.submit(submission));
    }

    /**
     * Commits until {@code future} completes (job code may run on other threads), then its value, or the exception
     * it completed with (unwrapped, as the caller of a blocking call would see it).
     */
    <T> T completed(java.util.concurrent.CompletableFuture<T> future) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .pollInterval(java.time.Duration.ofMillis(1)).until(() -> {
                    commit();
                    return future.isDone();
                });
        try {
            return future.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** A submission of a job of the test jar with placement choices. */
    Submission submission(Class<?> job, Map<String, String> args, String owner, String require, int slotsPerTask,
            int priority, boolean noSpeculation) {
        return new Submission(jarSha, job.getName(), args, 0, 0, owner, require, slotsPerTask, priority, noSpeculation);
    }

    JobSnapshot job(String id) {
        return scheduler.job(id).orElseThrow();
    }

    /** Commits everything queued for the store, and what that leads to, until nothing is left. */
    void commit() {
        while (scheduler.drainJournal() > 0) {
            // each commit may queue more (for example the final state after a merge)
        }
    }

    void advance(java.time.Duration d) {
        timer.advance(d);
    }

    FakeWorker worker(String name, int slots, int prefetch) {
        return new FakeWorker(name, slots, prefetch, Map.of(), Map.of());
    }

    /** A worker with labels ({@code --label}) and platform attributes (os, arch, java, memory, cores). */
    FakeWorker worker(String name, int slots, int prefetch, Map<String, String> labels, Map<String, String> platform) {
        return new FakeWorker(name, slots, prefetch, labels, platform);
    }

    /** A job of one task ({@link SquaresJob} of n=1) running on a worker of one slot: its first attempt. */
    record OneTask(JobSnapshot job, FakeWorker worker, Messages.Assignment first) {}

    /** Submits a job of one task and starts it on a new worker {@code workerName} (one slot, one credit). */
    OneTask runOneTask(String workerName) {
        JobSnapshot job = submit(SquaresJob.class, Map.of("n", "1"));
        FakeWorker w = worker(workerName, 1, 0);
        w.credit(1);
        return new OneTask(job, w, w.assignments().get(0));
    }

    /**
     * The worker dies: its tasks go to a worker of one slot that joins once it is found dead (one there before would
     * be asked to probe it: see SchedulerTest). Returns the newcomer, given one credit.
     */
    FakeWorker replace(FakeWorker dead, String nextName) {
        dead.disconnect();
        advance(java.time.Duration.ofMillis(300));
        FakeWorker next = worker(nextName, 1, 0);
        next.credit(1);
        return next;
    }

    /** Health checks answered as the test says: a worker's health port is reachable or not. */
    static final class FakeProber implements Prober {
        final java.util.Set<Integer> reachablePorts = new java.util.HashSet<>();
        int probes;

        @Override
        public java.util.concurrent.CompletableFuture<Outcome> probe(String host, int port, java.time.Duration timeout) {
            probes++;
            boolean up = reachablePorts.contains(port);
            return java.util.concurrent.CompletableFuture.completedFuture(new Outcome(up, up ? "serving" : "connection refused"));
        }
    }

    @Override
    public void close() {
        scheduler.close();
        store.close();
    }

    /** A worker whose stream records what the master sends; the test says what it sends back. */
    private int nextHealthPort = 20000;

    final class FakeWorker implements Messages.WorkerLink {
        final String name;
        final int slots;
        final int prefetch;
        final Map<String, String> labels;
        final Map<String, String> platform;
        final int healthPort = nextHealthPort++;
        final List<Messages.Outbound> received = new ArrayList<>();
        Session session;
        String id;
        boolean closed;
        String closeReason;

        FakeWorker(String name, int slots, int prefetch, Map<String, String> labels, Map<String, String> platform) {
            this.name = name;
            this.slots = slots;
            this.prefetch = prefetch;
            this.labels = labels;
            this.platform = platform;
            connect(List.of());
        }

        RegisterOutcome connect(List<Messages.TaskKey> held) {
            RegisterOutcome outcome = completed(scheduler.registerAsync(new WorkerRegistration(name, slots, prefetch,
                    labels, "127.0.0.1", healthPort, platform, timer.clock.instant()), held));
            id = outcome.workerId();
            closed = false;
            session = scheduler.connect(outcome.workerId(), outcome.incarnation(), name, this);
            return outcome;
        }

        @Override
        public void send(Messages.Outbound message) {
            received.add(message);
        }

        @Override
        public void close(String reason) {
            closed = true;
            closeReason = reason;
        }

        List<Messages.Assignment> assignments() {
            List<Messages.Assignment> all = new ArrayList<>();
            received.forEach(m -> all.addAll(m.assignments));
            return all;
        }

        List<Messages.TaskKey> acks() {
            List<Messages.TaskKey> all = new ArrayList<>();
            received.forEach(m -> all.addAll(m.acks));
            return all;
        }

        List<Messages.Rejection> rejections() {
            List<Messages.Rejection> all = new ArrayList<>();
            received.forEach(m -> all.addAll(m.rejections));
            return all;
        }

        List<Messages.TaskKey> cancels() {
            List<Messages.TaskKey> all = new ArrayList<>();
            received.forEach(m -> all.addAll(m.cancels));
            return all;
        }

        List<Messages.Takeover> takeovers() {
            List<Messages.Takeover> all = new ArrayList<>();
            received.forEach(m -> all.addAll(m.takeovers));
            return all;
        }

        List<Messages.CheckpointAck> checkpointAcks() {
            List<Messages.CheckpointAck> all = new ArrayList<>();
            received.forEach(m -> all.addAll(m.checkpointAcks));
            return all;
        }

        /** The assignment the master sent last. */
        Messages.Assignment lastAssignment() {
            List<Messages.Assignment> all = assignments();
            return all.get(all.size() - 1);
        }

        List<String> endedJobs() {
            List<String> all = new ArrayList<>();
            received.forEach(m -> all.addAll(m.endedJobs));
            return all;
        }

        void send(int credit, List<Messages.Result> results) {
            scheduler.onMessage(session, new Messages.Inbound(credit, results, -1, List.of(), List.of(), false));
        }

        void credit(int n) {
            send(n, List.of());
        }

        /** Sends a checkpoint save on the worker's stream. */
        void checkpoint(Messages.Checkpoint c) {
            scheduler.onMessage(session, new Messages.Inbound(0, List.of(), -1, List.of(), List.of(), false, List.of(),
                    List.of(), List.of(), List.of(c)));
        }

        void heartbeat() {
            scheduler.onMessage(session, new Messages.Inbound(0, List.of(), 1, List.of(), List.of(), false));
        }

        /** Reports the square of the task's index, and takes one more task. */
        void succeed(Messages.Assignment a) {
            send(1, List.of(new Messages.Result(a.key(), Codecs.LONG.encode(a.key().index() * a.key().index()), null, 1)));
        }

        /** The same, saying the task ran for {@code durationMs}, and returning the slots it took. */
        void succeed(Messages.Assignment a, long durationMs) {
            send(a.slots(), List.of(new Messages.Result(a.key(), Codecs.LONG.encode(a.key().index() * a.key().index()),
                    null, durationMs)));
        }

        void fail(Messages.Assignment a, String message, boolean retryable) {
            send(1, List.of(new Messages.Result(a.key(), null,
                    new Messages.Failure(message, "java.lang.RuntimeException", retryable, ""), 1)));
        }

        /** The stream breaks (the process died, or the link). */
        void disconnect() {
            scheduler.onClosed(session, "test disconnect", false);
        }

        List<Messages.ProbeRequest> probeRequests() {
            List<Messages.ProbeRequest> all = new ArrayList<>();
            received.forEach(m -> all.addAll(m.probes));
            return all;
        }

        /** Answers every indirect probe asked of this worker so far. */
        void answerProbes(boolean reachable) {
            List<Messages.ProbeResult> results = new ArrayList<>();
            for (Messages.ProbeRequest p : probeRequests()) {
                results.add(new Messages.ProbeResult(p.probeId(), reachable, reachable ? "serving" : "refused"));
            }
            scheduler.onMessage(session, new Messages.Inbound(0, List.of(), -1, List.of(), List.of(), false, results, List.of()));
        }

        void progress(Messages.Assignment a, double fraction) {
            scheduler.onMessage(session, new Messages.Inbound(0, List.of(), -1,
                    List.of(new Messages.Progress(a.key(), fraction, "")), List.of(), false));
        }

        /** Says these tasks began executing (the others it holds stay prefetched). */
        void started(Messages.Assignment... started) {
            List<Messages.TaskKey> keys = new ArrayList<>();
            for (Messages.Assignment a : started) {
                keys.add(a.key());
            }
            scheduler.onMessage(session, new Messages.Inbound(0, List.of(), -1, List.of(), List.of(), false, List.of(),
                    List.of(), keys));
        }

        /** Withdraws {@code credits} credits and hands back {@code released} unstarted (its prefetch shrank). */
        void giveBack(int credits, List<Messages.Assignment> released) {
            List<Messages.TaskKey> keys = new ArrayList<>();
            released.forEach(a -> keys.add(a.key()));
            scheduler.onMessage(session, new Messages.Inbound(-credits, List.of(), -1, List.of(), keys, false));
        }

        void crashed(Messages.Assignment a) {
            scheduler.onMessage(session, new Messages.Inbound(0, List.of(), -1, List.of(), List.of(), true, List.of(),
                    List.of(a.key())));
        }
    }
}
