package io.gridwork.master.data;

import io.gridwork.master.core.DataSets;
import io.gridwork.master.core.WorkerSnapshot;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.DataSetRepository;
import io.gridwork.master.store.DataSetRow;
import io.gridwork.sdk.DataRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's side of the data grid in one place: the data sets (stored, and kept in memory), the master's copy of
 * their bytes ({@link DataFiles}), the {@link DataTracker}, and the bytes tasks read, by where they came from. The RPC
 * layer and the dashboard call it; the core sees it as {@link DataSets}. Thread-safe.
 */
public final class DataGrid implements DataSets {

    private static final Logger log = LoggerFactory.getLogger(DataGrid.class);

    /** Workers that hold each chunk when a put asks for no number. */
    public static final int DEFAULT_REPLICAS = 2;
    /** The most replicas a data set may ask for. */
    public static final int MAX_REPLICAS = 16;

    private final DataSetRepository rows;
    private final DataFiles files;
    private final DataTracker tracker;
    private final Clock clock;
    private final Map<String, DataSetRow> sets = new ConcurrentHashMap<>();
    /** Job jar SHA-256 -> the id of the data set carrying it. */
    private final Map<String, String> jars = new ConcurrentHashMap<>();
    private final Map<String, Counters> jobCounters = new ConcurrentHashMap<>();
    private final LongAdder bytesLocal = new LongAdder();
    private final LongAdder bytesFromPeers = new LongAdder();
    private final LongAdder bytesFromMaster = new LongAdder();
    private final LongAdder bytesServed = new LongAdder();
    /** Job id -> the data sets its tasks' large checkpoints were put as (owner {@link #CHECKPOINT_OWNER} + job id). */
    private final Map<String, java.util.Set<String>> checkpointSets = new ConcurrentHashMap<>();
    /** Where checkpoint data sets are dropped: off the core's loop (a store write and a file deletion). */
    private volatile java.util.concurrent.Executor dropper;

    /** The owner of a large checkpoint's data set is this prefix and the job's id. */
    public static final String CHECKPOINT_OWNER = "checkpoint:";

    /** Bytes read from data sets, by where they came from. */
    public record Counters(long local, long fromPeers, long fromMaster) {
        public static final Counters ZERO = new Counters(0, 0, 0);

        Counters plus(Counters o) {
            return new Counters(local + o.local, fromPeers + o.fromPeers, fromMaster + o.fromMaster);
        }

        public boolean isZero() {
            return local == 0 && fromPeers == 0 && fromMaster == 0;
        }
    }

    /** A data set as `grid data ls` shows it. */
    public record View(DataSetRow row, int replicasHeld, List<String> holders, List<String> usedBy) {}

    /** A data set as the dashboard shows it (no store types). */
    public record Summary(String id, String name, long size, int chunks, int chunkSize, int replicasWanted,
            int replicasHeld, List<String> holders, List<String> usedBy, String owner, boolean jar,
            java.time.Instant createdAt) {}

    /** The data sets whose owner {@code visible} accepts, oldest first, with their holders and readers. */
    public List<Summary> summaries(java.util.function.Predicate<String> visible) {
        List<Summary> out = new ArrayList<>();
        for (DataSetRow row : all()) {
            if (visible.test(row.owner())) {
                View v = view(row);
                out.add(new Summary(row.id(), row.name(), row.size(), row.chunks(), row.chunkSize(),
                        row.replicasWanted(), v.replicasHeld(), v.holders(), v.usedBy(), row.owner(),
                        row.jarSha256() != null, row.createdAt()));
            }
        }
        return out;
    }

    /** A job not yet ended reads the data set: it cannot be deleted. */
    public static final class InUseException extends Exception {
        private final String jobId;

        InUseException(String dataId, String jobId, String name) {
            super("data set " + dataId + " is read by job " + jobId + " (as " + name + "), which has not ended; cancel "
                    + "it or wait for it to end");
            this.jobId = jobId;
        }

        public String jobId() {
            return jobId;
        }
    }

    public DataGrid(DataSetRepository rows, DataFiles files, DataTracker tracker, Clock clock) {
        this.rows = rows;
        this.files = files;
        this.tracker = tracker;
        this.clock = clock;
        for (DataSetRow row : rows.all()) {
            remember(row);
            if (!files.has(row.id())) {
                log.warn("data grid: this master has no copy of data set {} ({}); it serves only what workers hold",
                        row.id(), row.name());
            }
        }
    }

    public DataTracker tracker() {
        return tracker;
    }

    public DataFiles files() {
        return files;
    }

    // ------------------------------------------------------------------------------------------ data sets

    /** Starts a put of {@code size} bytes into the master's copy. */
    public DataFiles.Upload begin(long size) throws IOException {
        return files.begin(size);
    }

    /**
     * Records a finished put: a new data set, or (the same bytes again) the one stored, its wanted replicas raised to
     * the larger of the two. Its chunks are ordered onto their homes.
     */
    public DataSetRow put(DataFiles.Stored stored, String name, int replicas, String owner) {
        return add(stored, name, replicas, owner, null);
    }

    private DataSetRow add(DataFiles.Stored stored, String name, int replicas, String owner, String jarSha256) {
        DataSetRow row = rows.put(new DataSetRow(stored.id(), name, stored.size(), stored.chunkSize(),
                stored.chunkHashes(), replicas <= 0 ? DEFAULT_REPLICAS : replicas, owner, clock.instant(), jarSha256));
        remember(row);
        return row;
    }

    private void remember(DataSetRow row) {
        sets.put(row.id(), row);
        if (row.owner() != null && row.owner().startsWith(CHECKPOINT_OWNER)) {
            checkpointSets.computeIfAbsent(row.owner().substring(CHECKPOINT_OWNER.length()),
                    j -> ConcurrentHashMap.newKeySet()).add(row.id());
        }
        if (row.jarSha256() != null) {
            jars.put(row.jarSha256(), row.id());
        }
        tracker.dataSet(row);
    }

    /**
     * The data set with this id. One this master has not seen is looked up in the store (on a shared store another
     * master may have put it; this master then serves only what workers hold of it).
     */
    public Optional<DataSetRow> find(String id) {
        DataSetRow row = sets.get(id);
        if (row != null) {
            return Optional.of(row);
        }
        Optional<DataSetRow> stored = rows.find(id);
        stored.ifPresent(this::remember);
        return stored;
    }

    /** Every data set (those carrying job jars too), oldest first. */
    public List<DataSetRow> all() {
        List<DataSetRow> all = new ArrayList<>(sets.values());
        all.sort(Comparator.comparing(DataSetRow::createdAt).thenComparing(DataSetRow::id));
        return all;
    }

    /** A data set with its holders and the jobs not yet ended that read it. */
    public View view(DataSetRow row) {
        return new View(row, tracker.replicasHeld(row.id()), tracker.holderNames(row.id()),
                List.copyOf(rows.unfinishedJobsReading(row.id()).keySet()));
    }

    /**
     * Deletes a data set: its row, the master's copy, and every worker is told to drop its chunks.
     *
     * @throws InUseException a job not yet ended reads it (nothing is deleted)
     */
    public Optional<DataSetRow> delete(String id) throws InUseException, IOException {
        DataSetRow row = sets.get(id);
        if (row == null) {
            return Optional.empty();
        }
        Map<String, String> readers = rows.unfinishedJobsReading(id);
        if (!readers.isEmpty()) {
            Map.Entry<String, String> first = readers.entrySet().iterator().next();
            throw new InUseException(id, first.getKey(), first.getValue());
        }
        rows.delete(id);
        sets.remove(id);
        forgetCheckpoint(row);
        if (row.jarSha256() != null) {
            jars.remove(row.jarSha256(), id);
        }
        tracker.removed(id);
        files.delete(id);
        return Optional.of(row);
    }

    // ------------------------------------------------------------------------------------------ checkpoints

    /**
     * Records a large checkpoint's state, uploaded into the master's copy: a data set owned by the job's checkpoints
     * (not any user's), with {@code replicas} wanted on the workers like any other.
     */
    public DataSetRow putCheckpoint(DataFiles.Stored stored, String jobId, long index, int replicas) {
        return add(stored, "checkpoint " + jobId + "/" + index, replicas, CHECKPOINT_OWNER + jobId, null);
    }

    /** Runs the drops of checkpoint data sets on this executor (default: one thread of the data grid's own). */
    public void dropExecutor(java.util.concurrent.Executor executor) {
        this.dropper = executor;
    }

    private java.util.concurrent.Executor dropper() {
        java.util.concurrent.Executor d = dropper;
        if (d == null) {
            synchronized (this) {
                if (dropper == null) {
                    dropper = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                        Thread t = new Thread(r, "gridwork-checkpoint-drop");
                        t.setDaemon(true);
                        return t;
                    });
                }
                d = dropper;
            }
        }
        return d;
    }

    @Override
    public void dropCheckpoint(String dataId) {
        dropper().execute(() -> dropCheckpointNow(dataId));
    }

    @Override
    public void dropCheckpoints(String jobId) {
        java.util.Set<String> ids = checkpointSets.get(jobId);
        if (ids == null) {
            return; // no large checkpoint: nothing to do (the common case costs a map lookup)
        }
        dropper().execute(() -> {
            for (String id : List.copyOf(ids)) {
                dropCheckpointNow(id);
            }
        });
    }

    /** Drops a checkpoint data set unless it is a user's, or a stored checkpoint still refers to it. */
    private void dropCheckpointNow(String id) {
        try {
            DataSetRow row = sets.get(id);
            if (row == null || row.owner() == null || !row.owner().startsWith(CHECKPOINT_OWNER)) {
                return;
            }
            if (rows.referencedByCheckpoint(id)) {
                return; // the same bytes saved again by a task whose checkpoint is stored: still wanted
            }
            delete(id);
            log.atDebug().addKeyValue("data", id).log("checkpoint data set {} dropped", id);
        } catch (InUseException | IOException | RuntimeException e) {
            log.atWarn().addKeyValue("data", id).log("could not drop checkpoint data set {}: {}", id, e.toString());
        }
    }

    private void forgetCheckpoint(DataSetRow row) {
        if (row.owner() != null && row.owner().startsWith(CHECKPOINT_OWNER)) {
            String job = row.owner().substring(CHECKPOINT_OWNER.length());
            checkpointSets.computeIfPresent(job, (j, ids) -> {
                ids.remove(row.id());
                return ids.isEmpty() ? null : ids;
            });
        }
    }

    /** The data sets a job reads, in the order of its names. */
    public List<DataSetRow> refs(Map<String, String> byName) {
        List<DataSetRow> refs = new ArrayList<>(byName.size());
        new java.util.TreeMap<>(byName).forEach((name, id) -> find(id).ifPresent(refs::add));
        return refs;
    }

    @Override
    public DataRef find(String id, String name) {
        return find(id).map(row -> new DataRef(name, row.id(), row.size(), row.chunkSize())).orElse(null);
    }

    @Override
    public Map<String, Integer> holdings(List<Chunks> needs) {
        Map<String, Integer> held = new java.util.HashMap<>();
        for (Chunks c : needs) {
            tracker.holdings(c.dataId(), c.first(), c.last(), held);
        }
        return held;
    }

    // ------------------------------------------------------------------------------------------ job jars

    /**
     * Makes an uploaded job jar a data set too (once per jar), so workers fetch it from each other; its owner is
     * whoever uploaded it.
     */
    public String jarUploaded(String sha256, Path jar, String owner) throws IOException {
        String known = jars.get(sha256);
        if (known != null && files.has(known)) {
            return known;
        }
        DataFiles.Stored stored = files.importFile(jar);
        return add(stored, "jar " + sha256.substring(0, 12), DEFAULT_REPLICAS, owner, sha256).id();
    }

    /** The id of the data set carrying a job jar, or "" if it has none (workers then use FetchJar). */
    public String jarDataId(String sha256) {
        return jars.getOrDefault(sha256, "");
    }

    // ------------------------------------------------------------------------------------------ reading bytes

    /** The master's copy of chunk {@code index}, verified; counted as served by the master. */
    public byte[] chunk(DataSetRow row, int index) throws IOException {
        byte[] bytes = files.readChunk(row.id(), row.size(), row.chunkSize(), index, row.chunkHashes().get(index));
        bytesServed.add(bytes.length);
        return bytes;
    }

    /** The whole data set from the master's copy, each chunk verified before its bytes are handed out. */
    public InputStream open(DataSetRow row) {
        return new InputStream() {
            private int next;
            private byte[] current = new byte[0];
            private int at;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (at == current.length) {
                    if (next == row.chunks()) {
                        return -1;
                    }
                    current = files.readChunk(row.id(), row.size(), row.chunkSize(), next, row.chunkHashes().get(next));
                    next++;
                    at = 0;
                }
                int n = Math.min(len, current.length - at);
                System.arraycopy(current, at, b, off, n);
                at += n;
                return n;
            }
        };
    }

    // ------------------------------------------------------------------------------------------ workers

    /** The workers as the scheduler sees them: the ring is over those ALIVE with a PeerService. */
    public void workers(Collection<WorkerSnapshot> workers) {
        List<DataTracker.WorkerState> states = new ArrayList<>(workers.size());
        for (WorkerSnapshot w : workers) {
            states.add(new DataTracker.WorkerState(new DataTracker.Peer(w.id(), w.name(), w.address(), w.healthPort()),
                    w.state() == WorkerState.ALIVE && w.healthPort() > 0, w.state().isDeparted()));
        }
        tracker.workers(states);
    }

    /**
     * What to run whenever a worker's state changes: it reads the workers from {@code source} on {@code executor} and
     * updates the ring, one update at a time, changes that come meanwhile folded into the next one.
     */
    public Runnable follower(java.util.function.Supplier<? extends Collection<WorkerSnapshot>> source,
            java.util.concurrent.Executor executor) {
        java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
        Runnable drain = () -> {
            do {
                pending.set(1);
                try {
                    workers(source.get());
                } catch (RuntimeException e) {
                    log.warn("data grid: could not follow the workers: {}", e.toString());
                }
            } while (pending.decrementAndGet() > 0);
        };
        return () -> {
            if (pending.getAndIncrement() == 0) {
                executor.execute(drain);
            }
        };
    }

    // ------------------------------------------------------------------------------------------ counters

    /**
     * Bytes one attempt of a job's task read, as its worker counted them: added to the job's counters in the store by
     * the next {@link #flushCounters()}.
     */
    public void read(String jobId, Counters c) {
        if (c.isZero()) {
            return;
        }
        jobCounters.merge(jobId, c, Counters::plus);
        bytesLocal.add(c.local());
        bytesFromPeers.add(c.fromPeers());
        bytesFromMaster.add(c.fromMaster());
    }

    /** What a job's tasks read: as stored, plus what is not stored yet. */
    public Counters counters(String jobId) {
        long[] stored = rows.counters(jobId);
        return new Counters(stored[0], stored[1], stored[2]).plus(jobCounters.getOrDefault(jobId, Counters.ZERO));
    }

    /** Adds the counters read since the last flush to the jobs' stored counters (called every second, and at close). */
    public synchronized void flushCounters() {
        if (jobCounters.isEmpty()) {
            return;
        }
        Map<String, long[]> deltas = new java.util.HashMap<>();
        Map<String, Counters> taken = new java.util.HashMap<>();
        for (String job : List.copyOf(jobCounters.keySet())) {
            Counters c = jobCounters.remove(job);
            if (c != null) {
                taken.put(job, c);
                deltas.put(job, new long[] {c.local(), c.fromPeers(), c.fromMaster()});
            }
        }
        try {
            rows.addCounters(deltas);
        } catch (RuntimeException e) {
            // kept for the next flush: counters are never lost to a store that is briefly down
            taken.forEach((job, c) -> jobCounters.merge(job, c, Counters::plus));
            log.warn("data grid: could not store the jobs' data counters (kept for the next try): {}", e.toString());
        }
    }

    /** What every task read since this master started. */
    public Counters totals() {
        return new Counters(bytesLocal.sum(), bytesFromPeers.sum(), bytesFromMaster.sum());
    }

    /** Bytes of chunks the master served from its copy (FetchChunk). */
    public long bytesServed() {
        return bytesServed.sum();
    }
}
