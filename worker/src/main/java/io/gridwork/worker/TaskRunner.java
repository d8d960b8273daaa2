package io.gridwork.worker;

import com.google.protobuf.UnsafeByteOperations;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.TaskFailure;
import io.gridwork.api.v1.TaskProgress;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.internal.LoadedJob;
import io.gridwork.internal.NamedThreads;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.NonRetryableException;
import io.gridwork.sdk.TaskContext;
import io.gridwork.worker.FromMaster.Assignment;
import io.gridwork.worker.FromMaster.TaskKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tasks the {@link WorkerCore} holds: a pool of threads, the slots (a task takes as many as its job asks for
 * before its code runs; fair, so big tasks are not starved), cancellation (interrupt, then give the thread up if the
 * task ignores it), the capture of a task's output, and the mapping of its outcome to a {@code TaskResult}. It tells
 * the core through a {@link Listener} (which posts to the core's loop) when a task with a time limit starts and when a
 * task ends; it keeps no state of the core's.
 */
final class TaskRunner {

    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    /** A failure's stack trace with its causes is kept up to this size (deep recursion would make it megabytes). */
    static final int MAX_STACK_TRACE_CHARS = 32_000;
    private static final long PROGRESS_MIN_INTERVAL_MS = 250;
    /** A cancelled task still running after this long ignores cancellation: its thread is given up on. */
    static final long ABANDON_AFTER_MS = 5000;

    /** What the runner tells the core (from task threads and the timer: implementations post to the loop). */
    interface Listener {
        /** A task whose job has a time limit started its code: its master is told at once. */
        void startedWithTimeout(TaskRun run);

        /** A task ended: with a result, or with none (cancelled, handed back, or given up on). */
        void finished(TaskRun run, TaskResult result);

        /** A task saved a checkpoint (from its thread): it goes to the job's master, whose answer comes back to it. */
        void checkpoint(TaskRun run, io.gridwork.api.v1.TaskCheckpoint checkpoint);

        /**
         * A large state (above {@link #INLINE_CHECKPOINT_BYTES}), uploaded from the task's thread to the job's master
         * (WorkerService PutCheckpoint) before it is saved by reference; blocks until the master holds a verified copy.
         *
         * @throws io.grpc.StatusRuntimeException the master refused it (too large, superseded attempt) or is unreachable
         */
        default io.gridwork.api.v1.DataSetRef uploadCheckpoint(TaskRun run, long seq, byte[] state) {
            throw new IllegalStateException("this worker cannot upload a checkpoint of " + state.length + " bytes");
        }
    }

    /**
     * States up to this size go inline on the worker's stream (a row of the master's store); larger ones are uploaded
     * into the data grid and saved by reference. 256 KiB keeps a stream message, which also carries the tasks'
     * results, small, and a state this large is rare enough that the extra call is cheap next to producing it.
     */
    static final int INLINE_CHECKPOINT_BYTES = 256 << 10;

    private final WorkerOptions options;
    private final JobCache cache;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Listener listener;
    private final ThreadPoolExecutor pool;
    private final Semaphore slotPermits;
    private int abandonedThreads; // guarded by this

    /** data grid: the data plane tasks open their data sets through (null: the worker serves no data grid). */
    private final io.gridwork.worker.data.DataPlane data;

    TaskRunner(WorkerOptions options, JobCache cache, ScheduledExecutorService timer, Clock clock, Listener listener) {
        this(options, cache, timer, clock, listener, null);
    }

    TaskRunner(WorkerOptions options, JobCache cache, ScheduledExecutorService timer, Clock clock, Listener listener,
            io.gridwork.worker.data.DataPlane data) {
        this.data = data;
        this.options = options;
        this.cache = cache;
        this.timer = timer;
        this.clock = clock;
        this.listener = listener;
        this.slotPermits = new Semaphore(options.slots(), true);
        this.pool = new ThreadPoolExecutor(options.slots(), options.slots(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), new NamedThreads("gridwork-task", true));
    }

    /** A task of an assignment, not running yet. */
    TaskRun newRun(Assignment a, JobSpec spec) {
        return new TaskRun(a, spec);
    }

    /** Queues the task for a thread and its slots; false if the runner has stopped. */
    boolean execute(TaskRun run) {
        try {
            pool.execute(run);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Takes a task handed back unstarted off the queue. */
    void remove(TaskRun run) {
        pool.remove(run);
    }

    int freeSlots() {
        return slotPermits.availablePermits();
    }

    int busySlots() {
        return options.slots() - slotPermits.availablePermits();
    }

    void shutdownNow() {
        pool.shutdownNow();
    }

    void awaitTermination(long ms) throws InterruptedException {
        pool.awaitTermination(ms, TimeUnit.MILLISECONDS);
    }

    /** Keeps {@code slots} threads for tasks besides the abandoned ones, with at most {@code slots} spares. */
    private synchronized void threadsAbandoned(int delta) {
        abandonedThreads += delta;
        int spares = Math.min(abandonedThreads, options.slots());
        int size = options.slots() + Math.max(0, spares);
        if (size > pool.getMaximumPoolSize()) {
            pool.setMaximumPoolSize(size);
            pool.setCorePoolSize(size);
        } else {
            pool.setCorePoolSize(size);
            pool.setMaximumPoolSize(size);
        }
    }

    /** One task given to this worker, and its context. */
    final class TaskRun implements Runnable, TaskContext {
        final TaskKey key;
        /** The key as the protocol's results and progress name it. */
        final TaskRef ref;
        final long attemptId;
        final int attempt;
        final byte[] input;
        final JobSpec spec;
        /** Slots it takes while it runs. */
        final int slots;
        private final AtomicBoolean permitsReleased = new AtomicBoolean();
        volatile boolean cancelled;
        volatile boolean started;
        /** When its code started (the runner's clock), once {@code started}; null while its job's code loads. */
        volatile Instant startedAt;
        /** Its master was told it started. The core's (on its loop). */
        boolean startReported;
        /** When its progress was last sent, in the clock's milliseconds. The core's (on its loop). */
        long progressSentAt;
        /** Set once: it starts (its thread won), or it goes back unstarted (a release won). */
        private final AtomicBoolean decided = new AtomicBoolean();
        /** How long its code ran, once it ended. */
        volatile long runNanos;
        volatile boolean abandoned;
        volatile Thread thread;
        private volatile double progress = -1;
        private volatile String progressMessage = "";
        private volatile boolean progressDirty;
        /** data grid (5): openData and the bytes it read, for TaskResult.data; made at the first use. */
        private volatile io.gridwork.worker.data.TaskData taskData;
        /** Checkpoints: the saves of this attempt and the master's answers (guarded by {@code saves}). */
        private final Object saves = new Object();
        /** The last state saved (by this attempt once it saved one, else the one it was given); null: none. */
        private byte[] lastState;
        private long requestedSeq;
        /** Saves waiting for the master's answer, by sequence number: completed when it (or a newer one) is stored. */
        private final java.util.NavigableMap<Long, java.util.concurrent.CompletableFuture<Void>> waiting =
                new java.util.TreeMap<>();
        /** The last save sent and not answered yet (sent again on a new stream); null: none. */
        private io.gridwork.api.v1.TaskCheckpoint unanswered;
        /** The large checkpoint it was given, read through the data plane at the first checkpoint(); null: none. */
        private io.gridwork.api.v1.DataSetRef givenData;

        private TaskRun(Assignment a, JobSpec spec) {
            this.lastState = a.checkpoint();
            this.givenData = a.checkpoint() == null ? a.checkpointData() : null;
            this.key = a.task();
            this.ref = key.toRef();
            this.attemptId = key.attemptId();
            this.attempt = a.attempt();
            this.input = a.input();
            this.spec = spec;
            int asked = Math.max(1, a.slots());
            if (asked > options.slots()) {
                log.atWarn().addKeyValue("job", ref.getJobId()).addKeyValue("task", ref.getIndex())
                        .addKeyValue("worker", options.name())
                        .log("task asks for {} slots, more than this worker's {}; it runs with {}", asked, options.slots(),
                                options.slots());
            }
            this.slots = Math.min(asked, options.slots());
        }

        /** Gives its slots back, once (when it ends, or when it is abandoned). */
        private void releaseSlots() {
            if (permitsReleased.compareAndSet(false, true)) {
                slotPermits.release(slots);
            }
        }

        @Override
        public void run() {
            if (cancelled) {
                listener.finished(this, null);
                return;
            }
            thread = Thread.currentThread();
            try {
                slotPermits.acquire(slots);
            } catch (InterruptedException e) {
                // cancelled while it waited for its slots
                permitsReleased.set(true);
                thread = null;
                Thread.interrupted();
                listener.finished(this, null);
                return;
            }
            if (cancelled || !decided.compareAndSet(false, true)) {
                thread = null;
                Thread.interrupted();
                releaseSlots();
                listener.finished(this, null);
                return;
            }
            long start = System.nanoTime();
            long cpuStart = TaskCpuTime.start();
            started = true;
            if (spec != null && spec.getTaskTimeoutMs() > 0) {
                // the master times out only tasks that have started: say so at once
                listener.startedWithTimeout(this);
            }
            TaskResult result = null;
            String jobId = ref.getJobId();
            boolean acquired = false;
            TaskLog output = options.taskLogLimit() > 0 ? new TaskLog(options.taskLogLimit()) : null;
            try {
                if (spec == null) {
                    throw new IllegalStateException("the master sent no spec for job " + jobId);
                }
                // data grid: (6) a job whose JobSpec.jar_data_id is set gets its jar through the data plane (in the
                // cache's fetch), FetchJar from the master staying the fallback
                LoadedJob job = cache.acquire(jobId);
                acquired = true;
                startedAt = clock.instant(); // the task's own code runs from here (not the jar's fetch)
                byte[] bytes;
                if (output != null) {
                    TaskOutputCapture.begin(output);
                }
                try {
                    bytes = job.execute(input, this);
                } finally {
                    if (output != null) {
                        TaskOutputCapture.end(output); // what follows is the worker's, not the task's
                    }
                }
                if (!cancelled) {
                        // data grid (5): the task's DataCounters go into TaskResult.data
                    result = withData(withLog(TaskResult.newBuilder().setRef(ref).setOutput(UnsafeByteOperations.unsafeWrap(bytes))
                            .setDurationMs(elapsedMs(start)).setCpuNanos(TaskCpuTime.since(cpuStart, System.nanoTime() - start)), output), taskData).build();
                }
                runNanos = System.nanoTime() - start;
            } catch (Throwable t) {
                if (!cancelled) {
                    TaskFailure failure = failure(t);
                    result = withData(withLog(TaskResult.newBuilder().setRef(ref).setFailure(failure)
                            .setDurationMs(elapsedMs(start)).setCpuNanos(TaskCpuTime.since(cpuStart, System.nanoTime() - start)), output), taskData).build();
                    if (t instanceof Error && !(t instanceof StackOverflowError)) {
                        log.atError().addKeyValue("job", jobId).addKeyValue("task", ref.getIndex())
                                .addKeyValue("attempt", attempt).addKeyValue("worker", options.name())
                                .log("task {} of job {} failed (attempt {}): {}\n{}", ref.getIndex(), jobId, attempt,
                                        t.toString(), failure.getStackTrace());
                    } else {
                        log.atInfo().addKeyValue("job", jobId).addKeyValue("task", ref.getIndex())
                                .addKeyValue("attempt", attempt).addKeyValue("worker", options.name())
                                .log("task {} of job {} failed (attempt {}): {}\n{}", ref.getIndex(), jobId, attempt,
                                        LoadedJob.describe(t), failure.getStackTrace());
                    }
                }
            } finally {
                thread = null;
                Thread.interrupted();
                if (acquired) {
                    cache.release(jobId);
                }
                if (abandoned) {
                    // an abandoned thread came back at last: the pool shrinks to its size again
                    threadsAbandoned(-1);
                }
                releaseSlots();
                listener.finished(this, result);
            }
        }

        /** Hands it back unstarted: cancels it unless its thread started it already. */
        boolean release() {
            if (cancelled || !decided.compareAndSet(false, true)) {
                return false;
            }
            cancel();
            return true;
        }

        void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            synchronized (saves) {
                // a save waiting for its answer gives up
                waiting.values().forEach(f -> f.completeExceptionally(new io.gridwork.sdk.TaskCancelledException(
                        "task " + taskIndex() + " of job " + jobId() + " was cancelled before its checkpoint was stored")));
                waiting.clear();
            }
            Thread t = thread;
            if (t != null) {
                t.interrupt();
                try {
                    timer.schedule(this::abandonIfStuck, ABANDON_AFTER_MS, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stopping) {
                    // the worker is stopping anyway
                }
            }
        }

        /** A cancelled task that ignores interruption: free its slot and run others on a spare thread. */
        private void abandonIfStuck() {
            Thread t = thread;
            if (t == null || abandoned) {
                return;
            }
            abandoned = true;
            threadsAbandoned(1);
            log.atWarn().addKeyValue("job", ref.getJobId()).addKeyValue("task", ref.getIndex())
                    .addKeyValue("worker", options.name())
                    .log("task ignores cancellation; its thread {} is given up on", t.getName());
            releaseSlots();
            listener.finished(this, null);
        }

        /** The progress that tells its master it started (a task whose job has a time limit). */
        TaskProgress startedProgress() {
            return TaskProgress.newBuilder().setRef(ref).setFraction(0).setMessage("started").build();
        }

        /** Its progress to send now, or null (nothing new, or sent less than 250 ms ago). On the core's loop. */
        TaskProgress takeProgress(long nowMs) {
            if (!progressDirty || nowMs - progressSentAt < PROGRESS_MIN_INTERVAL_MS) {
                return null;
            }
            progressDirty = false;
            progressSentAt = nowMs;
            return TaskProgress.newBuilder().setRef(ref).setFraction(progress).setMessage(progressMessage).build();
        }

        @Override
        public String jobId() {
            return ref.getJobId();
        }

        @Override
        public long taskIndex() {
            return ref.getIndex();
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public String workerName() {
            return options.name();
        }

        @Override
        public Map<String, String> workerLabels() {
            return options.labels();
        }

        @Override
        public JobArgs args() {
            if (spec == null) {
                return JobArgs.empty();
            }
            // data grid (5): the job's data sets as DataRefs (JobArgs.data), so that openData(name) finds them
            return spec.getDataCount() == 0 || data == null ? JobArgs.of(spec.getArgsMap())
                    : JobArgs.of(spec.getArgsMap(), taskData().refs());
        }

        /** data grid (5): openData(DataRange|String), through the data plane. */
        @Override
        public java.io.InputStream openData(io.gridwork.sdk.DataRange range) throws java.io.IOException {
            if (data == null) {
                throw new UnsupportedOperationException("this worker does not serve the data grid");
            }
            return taskData().open(range);
        }

        private io.gridwork.worker.data.TaskData taskData() {
            io.gridwork.worker.data.TaskData t = taskData;
            if (t == null) {
                synchronized (this) {
                    if (taskData == null) {
                        taskData = data.forTask(spec);
                    }
                    t = taskData;
                }
            }
            return t;
        }

        @Override
        public void reportProgress(double fraction) {
            reportProgress(fraction, "");
        }

        @Override
        public void reportProgress(double fraction, String message) {
            progress = Math.max(0, Math.min(1, fraction));
            progressMessage = message == null ? "" : message;
            progressDirty = true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public java.util.Optional<byte[]> checkpoint() {
            io.gridwork.api.v1.DataSetRef large;
            synchronized (saves) {
                large = lastState == null ? givenData : null;
            }
            if (large != null) {
                byte[] state = readCheckpoint(large); // outside the lock: it may fetch from peers or the master
                synchronized (saves) {
                    if (lastState == null) {
                        lastState = state;
                    }
                    givenData = null;
                }
            }
            synchronized (saves) {
                return lastState == null ? java.util.Optional.empty() : java.util.Optional.of(lastState.clone());
            }
        }

        /** A large checkpoint's bytes, through the data plane: every chunk verified against its hash. */
        private byte[] readCheckpoint(io.gridwork.api.v1.DataSetRef ref) {
            if (data == null) {
                throw new IllegalStateException("the checkpoint of task " + taskIndex() + " of job " + jobId()
                        + " is kept in the data grid, and this worker has no data plane");
            }
            try {
                return data.readAll(ref);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("could not read the checkpoint of task " + taskIndex()
                        + " of job " + jobId() + " from the data grid: " + e.getMessage(), e);
            }
        }

        @Override
        public void saveCheckpoint(byte[] state) {
            java.util.Objects.requireNonNull(state, "state");
            checkCancelled();
            byte[] copy = state.clone();
            io.gridwork.api.v1.TaskCheckpoint save;
            long seq;
            java.util.concurrent.CompletableFuture<Void> answered = new java.util.concurrent.CompletableFuture<>();
            synchronized (saves) {
                seq = ++requestedSeq;
            }
            io.gridwork.api.v1.TaskCheckpoint.Builder b = io.gridwork.api.v1.TaskCheckpoint.newBuilder().setRef(ref)
                    .setSeq(seq);
            if (copy.length > INLINE_CHECKPOINT_BYTES) {
                b.setData(upload(seq, copy)); // the master holds a verified copy; the save refers to it
            } else {
                b.setState(UnsafeByteOperations.unsafeWrap(copy));
            }
            save = b.build();
            synchronized (saves) {
                unanswered = save;
                waiting.put(seq, answered);
            }
            checkCancelled(); // cancelled before it was listed: nothing would answer it
            listener.checkpoint(this, save);
            try {
                answered.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.gridwork.sdk.TaskCancelledException("task " + taskIndex() + " of job " + jobId()
                        + " was interrupted before its checkpoint was stored");
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
            synchronized (saves) {
                if (seq == requestedSeq || lastState == null) {
                    lastState = copy;
                }
            }
        }

        /** Uploads a large state; a refusal reaches the task as the master's answer on the stream would. */
        private io.gridwork.api.v1.DataSetRef upload(long seq, byte[] state) {
            try {
                return listener.uploadCheckpoint(this, seq, state);
            } catch (io.grpc.StatusRuntimeException e) {
                checkCancelled();
                String why = "checkpoint refused by the master: " + e.getStatus().getDescription();
                throw e.getStatus().getCode() == io.grpc.Status.Code.INVALID_ARGUMENT
                        || String.valueOf(e.getStatus().getDescription()).contains("max-checkpoint-size")
                        ? new IllegalArgumentException(why) : new IllegalStateException(why);
            }
        }

        /** The master's answer to the save numbered {@code seq} (ok: it, or a newer one, is stored). On the loop. */
        void checkpointAnswered(long seq, boolean ok, String reason) {
            synchronized (saves) {
                if (ok) {
                    // it, and every older save coalesced into it, is stored
                    var stored = waiting.headMap(seq, true);
                    stored.values().forEach(f -> f.complete(null));
                    stored.clear();
                    if (unanswered != null && unanswered.getSeq() <= seq) {
                        unanswered = null;
                    }
                } else {
                    String why = "checkpoint refused by the master: " + (reason == null ? "" : reason);
                    var refused = waiting.remove(seq);
                    if (refused != null) {
                        refused.completeExceptionally(why.contains("max-checkpoint-size")
                                ? new IllegalArgumentException(why) : new IllegalStateException(why));
                    }
                    if (unanswered != null && unanswered.getSeq() == seq) {
                        unanswered = null;
                    }
                }
            }
        }

        /** The last save not answered yet, to send again on a new stream; null if none. */
        io.gridwork.api.v1.TaskCheckpoint unansweredCheckpoint() {
            synchronized (saves) {
                return unanswered;
            }
        }
    }

    /** data grid (5): the bytes the attempt read from data sets, by source (left out if it read none). */
    private static TaskResult.Builder withData(TaskResult.Builder result, io.gridwork.worker.data.TaskData taskData) {
        return taskData != null && taskData.used() ? result.setData(taskData.counters()) : result;
    }

    /** Adds an attempt's captured output to its result. */
    private static TaskResult.Builder withLog(TaskResult.Builder result, TaskLog output) {
        if (output != null && output.total() > 0) {
            result.setLog(output.text(TaskOutputCapture.charset())).setLogCutBytes(output.cutBytes());
        }
        return result;
    }

    static TaskFailure failure(Throwable t) {
        boolean retryable = true;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof NonRetryableException) {
                retryable = false;
                t = c;
                break;
            }
        }
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        String stack = trace.toString();
        if (stack.length() > MAX_STACK_TRACE_CHARS) {
            stack = stack.substring(0, MAX_STACK_TRACE_CHARS) + "\n\t... (stack trace cut at " + MAX_STACK_TRACE_CHARS
                    + " characters)";
        }
        String message = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getName()
                : t instanceof NonRetryableException ? t.getMessage() : t.getClass().getSimpleName() + ": " + t.getMessage();
        return TaskFailure.newBuilder().setMessage(message).setExceptionType(t.getClass().getName())
                .setRetryable(retryable).setStackTrace(stack).build();
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
