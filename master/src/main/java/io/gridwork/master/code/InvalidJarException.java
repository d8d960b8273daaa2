package io.gridwork.master.code;

/** An uploaded jar that was refused: wrong size or hash, not a jar, or too large. The message says which. */
public final class InvalidJarException extends Exception {

    private final boolean tooLarge;

    public InvalidJarException(String message) {
        this(message, false);
    }

    public InvalidJarException(String message, boolean tooLarge) {
        super(message);
        this.tooLarge = tooLarge;
    }

    /** Whether the jar was refused for exceeding the size limit (a resource limit rather than bad input). */
    public boolean tooLarge() {
        return tooLarge;
    }
}
