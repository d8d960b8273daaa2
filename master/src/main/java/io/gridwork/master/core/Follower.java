package io.gridwork.master.core;

/**
 * A submitter that follows its job to its end on the call that submitted it (SubmitAndWatch). Both methods run on
 * the scheduler's loop, so they must not block: they hand a status to the call and return.
 */
public interface Follower {

    /**
     * The job's status: first as it is once stored (the submission's acknowledgement), then as it changes, the last
     * one final and stored. Intermediate statuses may be skipped, never the first or the last.
     */
    void status(JobSnapshot snapshot);

    /** Right after the first status: what stops the following (for a call cancelled before the job ends). */
    void stopWith(Runnable stop);
}
