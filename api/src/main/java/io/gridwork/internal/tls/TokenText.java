package io.gridwork.internal.tls;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text forms of credentials. A token is {@code gw1.<id>.<secret>} (8 and 64 hex digits); a worker join token
 * adds the fingerprint of the CA the worker must find at the master: {@code gwj1.<ca-sha256-hex>.<id>.<secret>}.
 */
public final class TokenText {

    private static final Pattern TOKEN = Pattern.compile("gw1\\.([0-9a-f]{8})\\.([0-9a-f]{64})");
    private static final Pattern JOIN = Pattern.compile("gwj1\\.([0-9a-f]{64})\\.([0-9a-f]{8})\\.([0-9a-f]{64})");

    private TokenText() {}

    /** A token's id and secret. */
    public record Token(String id, String secret) {
        @Override
        public String toString() {
            return "gw1." + id + "." + secret;
        }
    }

    /** A join token: the CA's fingerprint and the bearer token. */
    public record Join(String caFingerprint, Token token) {
        @Override
        public String toString() {
            return "gwj1." + caFingerprint.substring("sha256:".length()) + "." + token.id() + "." + token.secret();
        }
    }

    /** @throws IllegalArgumentException if the text is not a token */
    public static Token token(String text) {
        Matcher m = TOKEN.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a Gridwork token (gw1.<id>.<secret>)");
        }
        return new Token(m.group(1), m.group(2));
    }

    /** @throws IllegalArgumentException if the text is not a join token */
    public static Join join(String text) {
        Matcher m = JOIN.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a Gridwork join token (gwj1.<ca-fingerprint>.<id>.<secret>); "
                    + "create one with: grid token create --role worker");
        }
        return new Join("sha256:" + m.group(1), new Token(m.group(2), m.group(3)));
    }
}
