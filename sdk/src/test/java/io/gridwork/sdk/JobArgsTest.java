package io.gridwork.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobArgsTest {

    private final JobArgs args = JobArgs.of(Map.of("n", "3e9", "k", "1_000", "x", "2.5", "flag", "yes", "bad", "abc"));

    @Test
    void typedGetters() {
        assertThat(args.getLong("n")).isEqualTo(3_000_000_000L);
        assertThat(args.getInt("k")).isEqualTo(1000);
        assertThat(args.getDouble("x")).isEqualTo(2.5);
        assertThat(args.getBoolean("flag", false)).isTrue();
        assertThat(args.getLong("missing", 7)).isEqualTo(7);
        assertThat(args.get("missing", "d")).isEqualTo("d");
    }

    @Test
    void errorsNameTheArgument() {
        assertThatThrownBy(() -> args.getLong("bad")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("argument 'bad' must be an integer, got 'abc'");
        assertThatThrownBy(() -> args.get("limit")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing argument 'limit'");
        assertThatThrownBy(() -> args.getInt("n")).hasMessageContaining("'n' is out of range");
        assertThatThrownBy(() -> JobArgs.of(Map.of("x", "2.5")).getLong("x")).hasMessageContaining("an integer");
    }

    @Test
    void keepsOrderAndIsImmutable() {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("b", "1");
        in.put("a", "2");
        JobArgs ordered = JobArgs.of(in);
        in.put("c", "3");
        assertThat(ordered.asMap().keySet()).containsExactly("b", "a");
        assertThatThrownBy(() -> ordered.asMap().put("z", "1")).isInstanceOf(UnsupportedOperationException.class);
    }
}
