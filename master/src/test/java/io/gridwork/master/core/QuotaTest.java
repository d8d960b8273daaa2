package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.QuotaPeriod;
import io.gridwork.master.store.QuotaRow;
import io.gridwork.master.store.UsageLine;
import io.gridwork.master.store.UsageQuery;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.sdk.Codecs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Quotas and the usage ledger through the scheduler, on a manual clock: fair share orders users, quotas cap them; a
 * user at its slot limit gets no more slots until some free up, a user over its cost limit no new tasks until the
 * period rolls over; the ledger's records are written with the attempts' ends.
 */
class QuotaTest extends HarnessTestBase {

    private JobSnapshot submit(long n, String owner) {
        return h.submit(h.submission(SquaresJob.class, Map.of("n", Long.toString(n)), owner, "", 0, 0, false));
    }

    private static List<Messages.Assignment> of(Harness.FakeWorker w, String jobId) {
        return w.assignments().stream().filter(a -> a.key().jobId().equals(jobId)).collect(Collectors.toList());
    }

    private void quota(QuotaRow q) {
        h.store.usage().putQuota(q);
        h.scheduler.reloadQuotas();
    }

    /** The clock moves {@code d}, the worker heartbeating all along (it stays alive). */
    private void pass(Harness.FakeWorker w, Duration d) {
        for (Duration left = d; !left.isZero(); ) {
            Duration step = left.compareTo(Duration.ofMillis(100)) < 0 ? left : Duration.ofMillis(100);
            h.advance(step);
            w.heartbeat();
            left = left.minus(step);
        }
    }

    /** The worker says the task started, the clock moves {@code ran}, and the task succeeds. */
    private void run(Harness.FakeWorker w, Messages.Assignment a, Duration ran) {
        w.started(a);
        pass(w, ran);
        w.succeed(a, ran.toMillis());
        h.commit();
    }

    @Test
    void aUserAtItsSlotLimitGetsNoMoreSlotsAndTheOthersTakeThem() {
        quota(new QuotaRow("alice", 1, 0, null, Instant.EPOCH));
        JobSnapshot alice = submit(4, "alice");
        JobSnapshot bob = submit(100, "bob");
        Harness.FakeWorker w = h.worker("w", 4, 0);
        w.credit(4);
        assertThat(of(w, alice.id())).as("alice: one slot at a time").hasSize(1);
        assertThat(of(w, bob.id())).as("bob takes the rest").hasSize(3);
        assertThat(h.job(alice.id()).waitingReason()).isEqualTo(
                "user alice is at its slot limit: 1 of max-slots 1 held (grid quota)");
        assertThat(h.job(bob.id()).waitingReason()).isEmpty();

        // alice's task ends: her next one takes the freed slot, never two at once
        for (int done = 0; done < 4; done++) {
            Messages.Assignment a = of(w, alice.id()).get(done);
            run(w, a, Duration.ofSeconds(1));
            assertThat(h.job(alice.id()).running() + h.job(alice.id()).held()).isLessThanOrEqualTo(1);
        }
        assertThat(h.job(alice.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(of(w, alice.id())).hasSize(4);
    }

    @Test
    void aUserOverItsCostLimitIsHeldUntilThePeriodRollsOver() {
        // the manual clock starts at some instant; the day ends at the next UTC midnight
        Instant start = h.timer.clock.instant();
        Instant midnight = QuotaPeriod.DAY.end(start);
        quota(new QuotaRow("alice", 0, 2.5, QuotaPeriod.DAY, start));
        JobSnapshot alice = submit(3, "alice");
        Harness.FakeWorker w = h.worker("w", 1, 0);
        w.credit(1);
        // a task of 3 s on a worker of cost factor 1: cost 3 > 2.5, so no new task after it
        run(w, of(w, alice.id()).get(0), Duration.ofSeconds(3));
        assertThat(of(w, alice.id())).hasSize(1);
        JobSnapshot held = h.job(alice.id());
        assertThat(held.state()).isEqualTo(JobState.RUNNING);
        assertThat(held.waitingReason()).startsWith("user alice reached its cost limit: 3 of 2.50 this day (grid quota); "
                + "new tasks from " + midnight);
        assertThat(h.scheduler.quotas()).singleElement().satisfies(q -> {
            assertThat(q.costUsed()).isCloseTo(3, within(1e-9));
            assertThat(q.periodEnds()).isEqualTo(midnight);
        });

        // the same day: still held; a master restart reads the day's cost back from the ledger
        pass(w, Duration.ofSeconds(30));
        h.commit();
        h.scheduler.reloadQuotas();
        w.credit(0);
        assertThat(of(w, alice.id())).hasSize(1);
        assertThat(h.scheduler.quotas().get(0).costUsed()).isCloseTo(3, within(1e-9));

        // the next day (the clock jumps: the first worker is long gone): the period rolled over, the job goes on
        h.advance(Duration.between(h.timer.clock.instant(), midnight).plusSeconds(1));
        assertThat(h.scheduler.quotas().get(0).costUsed()).isZero();
        Harness.FakeWorker next = h.worker("next", 1, 0);
        next.credit(1);
        assertThat(of(next, alice.id())).hasSize(1);
        assertThat(h.job(alice.id()).waitingReason()).isEmpty();
    }

    @Test
    void removingAQuotaReleasesTheHeldJobAtOnce() {
        quota(new QuotaRow("alice", 1, 0, null, Instant.EPOCH));
        JobSnapshot alice = submit(3, "alice");
        Harness.FakeWorker w = h.worker("w", 3, 0);
        w.credit(3);
        assertThat(of(w, alice.id())).hasSize(1);
        h.store.usage().deleteQuota("alice");
        h.scheduler.reloadQuotas();
        assertThat(of(w, alice.id())).hasSize(3);
    }

    @Test
    void everyAttemptLeavesOneRecordWithItsRunTimeAndItsWorkersCostFactor() {
        JobSnapshot job = submit(2, "carol");
        Harness.FakeWorker w = h.worker("w", 1, 0);
        w.credit(1);
        // task 0: fails once after 2 s (a task_attempt row), then succeeds in 4 s (the same)
        Messages.Assignment first = of(w, job.id()).get(0);
        w.started(first);
        pass(w, Duration.ofSeconds(2));
        w.fail(first, "boom", true);
        h.commit();
        // then every task that comes: task 0 (the retry) runs 4 s, task 1 (a first attempt alone: its record on its
        // task's row) 5 s
        int seen = 1;
        for (int round = 0; round < 20 && h.job(job.id()).state() != JobState.SUCCEEDED; round++) {
            List<Messages.Assignment> all = w.assignments();
            if (all.size() == seen) {
                pass(w, Duration.ofSeconds(1)); // the retry's backoff
                continue;
            }
            Messages.Assignment a = all.get(seen++);
            run(w, a, Duration.ofSeconds(a.key().index() == 0 ? 4 : 5));
        }
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);

        UsageLine carol = h.store.usage().report(new UsageQuery(UsageQuery.By.USER, "carol", null, null, null)).get(0);
        assertThat(carol.tasks()).isEqualTo(3);
        assertThat(carol.slotSeconds()).isCloseTo(11, within(1e-9));
        assertThat(carol.wastedSlotSeconds()).isCloseTo(2, within(1e-9));
        assertThat(carol.cost()).as("cost factor 1").isCloseTo(11, within(1e-9));
    }
}
