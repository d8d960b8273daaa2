package io.gridwork.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.sdk.DataRef;
import io.gridwork.sdk.GridJob;
import io.gridwork.sdk.JobArgs;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every example declares the arguments it takes (the README's table lists them), so that the master refuses a
 * misspelled one; and each example splits with nothing but its declared arguments, at their defaults or small values.
 */
class ExampleArgumentsTest {

    static final Map<Class<? extends GridJob<?, ?, ?>>, Set<String>> DECLARED = Map.of(
            PiJob.class, Set.of("samples", "tasks", "checkpointEvery"),
            PrimeCountJob.class, Set.of("limit", "tasks"),
            WordCountJob.class, Set.of("text", "tasks", "top"),
            GrepJob.class, Set.of("patterns"),
            MandelbrotJob.class, Set.of("width", "height", "rows", "iterations", "cx", "cy", "scale"),
            NoopJob.class, Set.of("tasks"));

    @Test
    void everyExampleDeclaresTheArgumentsTheReadmeLists() throws Exception {
        for (var e : DECLARED.entrySet()) {
            GridJob<?, ?, ?> job = e.getKey().getConstructor().newInstance();
            assertThat(job.arguments()).as(e.getKey().getSimpleName()).isEqualTo(e.getValue());
        }
    }

    @Test
    void declaredArgumentsAreEnoughToSplit() throws Exception {
        Map<Class<? extends GridJob<?, ?, ?>>, Map<String, String>> small = Map.of(
                PiJob.class, Map.of("samples", "1000", "tasks", "4"),
                PrimeCountJob.class, Map.of("limit", "1000", "tasks", "4"),
                WordCountJob.class, Map.of("text", "a b a", "tasks", "2", "top", "1"),
                MandelbrotJob.class, Map.of("width", "40", "height", "20", "rows", "4", "iterations", "10",
                        "cx", "0", "cy", "0", "scale", "2"),
                NoopJob.class, Map.of("tasks", "3"),
                GrepJob.class, Map.of("patterns", "a,b"));
        // the data sets the jobs that read one are given
        Map<String, DataRef> data = Map.of("text", new DataRef("text", "00".repeat(32), 100, 64));
        for (var e : small.entrySet()) {
            GridJob<?, ?, ?> job = e.getKey().getConstructor().newInstance();
            assertThat(job.arguments()).containsAll(e.getValue().keySet());
            JobArgs args = e.getKey() == GrepJob.class ? JobArgs.of(e.getValue(), data) : JobArgs.of(e.getValue());
            long tasks = job.split(args).collect(Collectors.counting());
            assertThat(tasks).as(e.getKey().getSimpleName()).isPositive();
        }
    }
}
