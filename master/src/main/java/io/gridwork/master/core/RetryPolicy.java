package io.gridwork.master.core;

import java.time.Duration;

/**
 * Whether a task whose attempt ended without a result runs again, and when; or fails its job, and with which
 * message. One place for the rules of failures (the task's code threw), timeouts (no progress for the job's task
 * timeout) and losses (its worker went away; these do not use up attempts, unless workers keep dying under the
 * task: then it is quarantined). Pure: no state.
 */
final class RetryPolicy {

    /** What happens to the task. */
    enum Action {
        /** Run it again after {@code delay}, on another worker if one can. */
        RETRY,
        /** Run it again at once, without using up an attempt. */
        REQUEUE,
        /** It failed for good: its job fails with {@code error}. */
        FAIL
    }

    record Decision(Action action, Duration delay, String error) {
        static Decision retry(Duration delay) {
            return new Decision(Action.RETRY, delay, null);
        }

        static Decision fail(String error) {
            return new Decision(Action.FAIL, Duration.ZERO, error);
        }
    }

    private static final Decision REQUEUE = new Decision(Action.REQUEUE, Duration.ZERO, null);

    private final Duration backoff;
    private final Duration backoffMax;
    private final int quarantineAfterCrashes;

    RetryPolicy(Duration backoff, Duration backoffMax, int quarantineAfterCrashes) {
        this.backoff = backoff;
        this.backoffMax = backoffMax;
        this.quarantineAfterCrashes = quarantineAfterCrashes;
    }

    RetryPolicy(SchedulerOptions options) {
        this(options.retryBackoff(), options.retryBackoffMax(), options.quarantineAfterCrashes());
    }

    /** The delay before retrying a task that has failed {@code failures} times: doubling, capped. */
    Duration delay(int failures) {
        Duration d = backoff.multipliedBy(1L << Math.min(20, Math.max(0, failures - 1)));
        return d.compareTo(backoffMax) > 0 ? backoffMax : d;
    }

    /** The task's code threw; {@code failures} counts this one. */
    Decision failed(long index, int failures, int maxAttempts, boolean retryable, String message) {
        if (!retryable) {
            return Decision.fail("task " + index + " failed and is not retryable: " + message);
        }
        if (failures >= maxAttempts) {
            return Decision.fail("task " + index + " failed " + times(failures) + "; last error: " + message);
        }
        return Decision.retry(delay(failures));
    }

    /** The attempt made no progress for the job's task timeout; {@code failures} counts this one. */
    Decision timedOut(long index, int failures, int maxAttempts, String message) {
        if (failures >= maxAttempts) {
            return Decision.fail("task " + index + " timed out " + times(failures) + "; last: " + message);
        }
        return Decision.retry(delay(failures));
    }

    /**
     * The attempt was lost with its worker; {@code crashes} counts this one if the worker died under it
     * ({@code crashed}).
     */
    Decision lost(long index, int crashes, boolean crashed, String cause) {
        if (crashed && crashes >= quarantineAfterCrashes) {
            return Decision.fail("task " + index + " was running when its worker died " + times(crashes) + " (last: "
                    + cause + "); it is quarantined");
        }
        return REQUEUE;
    }

    /** "1 time", "3 times". */
    static String times(int n) {
        return n + (n == 1 ? " time" : " times");
    }
}
