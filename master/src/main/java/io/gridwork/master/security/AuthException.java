package io.gridwork.master.security;

/** A credential that was refused: missing, malformed, unknown, expired or revoked ({@link #unauthenticated}), or not allowed. */
public final class AuthException extends Exception {

    private final boolean unauthenticated;

    public AuthException(boolean unauthenticated, String message) {
        super(message);
        this.unauthenticated = unauthenticated;
    }

    /** True: who is calling is unknown; false: known, but not allowed. */
    public boolean unauthenticated() {
        return unauthenticated;
    }
}
