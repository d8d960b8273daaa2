package io.gridwork.internal;

import io.gridwork.sdk.Codec;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.JobOptions;
import io.gridwork.sdk.TaskContext;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
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
                throw new JobLoadException("no class " + className + " in the jar" + jobClassesHint(loader, className));
            } catch (LinkageError e) {
                throw new JobLoadException("class " + className + " cannot be loaded: " + e);
            }
            if (!GridJob.class.isAssignableFrom(type)) {
                throw new JobLoadException("class " + className + " does not extend " + GridJob.class.getName()
                        + jobClassesHint(loader, className));
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

    /** The arguments the job declares it accepts ({@link GridJob#arguments}); empty if it declares none. */
    public Set<String> arguments() throws Exception {
        Set<String> declared = withLoader(loader, job::arguments);
        if (declared == null) {
            throw new IllegalStateException(className + ".arguments returned null");
        }
        return declared;
    }

    /**
     * The first argument given that the job does not declare, as a message for its submitter naming the argument,
     * the closest declared name if there is a likely one, and the declared names; empty if the job declares none
     * (it takes any) or every argument given is declared.
     */
    public Optional<String> unknownArgument(Set<String> given) throws Exception {
        Set<String> declared = arguments();
        if (declared.isEmpty()) {
            return Optional.empty();
        }
        for (String name : new TreeSet<>(given)) {
            if (!declared.contains(name)) {
                Set<String> sorted = new TreeSet<>(declared);
                String hint = Suggestions.closest(name, sorted).map(s -> " (did you mean '" + s + "'?)").orElse("");
                return Optional.of("unknown argument '" + name + "' for " + className + hint + "; it takes "
                        + String.join(", ", sorted));
            }
        }
        return Optional.empty();
    }

    /** The most job classes a "wrong class" message lists. */
    static final int MAX_LISTED_JOB_CLASSES = 20;
    /** The most class files looked at to list a jar's job classes (a large jar of libraries is not loaded whole). */
    static final int MAX_SCANNED_CLASSES = 5_000;

    /**
     * The public, concrete {@link GridJob} classes in the loader's jar, by name (at most {@link #MAX_SCANNED_CLASSES}
     * class files are looked at). Classes are loaded, not initialized.
     */
    public static List<String> jobClasses(JobClassLoader loader) {
        List<String> found = new ArrayList<>();
        for (URL url : loader.getURLs()) {
            Path jar;
            try {
                jar = Path.of(url.toURI());
            } catch (URISyntaxException | IllegalArgumentException e) {
                continue;
            }
            try (JarFile file = new JarFile(jar.toFile())) {
                int scanned = 0;
                for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements() && scanned < MAX_SCANNED_CLASSES; ) {
                    String entry = entries.nextElement().getName();
                    if (!entry.endsWith(".class") || entry.endsWith("module-info.class") || entry.startsWith("META-INF/")
                            || entry.matches(".*\\$\\d.*")) {
                        continue;
                    }
                    scanned++;
                    String name = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
                    try {
                        Class<?> type = Class.forName(name, false, loader);
                        if (GridJob.class.isAssignableFrom(type) && Modifier.isPublic(type.getModifiers())
                                && !Modifier.isAbstract(type.getModifiers())) {
                            found.add(name);
                        }
                    } catch (ClassNotFoundException | LinkageError ignored) {
                        // a class of a library the jar does not carry: not a job we could run anyway
                    }
                }
            } catch (IOException e) {
                // the loader opened it; if it cannot be listed now, the message goes without the list
            }
        }
        found.sort(null);
        return found;
    }

    /** "; did you mean X? The jar's job classes: A, B" (or that it has none), for a class that cannot be the job. */
    private static String jobClassesHint(JobClassLoader loader, String className) {
        List<String> jobs = jobClasses(loader);
        if (jobs.isEmpty()) {
            return "; the jar has no public class that extends " + GridJob.class.getName();
        }
        // compare simple names, so that a right name in the wrong package, or a typo in it, finds its class
        Map<String, String> bySimpleName = new LinkedHashMap<>();
        for (String job : jobs) {
            bySimpleName.putIfAbsent(simpleName(job), job);
        }
        String hint = jobs.contains(className) ? ""
                : Suggestions.closest(simpleName(className), bySimpleName.keySet())
                        .map(s -> "; did you mean " + bySimpleName.get(s) + "?").orElse("");
        List<String> listed = jobs.size() > MAX_LISTED_JOB_CLASSES ? jobs.subList(0, MAX_LISTED_JOB_CLASSES) : jobs;
        String more = jobs.size() > listed.size() ? " and " + (jobs.size() - listed.size()) + " more" : "";
        return hint + " (the jar's job classes: " + String.join(", ", listed) + more + ")";
    }

    /** The name after the package and any enclosing classes ({@code a.b.Outer$Job} gives {@code Job}). */
    private static String simpleName(String className) {
        return className.substring(Math.max(className.lastIndexOf('.'), className.lastIndexOf('$')) + 1);
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

    /** The data-set ranges a task reads ({@code GridJob.dataNeeds}), from its encoded input. */
    public List<io.gridwork.sdk.DataRange> dataNeeds(byte[] input) throws Exception {
        return withLoader(loader, () -> {
            List<io.gridwork.sdk.DataRange> needs = job.dataNeeds(job.inputCodec().decode(input));
            return needs == null ? List.of() : needs;
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
