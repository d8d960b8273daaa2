package io.gridwork.cli;

/** Warnings printed once per process. */
final class Warnings {

    private static boolean insecureShown;

    private Warnings() {}

    static synchronized void insecure() {
        if (!insecureShown && !Boolean.getBoolean("gridwork.quiet.insecure")) {
            insecureShown = true;
            System.err.println("warning: --insecure: plaintext and no authentication; use only on a trusted, private network");
        }
    }
}
