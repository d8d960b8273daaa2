package io.gridwork.sdk;

/**
 * A task failure that retrying cannot fix, such as input the task can never process. Thrown from
 * {@link GridJob#execute}, it fails the task at once, without using its remaining attempts, and so fails the job
 * with this message.
 *
 * <pre>{@code
 * if (input.isEmpty()) {
 *     throw new NonRetryableException("task " + context.taskIndex() + " got an empty document");
 * }
 * }</pre>
 *
 * Any other exception from {@code execute} is retried, on another worker if one exists, up to the job's
 * maximum attempts.
 */
public class NonRetryableException extends RuntimeException {

    public NonRetryableException(String message) {
        super(message);
    }

    public NonRetryableException(String message, Throwable cause) {
        super(message, cause);
    }
}
