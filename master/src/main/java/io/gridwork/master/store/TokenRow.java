package io.gridwork.master.store;

import io.gridwork.master.model.Role;
import java.time.Instant;

/** A token as stored: only the SHA-256 of its secret. */
public record TokenRow(String id, String name, Role role, String secretSha256, Instant createdAt, Instant expiresAt,
        Instant revokedAt, String createdBy) {

    public boolean activeAt(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }
}
