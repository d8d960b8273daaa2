package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.IllegalTransitionException;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JobPhaseTest {

    static final Set<String> LEGAL = Set.of("RECOVERING>SPLITTING", "RECOVERING>PRODUCED", "RECOVERING>ENDING",
            "SPLITTING>PRODUCED", "SPLITTING>ENDING", "PRODUCED>MERGING", "PRODUCED>ENDING", "MERGING>ENDING",
            "ENDING>ENDED");

    static Stream<Arguments> pairs() {
        return Arrays.stream(JobPhase.values()).flatMap(a -> Arrays.stream(JobPhase.values()).map(b -> Arguments.of(a, b)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("pairs")
    void onlyTheMovesOfTheTableAreLegal(JobPhase from, JobPhase to) {
        boolean legal = LEGAL.contains(from + ">" + to);
        assertThat(from.canMoveTo(to)).isEqualTo(legal);
        if (legal) {
            assertThat(from.moveTo(to)).isEqualTo(to);
        } else {
            assertThatThrownBy(() -> from.moveTo(to)).isInstanceOf(IllegalTransitionException.class)
                    .hasMessage("a job's phase cannot go from " + from + " to " + to);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("phases")
    void onlyPhasesBeforeTheMergeDispatch(JobPhase phase) {
        assertThat(phase.dispatchable()).isEqualTo(Set.of(JobPhase.RECOVERING, JobPhase.SPLITTING, JobPhase.PRODUCED)
                .contains(phase));
    }

    static Stream<JobPhase> phases() {
        return Arrays.stream(JobPhase.values());
    }
}
