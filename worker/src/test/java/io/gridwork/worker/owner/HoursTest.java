package io.gridwork.worker.owner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalTime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HoursTest {

    @ParameterizedTest
    @CsvSource({
            "18:00-08:00, 18:00, true", "18:00-08:00, 23:59, true", "18:00-08:00, 00:00, true",
            "18:00-08:00, 07:59, true", "18:00-08:00, 08:00, false", "18:00-08:00, 12:00, false",
            "18:00-08:00, 17:59, false", "09:00-17:30, 09:00, true", "09:00-17:30, 17:29, true",
            "09:00-17:30, 17:30, false", "09:00-17:30, 08:59, false", "9:05-9:06, 09:05, true"})
    void containsTheStartNotTheEndAndGoesOverMidnight(String hours, String time, boolean inside) {
        assertThat(Hours.parse(hours).contains(LocalTime.parse(time))).isEqualTo(inside);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "18-08", "18:00", "18:00-8", "6pm-8am", "18:00 - 08:00x", "18:0-08:00"})
    void aMalformedSpanIsRefusedWithItsForm(String text) {
        assertThatThrownBy(() -> Hours.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hours: '" + text + "' is not HH:MM-HH:MM (for example 18:00-08:00)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"24:00-08:00", "18:00-08:60", "18:00-25:00"})
    void aTimeOutOfTheDayIsRefused(String text) {
        assertThatThrownBy(() -> Hours.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hours: '" + text + "' has a time out of 00:00-23:59");
    }

    @org.junit.jupiter.api.Test
    void anEmptySpanIsRefused() {
        assertThatThrownBy(() -> Hours.parse("08:00-08:00")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the start and the end are the same");
    }
}
