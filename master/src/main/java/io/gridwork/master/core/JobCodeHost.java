package io.gridwork.master.core;

import io.gridwork.internal.JobClassLoaders;
import io.gridwork.internal.JobLoadException;
import io.gridwork.internal.LoadedJob;
import io.gridwork.master.code.JarRepository;
import io.gridwork.sdk.GridJob;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Where job code runs on the master: construction, split and merge, never on the loop. Each call runs on the
 * job-code executor with a time limit (after which the code is interrupted and its caller told); job jars' class
 * loaders are shared by the jobs of one jar and kept a while after they end.
 */
final class JobCodeHost implements AutoCloseable {

    private final JarRepository jars;
    private final ExecutorService executor;
    private final Loop loop;
    private final JobClassLoaders classLoaders = new JobClassLoaders(GridJob.class.getClassLoader(),
            JobClassLoaders.DEFAULT_MAX_IDLE);

    JobCodeHost(JarRepository jars, ExecutorService executor, Loop loop) {
        this.jars = jars;
        this.executor = executor;
        this.loop = loop;
    }

    /** Loads a job class from a stored jar (call it on a job-code thread). */
    LoadedJob load(String sha, String className) throws JobLoadException {
        return LoadedJob.load(classLoaders.acquire(sha, jars.path(sha)), className);
    }

    boolean hasJar(String sha) {
        return jars.find(sha).isPresent();
    }

    /** Runs job code and waits for it, at most {@code timeout}, on the calling (never the loop's) thread. */
    <T> T call(Callable<T> work, Duration timeout, String what) {
        Future<T> future;
        try {
            future = executor.submit(work);
        } catch (RejectedExecutionException e) {
            throw busy();
        }
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw CoreException.invalid(what + " did not finish within " + Scheduler.human(timeout));
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw CoreException.unavailable("interrupted");
        } catch (ExecutionException e) {
            throw refusal(e.getCause(), what);
        }
    }

    /**
     * Runs job code without waiting: the future completes with its value, or with the {@link CoreException} that
     * refuses it (a bad class or arguments, or no answer within {@code timeout}, measured by the timer). A value that
     * comes after the time limit goes to {@code late}, to be closed.
     */
    <T> CompletableFuture<T> submit(Callable<T> work, Duration timeout, String what, Consumer<T> late) {
        CompletableFuture<T> done = new CompletableFuture<>();
        Future<?> running;
        try {
            running = executor.submit(() -> {
                try {
                    T value = work.call();
                    if (!done.complete(value) && late != null) {
                        late.accept(value);
                    }
                } catch (Throwable t) {
                    done.completeExceptionally(refusal(t, what));
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(busy());
            return done;
        }
        loop.timer().schedule(() -> {
            if (done.completeExceptionally(CoreException.invalid(what + " did not finish within "
                    + Scheduler.human(timeout)))) {
                running.cancel(true);
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return done;
    }

    /**
     * Runs job code without waiting; posts {@code then} to the loop with the outcome, or with a
     * {@link TimeoutException} once {@code timeout} passes (the code is then interrupted).
     */
    <T> void run(String what, Duration timeout, Callable<T> work, BiConsumer<T, Throwable> then) {
        AtomicBoolean reported = new AtomicBoolean();
        BiConsumer<T, Throwable> report = (value, error) -> {
            if (reported.compareAndSet(false, true)) {
                loop.post(() -> then.accept(value, error));
            }
        };
        Future<?> future;
        try {
            future = executor.submit(() -> {
                try {
                    report.accept(work.call(), null);
                } catch (Throwable t) {
                    report.accept(null, t);
                }
            });
        } catch (RejectedExecutionException e) {
            report.accept(null, e);
            return;
        }
        loop.timer().schedule(() -> {
            if (!reported.get()) {
                report.accept(null, new TimeoutException(what + " did not finish within " + Scheduler.human(timeout)));
                future.cancel(true);
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static CoreException busy() {
        return CoreException.exhausted("too much job code is running on the master; try again later");
    }

    /** Why job code refused: its class, its arguments, or what it threw, naming the field at fault. */
    static CoreException refusal(Throwable cause, String what) {
        cause = unwrap(cause);
        if (cause instanceof JobLoadException) {
            return CoreException.invalid("job_class: " + cause.getMessage());
        }
        if (cause instanceof IllegalArgumentException) {
            return CoreException.invalid("args: " + cause.getMessage());
        }
        if (cause instanceof CoreException) {
            return (CoreException) cause;
        }
        if (cause instanceof io.gridwork.master.store.StoreException) {
            // the master's own store failed (down, restarting), not the job's code: retry later
            return CoreException.unavailable("the store is unavailable: " + cause.getMessage());
        }
        return CoreException.invalid(what + " failed: " + LoadedJob.describe(cause));
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public void close() {
        classLoaders.close();
    }
}
