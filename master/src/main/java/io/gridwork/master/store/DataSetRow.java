package io.gridwork.master.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A data set of the data grid as stored: its layout, the SHA-256 of each chunk (32 bytes each, in order), who put it
 * and how many workers should hold each chunk. {@code jarSha256} is set when the data set carries a job jar.
 */
public record DataSetRow(String id, String name, long size, int chunkSize, List<byte[]> chunkHashes,
        int replicasWanted, String owner, Instant createdAt, String jarSha256) {

    public DataSetRow {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(createdAt, "createdAt");
        chunkHashes = List.copyOf(chunkHashes);
    }

    public int chunks() {
        return chunkHashes.size();
    }

    /** The same data set wanting {@code replicas} replicas. */
    public DataSetRow withReplicas(int replicas) {
        return new DataSetRow(id, name, size, chunkSize, chunkHashes, replicas, owner, createdAt, jarSha256);
    }
}
