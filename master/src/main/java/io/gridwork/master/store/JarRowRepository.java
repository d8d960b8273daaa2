package io.gridwork.master.store;

import java.util.Optional;

/**
 * The job jars the master holds (their bytes are files named by their SHA-256, see code.JarRepository). On a shared
 * store (PostgreSQL) their bytes are kept in the store too, so that every master can run every job.
 */
public interface JarRowRepository {

    /** Whether jars' bytes are kept in the store ({@link #putBytes}, {@link #copyBytes}): on a shared store. */
    boolean keepsBytes();

    /** Stores the bytes of a jar (a no-op if they are already stored, or if the store does not keep bytes). */
    void putBytes(String sha256, java.nio.file.Path file);

    /**
     * Writes the stored bytes of a jar to {@code target}.
     *
     * @return false if the store holds no bytes for it
     */
    boolean copyBytes(String sha256, java.nio.file.Path target);

    /** Stores a jar's row, or replaces the row with the same SHA-256. */
    void put(JarRow jar);

    Optional<JarRow> find(String sha256);
}
