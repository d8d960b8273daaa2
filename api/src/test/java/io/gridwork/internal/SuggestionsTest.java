package io.gridwork.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SuggestionsTest {

    @ParameterizedTest
    @CsvSource({
            "samples, samples, 0",
            "sample, samples, 1",     // a letter missing
            "sampels, samples, 1",    // two neighbours swapped
            "SAMPLES, samples, 0",    // case is ignored
            "tasks, task, 1",
            "limit, limt, 1",
            "abc, xyz, 3",
            "'', abc, 3"})
    void distanceCountsTheEditsBetweenTwoNames(String a, String b, int expected) {
        assertThat(Suggestions.distance(a, b)).isEqualTo(expected);
        assertThat(Suggestions.distance(b, a)).isEqualTo(expected);
    }

    @Test
    void aTypoOfADeclaredNameSuggestsIt() {
        List<String> declared = List.of("samples", "tasks");
        assertThat(Suggestions.closest("sample", declared)).contains("samples");
        assertThat(Suggestions.closest("tsaks", declared)).contains("tasks");
        assertThat(Suggestions.closest("Samples", declared)).contains("samples");
    }

    @Test
    void aNameFarFromEveryCandidateSuggestsNothing() {
        List<String> declared = List.of("samples", "tasks");
        assertThat(Suggestions.closest("seed", declared)).isEmpty();
        assertThat(Suggestions.closest("x", declared)).isEmpty();
        assertThat(Suggestions.closest("anything", List.of())).isEmpty();
    }

    @Test
    void shortNamesAllowOneEditOnly() {
        // "n" -> "ms" is two edits: too far for names this short to be a likely typo
        assertThat(Suggestions.closest("n", List.of("ms"))).isEmpty();
        assertThat(Suggestions.closest("m", List.of("ms"))).contains("ms");
    }

    @Test
    void theClosestOfSeveralCandidatesWins() {
        assertThat(Suggestions.closest("widht", List.of("height", "width", "rows"))).contains("width");
        assertThat(Suggestions.closest("iteration", List.of("iterations", "rows"))).contains("iterations");
    }
}
