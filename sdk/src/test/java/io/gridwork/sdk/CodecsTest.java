package io.gridwork.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class CodecsTest {

    static Stream<Arguments> values() {
        return Stream.of(
                Arguments.of(Codecs.BOOLEAN, true),
                Arguments.of(Codecs.BOOLEAN, false),
                Arguments.of(Codecs.BYTE, (byte) -7),
                Arguments.of(Codecs.SHORT, (short) 31000),
                Arguments.of(Codecs.CHAR, 'λ'),
                Arguments.of(Codecs.INT, Integer.MIN_VALUE),
                Arguments.of(Codecs.LONG, Long.MAX_VALUE),
                Arguments.of(Codecs.FLOAT, 3.25f),
                Arguments.of(Codecs.DOUBLE, Math.PI),
                Arguments.of(Codecs.STRING, "grüße, 世界"),
                Arguments.of(Codecs.STRING, ""),
                Arguments.of(Codecs.listOf(Codecs.LONG), List.of(1L, -2L, 3L)),
                Arguments.of(Codecs.listOf(Codecs.STRING), List.of("a", "", "ccc")),
                Arguments.of(Codecs.listOf(Codecs.listOf(Codecs.INT)), List.of(List.of(1, 2), List.of(), List.of(3))));
    }

    @ParameterizedTest
    @MethodSource("values")
    <T> void roundTrips(Codec<T> codec, T value) {
        assertThat(codec.decode(codec.encode(value))).isEqualTo(value);
    }

    @Test
    void bytesPassThroughAndHaveNoText() {
        byte[] data = {1, 2, 3};
        Codec<byte[]> png = Codecs.bytes("image/png");
        assertThat(png.decode(png.encode(data))).containsExactly(1, 2, 3);
        assertThat(png.mediaType()).isEqualTo("image/png");
        assertThat(png.toText(data)).isNull();
    }

    @Test
    void textForms() {
        assertThat(Codecs.DOUBLE.toText(2.5)).isEqualTo("2.5");
        assertThat(Codecs.LONG.toText(1270607L)).isEqualTo("1270607");
        assertThat(Codecs.listOf(Codecs.INT).toText(List.of(1, 2))).isEqualTo("[1, 2]");
        assertThat(Codecs.STRING.mediaType()).startsWith("text/plain");
    }

    @Test
    void malformedBytesAreRefusedWithAReason() {
        assertThatThrownBy(() -> Codecs.LONG.decode(new byte[3])).hasMessageContaining("expected 8 bytes, got 3");
        assertThatThrownBy(() -> Codecs.BOOLEAN.decode(new byte[] {5})).hasMessageContaining("not a boolean");
        assertThatThrownBy(() -> Codecs.listOf(Codecs.LONG).decode(new byte[] {0, 0, 0, 9, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed list");
    }

    @Test
    void nullIsRefused() {
        assertThatThrownBy(() -> Codecs.INT.encode(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Codecs.STRING.encode(null)).isInstanceOf(NullPointerException.class);
    }
}
