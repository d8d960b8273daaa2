package io.gridwork.master.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The data sets of the data grid (their bytes are files in the master's data directory, see data.DataFiles). */
public interface DataSetRepository {

    /**
     * Stores a data set with its chunks; if one with the same id is stored already (the same bytes put again), raises
     * its wanted replicas to the larger of the two and keeps the rest.
     *
     * @return the data set as stored now
     */
    DataSetRow put(DataSetRow dataSet);

    Optional<DataSetRow> find(String id);

    /** Every data set, oldest first. */
    List<DataSetRow> all();

    /** The data set carrying the job jar with this SHA-256, if one was made. */
    Optional<DataSetRow> findByJar(String jarSha256);

    /** Removes a data set and its chunks; false if there was none. */
    boolean delete(String id);

    /** Whether a task's checkpoint row refers to this data set (a large checkpoint still wanted). */
    default boolean referencedByCheckpoint(String id) {
        return false;
    }

    /** Adds to jobs' data counters: job id -> {bytes local, from peers, from master}. */
    void addCounters(Map<String, long[]> deltas);

    /** A job's data counters as stored ({bytes local, from peers, from master}); zeros if none. */
    long[] counters(String jobId);

    /** The jobs not yet ended that read a data set ({@code job id -> the name they gave it}), oldest first. */
    Map<String, String> unfinishedJobsReading(String id);
}
