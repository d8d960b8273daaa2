package io.gridwork.master.model;

/** What a token lets its holder do. */
public enum Role {
    /** Everything, including tokens and the audit log. */
    ADMIN,
    /** Submits jobs; sees and cancels its own. */
    SUBMITTER,
    /** Reads jobs and workers. */
    VIEWER,
    /** A join token: lets a machine join as a worker. */
    WORKER
}
