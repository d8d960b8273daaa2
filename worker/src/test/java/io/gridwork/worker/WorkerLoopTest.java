package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.internal.NamedThreads;
import io.gridwork.testing.ManualTimer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worker's loop: events in order on one thread, the hook after each, calls with a limit, timers that post. */
class WorkerLoopTest {

    private final ExecutorService thread = Executors.newSingleThreadExecutor(new NamedThreads("test-loop", true));
    private final ManualTimer timer = new ManualTimer();
    private final WorkerLoop loop = new WorkerLoop(thread, timer, timer.clock);

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    @Test
    void eventsRunInOrderOnOneThreadAndAFailingOneDoesNotStopTheLoop() {
        List<String> seen = new ArrayList<>(); // touched on the loop only
        List<Integer> hooks = new ArrayList<>();
        loop.afterEvent(() -> hooks.add(seen.size()));
        loop.post(() -> seen.add("a"));
        loop.post(() -> {
            throw new IllegalStateException("boom");
        });
        loop.post(() -> seen.add("b"));
        List<String> after = loop.call(() -> List.copyOf(seen), Duration.ofSeconds(10));
        assertThat(after).containsExactly("a", "b");
        // the hook ran after each of the four events, the failed one included
        assertThat(loop.call(() -> List.copyOf(hooks), Duration.ofSeconds(10))).startsWith(1, 1, 2, 2);
    }

    @Test
    void aCallFromTheLoopItselfRunsAtOnceInsteadOfWaitingForItself() {
        String answer = loop.call(() -> loop.onLoop() ? loop.call(() -> "inner", Duration.ofSeconds(1)) : "off the loop",
                Duration.ofSeconds(10));
        assertThat(answer).isEqualTo("inner");
        assertThat(loop.onLoop()).isFalse();
    }

    @Test
    void aStoppedLoopAnswersWithAClearError() throws Exception {
        thread.shutdown();
        assertThat(thread.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> loop.call(() -> 1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class).hasMessage("the worker has stopped");
        loop.post(() -> { }); // dropped, not thrown
    }

    @Test
    void timersPostToTheLoopWhenTheClockPassesThem() {
        List<Instant> at = new ArrayList<>();
        loop.schedule(Duration.ofMillis(100), () -> at.add(loop.now()));
        loop.every(Duration.ofMillis(50), Duration.ofMillis(50), () -> at.add(loop.now()));
        timer.advance(Duration.ofMillis(99));
        List<Instant> sofar = loop.call(() -> List.copyOf(at), Duration.ofSeconds(10));
        assertThat(sofar).hasSize(1);
        timer.advance(Duration.ofMillis(1));
        // the timer's thread only posts: the events run on the loop, in the order they fell due
        assertThat(loop.call(() -> at.size(), Duration.ofSeconds(10))).isEqualTo(3);
    }

    @Test
    void theMonotonicClockNeverGoesBack() {
        Clock clock = WorkerLoop.monotonicClock();
        Instant before = clock.instant();
        for (int i = 0; i < 10_000; i++) {
            Instant now = clock.instant();
            assertThat(now).isAfterOrEqualTo(before);
            before = now;
        }
    }
}
