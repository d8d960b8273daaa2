package io.gridwork.master.store;

import java.util.Optional;

/** The job jars the master holds (their bytes are files named by their SHA-256, see code.JarRepository). */
public interface JarRowRepository {

    /** Stores a jar's row, or replaces the row with the same SHA-256. */
    void put(JarRow jar);

    Optional<JarRow> find(String sha256);
}
