package io.gridwork.master.store;

import java.time.Instant;

/** A job jar the master holds; its bytes are a file named by the SHA-256. */
public record JarRow(String sha256, long size, String fileName, Instant uploadedAt) {}
