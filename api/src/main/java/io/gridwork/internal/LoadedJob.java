package io.gridwork.internal;

import io.gridwork.sdk.Codec;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.JobOptions;
import io.gridwork.sdk.TaskContext;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Spliterator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * One job class loaded from its jar in a {@link JobClassLoader} (its own, or one shared by the jobs of its jar), with the calls the master
 * ({@link #split}, {@link #merge}) and the workers ({@link #execute}) make on it, in bytes. Every call runs with
 * the job's loader as the thread's context class loader.
 */
public final class LoadedJob implements AutoCloseable {

    private final JobClassLoader loader;
    private final GridJob<Object, Object, Object> job;
    private final String className;
    private final Runnable onClose;

    private LoadedJob(JobClassLoader loader, GridJob<Object, Object, Object> job, String className, Runnable onClose) {
        this.loader = loader;
        this.job = job;
        this.className = className;
        this.onClose = onClose;
    }

    /**
     * Loads {@code className} from {@code jar} and creates an instance.
     *
     * @throws JobLoadException with a message for the user if the class is missing, is not a {@link GridJob},
     *     has no public constructor without parameters, or its constructor throws
     */
    public static LoadedJob load(Path jar, String className, String loaderName) throws JobLoadException {
        JobClassLoader loader = new JobClassLoader(loaderName, jar, GridJob.class.getClassLoader());
        return load(loader, className, loader::closeQuietly);
    }

    /**
     * Loads {@code className} with a loader shared by the jobs of its jar (see {@link JobClassLoaders}) and creates
     * an instance of its own; closing the job releases the lease.
     *
     * @throws JobLoadException as {@link #load(Path, String, String)}; the lease is released
     */
    public static LoadedJob load(JobClassLoaders.Lease lease, String className) throws JobLoadException {
        return load(lease.loader(), className, lease::close);
    }

    @SuppressWarnings("unchecked")
    private static LoadedJob load(JobClassLoader loader, String className, Runnable onClose) throws JobLoadException {
        try {
            Class<?> type;
            try {
                type = Class.forName(className, false, loader);
            } catch (ClassNotFoundException | NoClassDefFoundError e) {
                throw new JobLoadException("no class " + className + " in the jar");
            } catch (LinkageError e) {
                throw new JobLoadException("class " + className + " cannot be loaded: " + e);
            }
            if (!GridJob.class.isAssignableFrom(type)) {
                throw new JobLoadException("class " + className + " does not extend " + GridJob.class.getName());
            }
            if (Modifier.isAbstract(type.getModifiers()) || !Modifier.isPublic(type.getModifiers())) {
                throw new JobLoadException("class " + className + " must be public and not abstract");
            }
            Constructor<?> constructor;
            try {
                constructor = type.getConstructor();
            } catch (NoSuchMethodException e) {
                throw new JobLoadException("class " + className + " has no public constructor without parameters");
            }
            Object instance = withLoader(loader, () -> {
                try {
                    return constructor.newInstance();
                } catch (InvocationTargetException e) {
                    throw new JobLoadException("the constructor of " + className + " threw " + describe(e.getCause()),
                            e.getCause());
                } catch (ReflectiveOperationException | LinkageError e) {
                    throw new JobLoadException("cannot create " + className + ": " + describe(e), e);
                }
            });
            return new LoadedJob(loader, (GridJob<Object, Object, Object>) instance, className, onClose);
        } catch (JobLoadException e) {
            onClose.run();
            throw e;
        } catch (Exception e) {
            onClose.run();
            throw new JobLoadException("cannot load " + className + ": " + describe(e), e);
        }
    }

    public String className() {
        return className;
    }

    public ClassLoader classLoader() {
        return loader;
    }

    /** The job's own options for these arguments. */
    public JobOptions options(JobArgs args) throws Exception {
        return withLoader(loader, () -> job.options(args));
    }

    /** Starts the split: the task inputs, encoded, read a batch at a time. */
    public TaskSource split(JobArgs args) throws Exception {
        Stream<Object> inputs = withLoader(loader, () -> job.split(args));
        if (inputs == null) {
            throw new IllegalStateException(className + ".split returned null");
        }
        return new TaskSource(inputs);
    }

    /** Runs one task: decodes the input, executes, encodes the output. */
    public byte[] execute(byte[] input, TaskContext context) throws Exception {
        return withLoader(loader, () -> {
            Object value = job.inputCodec().decode(input);
            Object output = job.execute(value, context);
            if (output == null) {
                throw new IllegalStateException(className + ".execute returned null for task " + context.taskIndex());
            }
            return job.outputCodec().encode(output);
        });
    }

    /** Merges the outputs, given in task order, and encodes the result. */
    public EncodedResult merge(Stream<byte[]> outputs, JobArgs args) throws Exception {
        return withLoader(loader, () -> {
            Codec<Object> outputCodec = job.outputCodec();
            Object result = job.merge(outputs.map(outputCodec::decode), args);
            if (result == null) {
                throw new IllegalStateException(className + ".merge returned null");
            }
            Codec<Object> codec = job.resultCodec();
            return new EncodedResult(codec.encode(result), codec.toText(result), codec.mediaType());
        });
    }

    @Override
    public void close() {
        onClose.run();
    }

    /** The task inputs of one split, encoded, produced in batches on demand. Not thread-safe. */
    public final class TaskSource implements AutoCloseable {
        private final Stream<Object> stream;
        private final Spliterator<Object> inputs;
        private final long knownSize;
        private boolean exhausted;

        private TaskSource(Stream<Object> stream) throws Exception {
            this.stream = stream;
            this.inputs = withLoader(loader, stream::spliterator);
            this.knownSize = inputs.hasCharacteristics(Spliterator.SIZED) ? inputs.getExactSizeIfKnown() : -1;
        }

        /** The number of tasks, if the split stream knows it up front; -1 otherwise. */
        public long knownSize() {
            return knownSize;
        }

        public boolean isExhausted() {
            return exhausted;
        }

        /** Skips inputs already taken (after a master restart); returns how many were skipped. */
        public long skip(long count) throws Exception {
            return withLoader(loader, () -> {
                long skipped = 0;
                while (skipped < count && inputs.tryAdvance(x -> { })) {
                    skipped++;
                }
                if (skipped < count) {
                    exhausted = true;
                }
                return skipped;
            });
        }

        /** Up to {@code maxCount} more inputs, encoded, stopping early once {@code maxBytes} is reached. */
        public List<byte[]> next(int maxCount, long maxBytes) throws Exception {
            return withLoader(loader, () -> {
                List<byte[]> batch = new ArrayList<>(Math.min(maxCount, 1024));
                long[] bytes = {0};
                Codec<Object> codec = job.inputCodec();
                while (batch.size() < maxCount && bytes[0] < maxBytes) {
                    boolean advanced = inputs.tryAdvance(input -> {
                        if (input == null) {
                            throw new IllegalStateException(className + ".split produced a null input");
                        }
                        byte[] encoded = codec.encode(input);
                        bytes[0] += encoded.length;
                        batch.add(encoded);
                    });
                    if (!advanced) {
                        exhausted = true;
                        break;
                    }
                }
                return batch;
            });
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    /** A short description of a throwable for users: its type and message. */
    public static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String message = t.getMessage();
        String type = t.getClass().getName();
        return message == null || message.isBlank() ? type : type + ": " + message;
    }

    private static <T> T withLoader(ClassLoader loader, Callable<T> work) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return work.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
