package io.gridwork.cli;

/** The exit codes of every {@code grid} command: scripts rely on them. */
public final class ExitCodes {

    private ExitCodes() {}

    /** The command did what was asked (for {@code --wait}: the job succeeded). */
    public static final int OK = 0;
    /** The job failed or was cancelled. */
    public static final int JOB_FAILED = 1;
    /** Bad usage or bad input: an unknown option, a malformed value, a missing file, a request the master refused. */
    public static final int USAGE = 2;
    /** The master could not be reached (or did not answer in time). */
    public static final int UNREACHABLE = 3;
    /** A missing, wrong or refused credential. */
    public static final int AUTH = 4;
    /** Anything else: an internal error, or a master or worker that could not start. */
    public static final int ERROR = 5;
    /** {@code --wait-timeout} ran out before the job ended; the job goes on. */
    public static final int WAIT_TIMEOUT = 6;
}
