package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.testing.DirectLoop;
import io.gridwork.testing.ManualTimer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class LoopTest {

    private final ManualTimer timer = new ManualTimer();
    /** A loop that runs its mailbox only when the test says so: a stuck (or swamped) scheduler. */
    private final Queue<Runnable> mailbox = new ArrayDeque<>();
    private final Executor stuck = mailbox::add;

    @Test
    void aCallThatTheLoopDoesNotAnswerInTimeIsUnavailableAndTheMailboxDepthShowsIt() {
        Loop loop = new Loop(stuck, timer, timer.clock, Duration.ofMillis(20));
        assertThatThrownBy(() -> loop.call(() -> "answer"))
                .isInstanceOf(CoreException.class)
                .hasMessage("the scheduler did not answer within 20 ms; the master is overloaded, try again")
                .extracting(e -> ((CoreException) e).kind()).isEqualTo(CoreException.Kind.UNAVAILABLE);
        loop.post(() -> { });
        assertThat(loop.depth()).isEqualTo(2);
        mailbox.forEach(Runnable::run);
        assertThat(loop.depth()).isZero();
    }

    @Test
    void aCallAnsweredInTimeReturnsItsValueOrRethrowsItsRefusal() {
        Loop loop = new Loop(new DirectLoop(), timer, timer.clock, Duration.ofMillis(20));
        assertThat(loop.call(() -> "answer")).isEqualTo("answer");
        assertThatThrownBy(() -> loop.call(() -> {
            throw CoreException.notFound("job_id: no job job-9");
        })).isInstanceOf(CoreException.class).hasMessage("job_id: no job job-9");
    }

    @Test
    void timersPostToTheLoopAndAStoppedLoopDropsEventsQuietly() {
        Loop loop = new Loop(stuck, timer, timer.clock, Duration.ofMillis(20));
        StringBuilder ran = new StringBuilder();
        loop.schedule(Duration.ofSeconds(1), () -> ran.append("due"));
        timer.advance(Duration.ofMillis(999));
        assertThat(mailbox).isEmpty();
        timer.advance(Duration.ofMillis(1));
        assertThat(mailbox).hasSize(1);
        mailbox.poll().run();
        assertThat(ran.toString()).isEqualTo("due");

        Loop stopped = new Loop(r -> {
            throw new RejectedExecutionException("shut down");
        }, timer, timer.clock, Duration.ofMillis(20));
        stopped.post(() -> ran.append("never"));
        assertThat(stopped.depth()).isZero();
        assertThatThrownBy(() -> stopped.call(() -> 1)).isInstanceOf(CoreException.class)
                .hasMessage("the master is shutting down");
    }
}
