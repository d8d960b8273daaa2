package io.gridwork.master.security;

import io.gridwork.master.model.Role;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Who may do what, in one place for every way in: the gRPC interceptor maps each method to an {@link Action}, the
 * web console each page and button; both ask this class. Two rules:
 * <ul>
 *   <li><b>Roles</b>: one table says which credential may do each action (a token of some roles, a join token, a
 *       worker certificate, or nothing at all).</li>
 *   <li><b>Ownership</b>: jobs and schedules belong to the token name that submitted them; an admin and a viewer see
 *       everyone's, a submitter only its own. Acting on a job or schedule needs both the role and the sight of it, so
 *       a submitter cancels only its own jobs, an admin anyone's, a viewer none.</li>
 * </ul>
 * A master started with {@code --insecure} lets everyone do everything ({@link Principal#INSECURE}).
 */
public final class AccessPolicy {

    /** How an action's caller proves who it is. */
    public enum Credential {
        /** Nobody needs to: health checks. */
        NONE,
        /** A bearer token of one of the action's roles. */
        TOKEN,
        /** A join token (role WORKER). */
        JOIN_TOKEN,
        /** A worker's client certificate. */
        WORKER_CERTIFICATE,
        /**
         * The grid's peer secret ({@code authorization: Peer <secret>}), which only the masters sharing the store know.
         * Checked even on an insecure master: masters of another grid must not answer each other's pings.
         */
        PEER_SECRET
    }

    /** What a caller may want to do, with the words used when it is refused ("role viewer may not cancel jobs"). */
    public enum Action {
        CHECK_HEALTH(Credential.NONE, "check health"),
        UPLOAD_JARS(Credential.TOKEN, "upload jars"),
        SUBMIT_JOBS(Credential.TOKEN, "submit jobs"),
        READ_JOBS(Credential.TOKEN, "read jobs"),
        READ_RESULTS(Credential.TOKEN, "read results"),
        CANCEL_JOBS(Credential.TOKEN, "cancel jobs"),
        READ_WORKERS(Credential.TOKEN, "read workers"),
        /** The grid's masters and their recent events. */
        READ_MASTERS(Credential.TOKEN, "read masters"),
        DRAIN_WORKERS(Credential.TOKEN, "drain workers"),
        /** Clear a worker's trust record from quorum jobs. */
        RESET_TRUST(Credential.TOKEN, "reset workers' trust records"),
        CREATE_SCHEDULES(Credential.TOKEN, "create schedules"),
        READ_SCHEDULES(Credential.TOKEN, "read schedules"),
        CHANGE_SCHEDULES(Credential.TOKEN, "change schedules"),
        MANAGE_TOKENS(Credential.TOKEN, "manage tokens"),
        READ_AUDIT(Credential.TOKEN, "read the audit log"),
        /** Who the caller is and what it may do (the dashboard's first call). */
        READ_SELF(Credential.TOKEN, "look at the dashboard"),
        READ_METRICS(Credential.TOKEN, "read metrics"),
        /** Put data sets into the data grid. */
        PUT_DATA(Credential.TOKEN, "put data sets"),
        /** List and get data sets (a submitter only its own). */
        READ_DATA(Credential.TOKEN, "read data sets"),
        /** Delete data sets (a submitter only its own). */
        DELETE_DATA(Credential.TOKEN, "delete data sets"),
        /** Usage reports from the ledger (a submitter only its own). */
        READ_USAGE(Credential.TOKEN, "read usage"),
        /** Set, list and remove users' quotas. */
        MANAGE_QUOTAS(Credential.TOKEN, "manage quotas"),
        JOIN(Credential.JOIN_TOKEN, "join as a worker"),
        ACT_AS_WORKER(Credential.WORKER_CERTIFICATE, "act as a worker"),
        /** Another master of the grid pinging this one. */
        PING_AS_MASTER(Credential.PEER_SECRET, "ping as a master");

        private final Credential credential;
        private final String what;

        Action(Credential credential, String what) {
            this.credential = credential;
            this.what = what;
        }

        public Credential credential() {
            return credential;
        }

        /** In words, after "may not". */
        public String what() {
            return what;
        }
    }

    private static final Set<Role> PEOPLE = EnumSet.of(Role.ADMIN, Role.SUBMITTER, Role.VIEWER);
    private static final Set<Role> SUBMITTERS = EnumSet.of(Role.ADMIN, Role.SUBMITTER);
    private static final Set<Role> ADMINS = EnumSet.of(Role.ADMIN);
    /** Roles that see every owner's jobs and schedules. */
    private static final Set<Role> SEE_ALL = EnumSet.of(Role.ADMIN, Role.VIEWER);

    /** The one table: the token roles allowed each action that takes a token. */
    private static final Map<Action, Set<Role>> ROLES = new EnumMap<>(Action.class);

    static {
        ROLES.put(Action.UPLOAD_JARS, SUBMITTERS);
        ROLES.put(Action.SUBMIT_JOBS, SUBMITTERS);
        ROLES.put(Action.READ_JOBS, PEOPLE);
        ROLES.put(Action.READ_RESULTS, PEOPLE);
        ROLES.put(Action.CANCEL_JOBS, SUBMITTERS);
        ROLES.put(Action.READ_WORKERS, PEOPLE);
        ROLES.put(Action.READ_MASTERS, PEOPLE);
        ROLES.put(Action.DRAIN_WORKERS, ADMINS);
        ROLES.put(Action.RESET_TRUST, ADMINS);
        ROLES.put(Action.CREATE_SCHEDULES, SUBMITTERS);
        ROLES.put(Action.READ_SCHEDULES, PEOPLE);
        ROLES.put(Action.CHANGE_SCHEDULES, SUBMITTERS);
        ROLES.put(Action.MANAGE_TOKENS, ADMINS);
        ROLES.put(Action.READ_AUDIT, ADMINS);
        ROLES.put(Action.READ_SELF, PEOPLE);
        ROLES.put(Action.READ_METRICS, PEOPLE);
        ROLES.put(Action.PUT_DATA, SUBMITTERS);
        ROLES.put(Action.READ_DATA, PEOPLE);
        ROLES.put(Action.DELETE_DATA, SUBMITTERS);
        ROLES.put(Action.READ_USAGE, PEOPLE);
        ROLES.put(Action.MANAGE_QUOTAS, ADMINS);
        for (Action a : Action.values()) {
            if ((a.credential() == Credential.TOKEN) != ROLES.containsKey(a)) {
                throw new IllegalStateException("the access table and the actions disagree on " + a);
            }
        }
    }

    private AccessPolicy() {}

    /** The token roles that may do {@code action}; empty for an action that takes no token. */
    public static Set<Role> roles(Action action) {
        return Collections.unmodifiableSet(ROLES.getOrDefault(action, Set.of()));
    }

    /** Whether {@code who} may do {@code action} at all (for a job or schedule, see also {@link #mayAccess}). */
    public static boolean allows(Principal who, Action action) {
        if (who.kind() == Principal.Kind.INSECURE) {
            return true;
        }
        return switch (action.credential()) {
            case NONE -> true;
            case JOIN_TOKEN -> who.kind() == Principal.Kind.JOIN_TOKEN;
            case WORKER_CERTIFICATE -> who.kind() == Principal.Kind.WORKER_CERTIFICATE;
            case PEER_SECRET -> false; // no principal: the peer secret is checked by itself, before any principal
            case TOKEN -> who.kind() == Principal.Kind.TOKEN && ROLES.get(action).contains(who.role());
        };
    }

    /**
     * Refuses {@code who} unless it may do {@code action}, with the reason in words.
     *
     * @throws AuthException not authenticated (false) but not allowed either: {@link AuthException#unauthenticated()}
     *         is false
     */
    public static void check(Principal who, Action action) throws AuthException {
        if (allows(who, action)) {
            return;
        }
        throw new AuthException(false, refusal(who, action));
    }

    /** Why {@code who} may not do {@code action}: "role viewer may not cancel jobs". */
    public static String refusal(Principal who, Action action) {
        if (action.credential() == Credential.PEER_SECRET) {
            return "only another master of the grid may " + action.what() + " (authorization: Peer <secret>)";
        }
        if (who.kind() == Principal.Kind.JOIN_TOKEN && action.credential() == Credential.TOKEN) {
            return "a join token can only join workers; it cannot " + action.what();
        }
        if (who.kind() == Principal.Kind.WORKER_CERTIFICATE) {
            return "a worker certificate cannot " + action.what();
        }
        if (action.credential() == Credential.JOIN_TOKEN) {
            return "a token of role " + lower(who.role()) + " cannot join as a worker; use a join token "
                    + "(grid token create --role worker)";
        }
        if (action.credential() == Credential.WORKER_CERTIFICATE) {
            return refusalOfTokens(action);
        }
        return "role " + lower(who.role()) + " may not " + action.what();
    }

    /** Why no token of any role may do {@code action} (it takes a worker certificate). */
    public static String refusalOfTokens(Action action) {
        return "a token cannot " + action.what() + ": this call needs a worker certificate (a worker gets one by "
                + "joining with a join token)";
    }

    /** Whether {@code who} sees the jobs and schedules of every owner, not only its own. */
    public static boolean seesAllOwners(Principal who) {
        return who.kind() == Principal.Kind.INSECURE || SEE_ALL.contains(who.role());
    }

    /** The owner to narrow a listing to for {@code who}: null for everyone's. */
    public static String ownerFilter(Principal who) {
        return seesAllOwners(who) ? null : who.owner();
    }

    /** The ownership rule: whether {@code who} may see (and, with the role for it, act on) what {@code owner} owns. */
    public static boolean mayAccess(Principal who, String owner) {
        return seesAllOwners(who) || who.owner().equals(owner == null ? "" : owner);
    }

    /** Both rules: whether {@code who} may do {@code action} on a job or schedule of {@code owner}. */
    public static boolean allows(Principal who, Action action, String owner) {
        return allows(who, action) && mayAccess(who, owner);
    }

    private static String lower(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }
}
