package io.gridwork.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Class loaders of job jars, shared by the jobs of one jar (by its SHA-256) on one machine and kept for a while
 * after the last of them ends: a job submitted again and again (a one-task job a thousand times, a schedule
 * firing every minute) finds its classes defined and compiled instead of reading the jar and warming up anew.
 * Jobs of different jars never share a loader. At most {@code maxIdle} loaders no job uses are kept; the least
 * recently used one beyond that is closed. Thread-safe.
 */
public final class JobClassLoaders implements AutoCloseable {

    /** Idle loaders kept by default. */
    public static final int DEFAULT_MAX_IDLE = 8;

    private final ClassLoader sdkLoader;
    private final int maxIdle;
    /** In access order: the first idle entry is the least recently used. */
    private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    /**
     * @param sdkLoader the loader that defines {@code io.gridwork.sdk} classes for the host
     * @param maxIdle loaders kept while no job uses them (0: close each when its last job ends)
     */
    public JobClassLoaders(ClassLoader sdkLoader, int maxIdle) {
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle must not be negative: " + maxIdle);
        }
        this.sdkLoader = Objects.requireNonNull(sdkLoader, "sdkLoader");
        this.maxIdle = maxIdle;
    }

    /** The loader of the jar {@code sha256} (at {@code jar}), creating it if needed; close the lease when done. */
    public synchronized Lease acquire(String sha256, Path jar) {
        if (closed) {
            throw new IllegalStateException("the class loaders are closed");
        }
        Entry e = entries.get(sha256);
        if (e == null) {
            e = new Entry(sha256, new JobClassLoader("jar:" + sha256.substring(0, Math.min(12, sha256.length())), jar, sdkLoader));
            entries.put(sha256, e);
        }
        e.leases++;
        return new Lease(e);
    }

    /** Loaders open now (in use or idle), for tests and metrics. */
    public synchronized int size() {
        return entries.size();
    }

    private synchronized void release(Entry e) {
        e.leases--;
        if (e.leases > 0) {
            return;
        }
        if (closed || e.broken) {
            entries.remove(e.sha256, e);
            e.loader.closeQuietly();
            return;
        }
        trim();
    }

    private void trim() {
        int idle = 0;
        for (Entry e : entries.values()) {
            if (e.leases == 0) {
                idle++;
            }
        }
        List<Entry> evicted = new ArrayList<>();
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && idle > maxIdle; ) {
            Entry e = it.next();
            if (e.leases == 0) {
                it.remove();
                evicted.add(e);
                idle--;
            }
        }
        evicted.forEach(e -> e.loader.closeQuietly());
    }

    /** Closes every idle loader now; loaders in use close when their last lease does. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.leases == 0) {
                it.remove();
                e.loader.closeQuietly();
            }
        }
    }

    private static final class Entry {
        final String sha256;
        final JobClassLoader loader;
        int leases;
        boolean broken;

        Entry(String sha256, JobClassLoader loader) {
            this.sha256 = sha256;
            this.loader = loader;
        }
    }

    /** One job's use of a shared loader. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean released;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public JobClassLoader loader() {
            return entry.loader;
        }

        /** The loader must not be reused (its jar could not be read, say): closed when its last lease ends. */
        public void discard() {
            synchronized (JobClassLoaders.this) {
                entry.broken = true;
            }
        }

        @Override
        public void close() {
            synchronized (JobClassLoaders.this) {
                if (released) {
                    return;
                }
                released = true;
            }
            release(entry);
        }
    }
}
