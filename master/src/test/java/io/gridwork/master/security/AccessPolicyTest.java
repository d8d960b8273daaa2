package io.gridwork.master.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.Role;
import io.gridwork.master.security.AccessPolicy.Action;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The access policy on its own: the role table per action, the ownership rule, and the words of a refusal. */
class AccessPolicyTest {

    static final Principal ADMIN = new Principal(Principal.Kind.TOKEN, Role.ADMIN, "root");
    static final Principal ALICE = new Principal(Principal.Kind.TOKEN, Role.SUBMITTER, "alice");
    static final Principal VIEWER = new Principal(Principal.Kind.TOKEN, Role.VIEWER, "val");
    static final Principal JOIN = new Principal(Principal.Kind.JOIN_TOKEN, Role.WORKER, "joiners");
    static final Principal WORKER = Principal.worker("w1");

    static final Set<Action> PEOPLE_MAY = EnumSet.of(Action.CHECK_HEALTH, Action.READ_JOBS, Action.READ_RESULTS,
            Action.READ_WORKERS, Action.READ_MASTERS, Action.READ_SCHEDULES, Action.READ_SELF, Action.READ_METRICS, Action.READ_DATA, Action.READ_USAGE);
    static final Set<Action> SUBMITTERS_MAY = EnumSet.of(Action.UPLOAD_JARS, Action.SUBMIT_JOBS, Action.CANCEL_JOBS,
            Action.CREATE_SCHEDULES, Action.CHANGE_SCHEDULES, Action.PUT_DATA, Action.DELETE_DATA);
    static final Set<Action> ONLY_ADMINS_MAY = EnumSet.of(Action.DRAIN_WORKERS, Action.RESET_TRUST, Action.MANAGE_TOKENS,
            Action.READ_AUDIT, Action.MANAGE_QUOTAS);

    @ParameterizedTest
    @EnumSource(Action.class)
    void eachActionIsAllowedToExactlyItsCallers(Action action) {
        boolean people = PEOPLE_MAY.contains(action);
        boolean submitters = people || SUBMITTERS_MAY.contains(action);
        boolean admins = submitters || ONLY_ADMINS_MAY.contains(action);
        assertThat(AccessPolicy.allows(ADMIN, action)).isEqualTo(admins);
        assertThat(AccessPolicy.allows(ALICE, action)).isEqualTo(submitters);
        assertThat(AccessPolicy.allows(VIEWER, action)).isEqualTo(people);
        assertThat(AccessPolicy.allows(JOIN, action)).isEqualTo(action == Action.JOIN || action == Action.CHECK_HEALTH);
        assertThat(AccessPolicy.allows(WORKER, action)).isEqualTo(action == Action.ACT_AS_WORKER
                || action == Action.CHECK_HEALTH);
        assertThat(AccessPolicy.allows(Principal.INSECURE, action)).as("an insecure master lets everyone do all").isTrue();
    }

    @Test
    void aSubmitterSeesAndActsOnItsOwnOnlyAViewerSeesAllButActsOnNone() {
        assertThat(AccessPolicy.mayAccess(ALICE, "alice")).isTrue();
        assertThat(AccessPolicy.mayAccess(ALICE, "bob")).isFalse();
        assertThat(AccessPolicy.allows(ALICE, Action.CANCEL_JOBS, "alice")).isTrue();
        assertThat(AccessPolicy.allows(ALICE, Action.CANCEL_JOBS, "bob")).isFalse();
        assertThat(AccessPolicy.allows(VIEWER, Action.READ_JOBS, "bob")).isTrue();
        assertThat(AccessPolicy.allows(VIEWER, Action.CANCEL_JOBS, "bob")).isFalse();
        assertThat(AccessPolicy.allows(ADMIN, Action.CANCEL_JOBS, "bob")).isTrue();
        assertThat(AccessPolicy.allows(Principal.INSECURE, Action.CANCEL_JOBS, "bob")).isTrue();
        assertThat(AccessPolicy.ownerFilter(ALICE)).isEqualTo("alice");
        assertThat(AccessPolicy.ownerFilter(VIEWER)).isNull();
        assertThat(AccessPolicy.ownerFilter(ADMIN)).isNull();
        assertThat(AccessPolicy.ownerFilter(Principal.INSECURE)).isNull();
    }

    @Test
    void aRefusalSaysWhoMayNotDoWhat() {
        assertThatThrownBy(() -> AccessPolicy.check(VIEWER, Action.CANCEL_JOBS)).isInstanceOf(AuthException.class)
                .hasMessage("role viewer may not cancel jobs")
                .satisfies(e -> assertThat(((AuthException) e).unauthenticated()).isFalse());
        assertThat(AccessPolicy.refusal(JOIN, Action.READ_JOBS)).isEqualTo("a join token can only join workers; it cannot read jobs");
        assertThat(AccessPolicy.refusal(WORKER, Action.SUBMIT_JOBS)).isEqualTo("a worker certificate cannot submit jobs");
        assertThat(AccessPolicy.refusal(ADMIN, Action.JOIN)).startsWith("a token of role admin cannot join as a worker");
        assertThat(AccessPolicy.refusal(ALICE, Action.ACT_AS_WORKER)).startsWith("a token cannot act as a worker");
        assertThat(AccessPolicy.refusal(ADMIN, Action.PING_AS_MASTER))
                .isEqualTo("only another master of the grid may ping as a master (authorization: Peer <secret>)");
        assertThat(AccessPolicy.refusal(WORKER, Action.PING_AS_MASTER)).startsWith("only another master of the grid");
    }
}
