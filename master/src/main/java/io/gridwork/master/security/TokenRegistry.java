package io.gridwork.master.security;

import io.gridwork.internal.tls.TokenText;
import io.gridwork.master.model.Role;
import io.gridwork.master.store.TokenRepository;
import io.gridwork.master.store.TokenRow;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens: created with a random secret (shown once), kept as a SHA-256 of it, checked on every call (with a cache
 * that revocation clears at once), revoked by id or by name.
 */
public final class TokenRegistry {

    /** Join tokens expire after this by default: they are for bringing up machines, not for keeping. */
    public static final Duration DEFAULT_JOIN_TOKEN_TTL = Duration.ofHours(24);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final TokenRepository tokens;
    private final Clock clock;
    private final Map<String, TokenRow> cache = new ConcurrentHashMap<>();

    public TokenRegistry(TokenRepository tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    /** A new token and its secret text. */
    public record Created(TokenRow token, String secret) {}

    /**
     * @param ttl zero: never expires
     */
    public Created create(String name, Role role, Duration ttl, String createdBy) {
        byte[] idBytes = new byte[4];
        byte[] secretBytes = new byte[32];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secretBytes);
        String id = HEX.formatHex(idBytes);
        String secret = HEX.formatHex(secretBytes);
        Instant now = clock.instant();
        TokenRow row = new TokenRow(id, name, role, sha256(secret), now, ttl.isZero() ? null : now.plus(ttl), null, createdBy);
        tokens.insert(row);
        return new Created(row, new TokenText.Token(id, secret).toString());
    }

    /** The caller a token text stands for. */
    public Principal verify(String text) throws AuthException {
        TokenText.Token token;
        try {
            token = TokenText.token(text);
        } catch (IllegalArgumentException e) {
            throw new AuthException(true, "the token is malformed (expected gw1.<id>.<secret>)");
        }
        TokenRow row = cache.get(token.id());
        if (row == null) {
            row = tokens.find(token.id()).orElse(null);
            if (row != null) {
                cache.put(row.id(), row);
            }
        }
        if (row == null || !MessageDigest.isEqual(row.secretSha256().getBytes(), sha256(token.secret()).getBytes())) {
            throw new AuthException(true, "the token is not valid for this master");
        }
        Instant now = clock.instant();
        if (row.revokedAt() != null) {
            throw new AuthException(true, "token " + row.name() + " (" + row.id() + ") was revoked");
        }
        if (row.expiresAt() != null && !now.isBefore(row.expiresAt())) {
            throw new AuthException(true, "token " + row.name() + " (" + row.id() + ") expired at " + row.expiresAt());
        }
        return new Principal(row.role() == Role.WORKER ? Principal.Kind.JOIN_TOKEN : Principal.Kind.TOKEN, row.role(),
                row.name());
    }

    public List<TokenRow> list(boolean includeRevoked) {
        return tokens.list(includeRevoked);
    }

    /** Revokes by id, or every active token of a name; takes effect at once. */
    public List<TokenRow> revoke(String idOrName) {
        List<TokenRow> revoked = tokens.revoke(idOrName, clock.instant());
        revoked.forEach(t -> cache.remove(t.id()));
        return revoked;
    }

    /** Whether any token exists (the master creates its first ones when there is none). */
    public boolean isEmpty() {
        return tokens.list(true).isEmpty();
    }

    public Optional<TokenRow> find(String id) {
        return tokens.find(id);
    }

    private static String sha256(String secret) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
