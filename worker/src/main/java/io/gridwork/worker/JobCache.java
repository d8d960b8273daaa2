package io.gridwork.worker;

import io.gridwork.api.v1.FetchJarRequest;
import io.gridwork.api.v1.JarChunk;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.client.GridClient;
import io.gridwork.sdk.GridJob;
import io.gridwork.internal.JobClassLoaders;
import io.gridwork.internal.JobLoadException;
import io.gridwork.internal.LoadedJob;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job code a worker runs: jars fetched from a master on first use (any master will do: they share the jars), checked against their SHA-256 and
 * cached on disk; each job loaded in a class loader of its own, dropped once the job has ended and its last
 * task here has finished.
 */
final class JobCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JobCache.class);

    private static final class Entry {
        final JobSpec spec;
        LoadedJob job;
        int active;
        boolean ended;

        Entry(JobSpec spec) {
            this.spec = spec;
        }
    }

    private final Path jarDir;
    /** The masters' channels to fetch jars from, those with a live stream first. */
    private final Supplier<List<Channel>> masters;
    private final Duration callTimeout;
    private final Map<String, Entry> jobs = new ConcurrentHashMap<>();
    private final Map<String, Object> jarLocks = new ConcurrentHashMap<>();
    private final Set<String> verified = ConcurrentHashMap.newKeySet();
    /** The job classes (with their jar's SHA-256) whose loading was logged at INFO: the first job of each. */
    private final Set<String> announced = ConcurrentHashMap.newKeySet();
    private final List<WeakReference<ClassLoader>> loaders = new CopyOnWriteArrayList<>();

    private final JobClassLoaders classLoaders;

    /** data grid (6): brings jars whose spec names a jar_data_id from peers; null: FetchJar only. */
    private final io.gridwork.worker.data.DataPlane dataPlane;

    JobCache(Path jarDir, Supplier<List<Channel>> masters, Duration callTimeout, int idleClassLoaders) throws IOException {
        this(jarDir, masters, callTimeout, idleClassLoaders, null);
    }

    JobCache(Path jarDir, Supplier<List<Channel>> masters, Duration callTimeout, int idleClassLoaders,
            io.gridwork.worker.data.DataPlane dataPlane) throws IOException {
        this.dataPlane = dataPlane;
        this.classLoaders = new JobClassLoaders(GridJob.class.getClassLoader(), idleClassLoaders);
        this.jarDir = Files.createDirectories(jarDir);
        this.masters = masters;
        this.callTimeout = callTimeout;
        try (var stale = Files.newDirectoryStream(jarDir, "fetch-*.tmp")) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Records what a job needs; comes before its first task. */
    void define(JobSpec spec) {
        jobs.putIfAbsent(spec.getJobId(), new Entry(spec));
    }

    boolean knows(String jobId) {
        return jobs.containsKey(jobId);
    }

    /** The loaded job, loading it (and fetching its jar) the first time; pair with {@link #release}. */
    LoadedJob acquire(String jobId) throws IOException, JobLoadException {
        Entry entry = jobs.get(jobId);
        if (entry == null) {
            throw new IllegalStateException("no spec for job " + jobId);
        }
        synchronized (entry) {
            entry.active++;
            if (entry.job == null) {
                try {
                    Path jar = jar(entry.spec.getJarSha256(), entry.spec.getJarDataId());
                    entry.job = LoadedJob.load(classLoaders.acquire(entry.spec.getJarSha256(), jar), entry.spec.getJobClass());
                    ClassLoader loader = entry.job.classLoader();
                    loaders.removeIf(ref -> ref.get() == null);
                    if (loaders.stream().noneMatch(ref -> ref.get() == loader)) {
                        loaders.add(new WeakReference<>(loader));
                    }
                    // said once per job class and jar (INFO); each later job of it only at DEBUG: a line written
                    // here is on every new job's path, before its first task runs (a one-task job a thousand times)
                    boolean first = announced.add(entry.spec.getJarSha256() + " " + entry.spec.getJobClass());
                    (first ? log.atInfo() : log.atDebug()).addKeyValue("job", jobId).log("loaded {} from jar {}",
                            entry.spec.getJobClass(), entry.spec.getJarSha256());
                } catch (IOException | JobLoadException | RuntimeException e) {
                    entry.active--;
                    throw e;
                }
            }
            return entry.job;
        }
    }

    void release(String jobId) {
        Entry entry = jobs.get(jobId);
        if (entry == null) {
            return;
        }
        synchronized (entry) {
            entry.active--;
            unloadIfDone(jobId, entry);
        }
    }

    /** The job has ended: its code goes once no task of it runs here. */
    void ended(String jobId) {
        Entry entry = jobs.get(jobId);
        if (entry == null) {
            return;
        }
        synchronized (entry) {
            entry.ended = true;
            unloadIfDone(jobId, entry);
        }
    }

    private void unloadIfDone(String jobId, Entry entry) {
        if (entry.ended && entry.active <= 0) {
            jobs.remove(jobId, entry);
            if (entry.job != null) {
                entry.job.close();
                entry.job = null;
                log.atDebug().addKeyValue("job", jobId).log("job code unloaded");
            }
        }
    }

    /** Job jars' class loaders open now. */
    int classLoaders() {
        return classLoaders.size();
    }

    /** Jobs whose code is loaded now. */
    int loadedJobs() {
        return (int) jobs.values().stream().filter(e -> e.job != null).count();
    }

    /** The class loaders of jobs loaded so far that have not been collected (for tests of unloading). */
    List<WeakReference<ClassLoader>> loaders() {
        return loaders;
    }

    JobSpec spec(String jobId) {
        Entry e = jobs.get(jobId);
        return e == null ? null : e.spec;
    }

    /**
     * The cached jar, fetched and checked first if needed: through the data grid when it is a data set there
     * ({@code jarDataId} not empty), else (or if that fails) from a master with FetchJar.
     */
    Path jar(String sha256, String jarDataId) throws IOException {
        Path target = jarDir.resolve(sha256 + ".jar");
        synchronized (jarLocks.computeIfAbsent(sha256, k -> new Object())) {
            if (verified.contains(sha256)) {
                return target;
            }
            if (Files.isRegularFile(target)) {
                if (GridClient.sha256(target).equals(sha256)) {
                    verified.add(sha256);
                    return target;
                }
                log.warn("cached jar {} does not match its hash; fetching it again", target);
                Files.delete(target);
            }
            if (dataPlane != null && jarDataId != null && !jarDataId.isEmpty()) {
                try {
                    dataPlane.fetchJar(jarDataId, sha256, target); // data grid (6)
                    verified.add(sha256);
                    return target;
                } catch (IOException e) {
                    log.warn("cannot fetch jar {} through the data grid ({}); fetching it from a master", sha256,
                            e.getMessage());
                }
            }
            fetch(sha256, target);
            verified.add(sha256);
            return target;
        }
    }

    /** Fetches the jar from the first master that has it; the last failure if none does. */
    private void fetch(String sha256, Path target) throws IOException {
        List<Channel> channels = masters.get();
        if (channels.isEmpty()) {
            throw new IOException("fetching jar " + sha256 + ": no master to fetch it from");
        }
        IOException failure = null;
        for (Channel channel : channels) {
            try {
                fetch(WorkerServiceGrpc.newBlockingStub(channel), sha256, target);
                return;
            } catch (IOException e) {
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                failure = e;
                if (channels.size() > 1) {
                    log.warn("{}; trying another master", e.getMessage());
                }
            }
        }
        throw failure;
    }

    private void fetch(WorkerServiceGrpc.WorkerServiceBlockingStub stub, String sha256, Path target) throws IOException {
        Path temp = Files.createTempFile(jarDir, "fetch-", ".tmp");
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            long size = 0;
            long announced = -1;
            try (OutputStream out = Files.newOutputStream(temp)) {
                Iterator<JarChunk> chunks = stub.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .fetchJar(FetchJarRequest.newBuilder().setSha256(sha256).build());
                while (chunks.hasNext()) {
                    JarChunk chunk = chunks.next();
                    if (announced < 0) {
                        announced = chunk.getTotalSize();
                    }
                    byte[] data = chunk.getData().toByteArray();
                    digest.update(data);
                    out.write(data);
                    size += data.length;
                }
            } catch (StatusRuntimeException e) {
                throw new IOException("fetching jar " + sha256 + " from the master failed: " + e.getStatus().getCode()
                        + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription()), e);
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(sha256) || (announced >= 0 && announced != size)) {
                throw new IOException("jar fetched for " + sha256 + " has SHA-256 " + actual + " and " + size
                        + " bytes: refusing it");
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            log.info("fetched jar {} ({} bytes)", sha256, size);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void close() {
        for (Entry e : jobs.values()) {
            synchronized (e) {
                if (e.job != null) {
                    e.job.close();
                    e.job = null;
                }
            }
        }
        jobs.clear();
        classLoaders.close();
    }
}
