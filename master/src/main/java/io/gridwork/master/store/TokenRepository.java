package io.gridwork.master.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** API tokens (only a hash of each secret is kept). */
public interface TokenRepository {

    void insert(TokenRow token);

    Optional<TokenRow> find(String id);

    /** Tokens by creation time; revoked ones too if {@code includeRevoked}. */
    List<TokenRow> list(boolean includeRevoked);

    /** Revokes the token with this id, or every active token with this name; returns what was revoked. */
    List<TokenRow> revoke(String idOrName, Instant at);
}
