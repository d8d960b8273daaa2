package io.gridwork.worker.owner;

/**
 * Asks the machine whether its owner is using it. A probe may block (it reads files or runs a command), so the
 * {@link OwnerWatch} calls it on its own thread, never on the worker's loop.
 */
public interface OwnerProbe {

    /** What a probe found: busy with the reason (for people), or idle. */
    record Reading(boolean busy, String reason) {
        public static final Reading IDLE = new Reading(false, "");

        public static Reading busy(String reason) {
            return new Reading(true, reason);
        }
    }

    Reading read();
}
