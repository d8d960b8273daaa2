package io.gridwork.master.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StateMachineTest {

    static final Set<String> JOB_LEGAL = Set.of("QUEUED>RUNNING", "QUEUED>SUCCEEDED", "QUEUED>FAILED",
            "QUEUED>CANCELLED", "RUNNING>SUCCEEDED", "RUNNING>FAILED", "RUNNING>CANCELLED",
            // a job stored with --after: released, its split failing when released, cancelled (by hand or its upstream)
            "WAITING>QUEUED", "WAITING>FAILED", "WAITING>CANCELLED");

    static final Set<String> WORKER_LEGAL = Set.of("ALIVE>SUSPECT", "ALIVE>DRAINING", "ALIVE>LEFT", "ALIVE>DEAD",
            "SUSPECT>ALIVE", "SUSPECT>LINK_FAILED", "SUSPECT>DEAD", "SUSPECT>LEFT", "LINK_FAILED>ALIVE",
            "LINK_FAILED>DEAD", "LINK_FAILED>LEFT", "DRAINING>ALIVE", "DRAINING>SUSPECT", "DRAINING>LEFT",
            "DRAINING>DEAD", "DEAD>ALIVE", "LEFT>ALIVE",
            // a drained worker comes back DRAINING where it would come back ALIVE: heartbeats resume while it is
            // suspect, it reconnects after a link failure, it registers again after it died or left
            "SUSPECT>DRAINING", "LINK_FAILED>DRAINING", "DEAD>DRAINING", "LEFT>DRAINING");

    static Stream<Arguments> jobPairs() {
        return pairs(JobState.values());
    }

    static Stream<Arguments> workerPairs() {
        return pairs(WorkerState.values());
    }

    static Stream<Arguments> taskPairs() {
        return pairs(TaskState.values());
    }

    private static Stream<Arguments> pairs(Enum<?>[] values) {
        return Arrays.stream(values).flatMap(a -> Arrays.stream(values).map(b -> Arguments.of(a, b)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("jobPairs")
    void jobTransitions(JobState from, JobState to) {
        boolean legal = JOB_LEGAL.contains(from + ">" + to);
        assertThat(from.canMoveTo(to)).isEqualTo(legal);
        if (legal) {
            assertThat(from.moveTo(to)).isEqualTo(to);
        } else {
            assertThatThrownBy(() -> from.moveTo(to)).isInstanceOf(IllegalTransitionException.class)
                    .hasMessage("a job cannot go from " + from + " to " + to);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("workerPairs")
    void workerTransitions(WorkerState from, WorkerState to) {
        boolean legal = WORKER_LEGAL.contains(from + ">" + to);
        assertThat(from.canMoveTo(to)).isEqualTo(legal);
        if (!legal) {
            assertThatThrownBy(() -> from.moveTo(to)).isInstanceOf(IllegalTransitionException.class);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("taskPairs")
    void terminalTaskStatesGoNowhere(TaskState from, TaskState to) {
        if (EnumSet.of(TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED).contains(from)) {
            assertThat(from.canMoveTo(to)).isFalse();
            assertThat(from.isTerminal()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("taskPairs")
    void storedTaskCodesRoundTrip(TaskState state, TaskState ignored) {
        if (state.code() >= 0) {
            assertThat(TaskState.ofCode(state.code())).isEqualTo(state);
        }
    }
}
