package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dispatcher's pure policies, alone: fair share, speculation, retry or fail. */
class PoliciesTest {

    private record Job(String name, int priority, String owner, int runningUnits) implements FairShare.Claim {}

    // ------------------------------------------------------------------------------------------ fair share

    @Test
    void higherPriorityComesFirstWhateverTheShares() {
        FairShare share = new FairShare();
        share.add("alice", 10);
        List<Job> jobs = new ArrayList<>(List.of(new Job("bob", 0, "bob", 0), new Job("alice", 5, "alice", 10)));
        jobs.sort(share.order());
        assertThat(jobs).extracting(Job::name).containsExactly("alice", "bob");
    }

    @Test
    void theUserHoldingFewerSlotsGoesFirstThenTheJobHoldingFewerThenSubmissionOrder() {
        FairShare share = new FairShare();
        share.add("alice", 3);
        share.add("alice", 3);
        share.add("bob", 2);
        List<Job> jobs = new ArrayList<>(List.of(new Job("a1", 0, "alice", 3), new Job("a2", 0, "alice", 3),
                new Job("b1", 0, "bob", 2), new Job("c1", 0, "carol", 0), new Job("c2", 0, "carol", 0)));
        jobs.sort(share.order());
        assertThat(jobs).extracting(Job::name).containsExactly("c1", "c2", "b1", "a1", "a2");
        assertThat(share.unitsOf("alice")).isEqualTo(6);
    }

    @Test
    void slotsGivenBackLeaveNoTrace() {
        FairShare share = new FairShare();
        share.add("alice", 2);
        share.add("alice", -2);
        assertThat(share.unitsOf("alice")).isZero();
        List<Job> jobs = new ArrayList<>(List.of(new Job("a", 0, "alice", 1), new Job("b", 0, "bob", 0)));
        jobs.sort(share.order());
        assertThat(jobs).extracting(Job::name).containsExactly("b", "a"); // then by the job's own slots
    }

    // ------------------------------------------------------------------------------------------ speculation

    private final Speculation speculation = new Speculation(1.5, Duration.ofMillis(200));

    @Test
    void aTaskIsSlowPastTheMultipleOfItsJobsMeanAndTheMinimumRuntime() {
        assertThat(speculation.thresholdMs(100)).isEqualTo(200); // the minimum wins
        assertThat(speculation.thresholdMs(1000)).isEqualTo(1500);
        assertThat(speculation.<String>choose(1.0, List.of(new Speculation.Running<>("young", 199, 100, 1.0)))).isNull();
        assertThat(speculation.choose(1.0, List.of(new Speculation.Running<>("slow", 200, 100, 1.0)))).isEqualTo("slow");
    }

    @Test
    void theMostOverdueWinsTheFirstOfEquals() {
        List<Speculation.Running<String>> running = List.of(
                new Speculation.Running<>("a", 3000, 1000, 1.0),   // 2.0
                new Speculation.Running<>("b", 4500, 1000, 1.0),   // 3.0
                new Speculation.Running<>("c", 4500, 1000, 1.0));  // 3.0, after b
        assertThat(speculation.choose(1.0, running)).isEqualTo("b");
    }

    @Test
    void aSlowerWorkerDoesNotTakeOverATaskOfAFasterOne() {
        List<Speculation.Running<String>> running = List.of(new Speculation.Running<>("held-by-fast", 5000, 100, 2.0));
        assertThat(speculation.choose(1.0, running)).isNull();
        assertThat(speculation.choose(2.0, running)).isEqualTo("held-by-fast");
    }

    // ------------------------------------------------------------------------------------------ retry or fail

    private final RetryPolicy retry = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(1), 3);

    @Test
    void aRetryableFailureIsRetriedWithADoublingCappedDelayUntilTheAttemptsAreUsedUp() {
        assertThat(retry.failed(7, 1, 3, true, "boom")).isEqualTo(RetryPolicy.Decision.retry(Duration.ofMillis(200)));
        assertThat(retry.failed(7, 2, 3, true, "boom")).isEqualTo(RetryPolicy.Decision.retry(Duration.ofMillis(400)));
        assertThat(retry.delay(4)).isEqualTo(Duration.ofMillis(1000)); // 1600 capped
        assertThat(retry.failed(7, 3, 3, true, "boom"))
                .isEqualTo(RetryPolicy.Decision.fail("task 7 failed 3 times; last error: boom"));
        assertThat(retry.failed(7, 1, 1, true, "boom"))
                .isEqualTo(RetryPolicy.Decision.fail("task 7 failed 1 time; last error: boom"));
        assertThat(retry.timedOut(7, 1, 1, "stuck"))
                .isEqualTo(RetryPolicy.Decision.fail("task 7 timed out 1 time; last: stuck"));
    }

    @Test
    void aNonRetryableFailureFailsAtOnce() {
        assertThat(retry.failed(2, 1, 3, false, "bad input"))
                .isEqualTo(RetryPolicy.Decision.fail("task 2 failed and is not retryable: bad input"));
    }

    @Test
    void timeoutsCountAsFailuresWithTheirOwnMessage() {
        assertThat(retry.timedOut(0, 1, 2, "timed out").action()).isEqualTo(RetryPolicy.Action.RETRY);
        assertThat(retry.timedOut(0, 2, 2, "timed out on worker w (no progress for 2000 ms)"))
                .isEqualTo(RetryPolicy.Decision.fail("task 0 timed out 2 times; last: timed out on worker w (no progress "
                        + "for 2000 ms)"));
    }

    @Test
    void aLostTaskRunsAgainAtOnceUnlessWorkersKeepDyingUnderIt() {
        assertThat(retry.lost(4, 0, false, "link").action()).isEqualTo(RetryPolicy.Action.REQUEUE);
        assertThat(retry.lost(4, 2, true, "killed").action()).isEqualTo(RetryPolicy.Action.REQUEUE);
        assertThat(retry.lost(4, 3, false, "link").action()).as("a loss that is not a crash never quarantines")
                .isEqualTo(RetryPolicy.Action.REQUEUE);
        assertThat(retry.lost(4, 3, true, "killed")).isEqualTo(RetryPolicy.Decision.fail(
                "task 4 was running when its worker died 3 times (last: killed); it is quarantined"));
    }
}
