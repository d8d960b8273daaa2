package io.gridwork.master.security;

import io.gridwork.master.model.Role;

/**
 * Who is calling: a person or script with a token of some role, a machine joining with a join token, a worker
 * known by its certificate, or anyone at all on a master started with {@code --insecure}.
 */
public record Principal(Kind kind, Role role, String name) {

    /** How the caller proved who it is. */
    public enum Kind {
        /** A bearer token of role ADMIN, SUBMITTER or VIEWER. */
        TOKEN,
        /** A bearer token of role WORKER: may only join. */
        JOIN_TOKEN,
        /** A client certificate signed by the grid's CA for a worker. */
        WORKER_CERTIFICATE,
        /** Nothing: the master runs with --insecure and lets everyone do everything. */
        INSECURE
    }

    public static final Principal INSECURE = new Principal(Kind.INSECURE, Role.ADMIN, "insecure");

    public static Principal worker(String name) {
        return new Principal(Kind.WORKER_CERTIFICATE, Role.WORKER, name);
    }

    /** The owner recorded on jobs this caller submits. */
    public String owner() {
        return kind == Kind.INSECURE ? "" : name;
    }

    /** For the audit log: {@code lab-team (submitter)}. */
    public String describe() {
        switch (kind) {
            case WORKER_CERTIFICATE:
                return "worker " + name;
            case INSECURE:
                return "anyone (insecure master)";
            default:
                return name + " (" + role.name().toLowerCase(java.util.Locale.ROOT) + ")";
        }
    }
}
