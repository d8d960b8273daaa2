package io.gridwork.master.core;

import io.gridwork.sdk.DataRef;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data sets of the data grid as the core needs them: a job's {@code name -> data set id} turned into the
 * {@link DataRef}s its {@link io.gridwork.sdk.JobArgs} carry. Called on job-code threads and on the loop; must not block
 * for long (the master keeps its data sets in memory).
 */
public interface DataSets {

    /** Chunks {@code first..last} (inclusive) of a data set: what a task reads, for placement. */
    record Chunks(String dataId, int first, int last) {}

    /**
     * How many of these chunks each worker (by id) holds now; workers holding none are left out. The default: no
     * worker holds anything (no placement near data).
     */
    default Map<String, Integer> holdings(List<Chunks> needs) {
        return Map.of();
    }

    /**
     * Drops a large checkpoint's data set (a newer save replaced it, or it was refused): its row, the master's copy and
     * the workers' replicas. Only a data set put as a checkpoint is dropped. The default: nothing is kept anyway.
     */
    default void dropCheckpoint(String dataId) {
    }

    /** Drops every checkpoint data set of a job that ended (also those a crash left unreferenced). */
    default void dropCheckpoints(String jobId) {
    }

    /** A master without a data grid: every data set is unknown. */
    DataSets NONE = (id, name) -> null;

    /** The data set with this id, as {@code name} in a job; null if there is none. */
    DataRef find(String id, String name);

    /**
     * Every data set of a submission, by name.
     *
     * @throws CoreException INVALID_ARGUMENT naming {@code data[NAME]} if one is unknown
     */
    default Map<String, DataRef> resolve(Map<String, String> byName) {
        Map<String, DataRef> refs = new LinkedHashMap<>();
        byName.forEach((name, id) -> {
            DataRef ref = find(id, name);
            if (ref == null) {
                throw CoreException.invalid("data[" + name + "]: no data set " + id);
            }
            refs.put(name, ref);
        });
        return refs;
    }

    /** The data sets of a stored job that still exist (a missing one is left out: JobArgs.data then names it). */
    default Map<String, DataRef> resolveKnown(Map<String, String> byName) {
        Map<String, DataRef> refs = new LinkedHashMap<>();
        byName.forEach((name, id) -> {
            DataRef ref = find(id, name);
            if (ref != null) {
                refs.put(name, ref);
            }
        });
        return refs;
    }
}
