package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gridwork.master.model.AttemptOutcome;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The usage ledger in the store (V14): records written with the attempts' ends (task_attempt rows, and a first
 * attempt's record on its task's row), read back added up by user, job, worker and day, with time bounds; and quotas.
 * Run on H2 and on PostgreSQL.
 */
abstract class UsageLedgerContract {

    private static final String JAR = "a".repeat(64);
    private static final Offset<Double> EXACT = within(1e-9);
    protected final Instant day1 = Instant.parse("2026-03-02T10:00:00Z");
    protected final Instant day2 = Instant.parse("2026-03-03T10:00:00Z");
    protected Store store;

    protected abstract StoreConfig freshDatabase();

    @BeforeEach
    void open() {
        store = Store.open(freshDatabase());
        store.jars().put(new JarRow(JAR, 10, "x.jar", day1));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private JobRow job(String owner, int tasks) {
        List<byte[]> inputs = new java.util.ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            inputs.add(new byte[] {(byte) i});
        }
        return store.jobs().insert(new NewJob(JAR, "x.Job", Map.of(), 3, 0, day1, owner, NewJob.Placement.DEFAULT),
                inputs, true);
    }

    private static TaskAttemptRow attempt(String job, long index, int number, String worker, Instant end,
            AttemptOutcome outcome, AttemptUsage usage) {
        return TaskAttemptRow.ended(job, index, number, 100L + number, "id-" + worker, worker, end.minusSeconds(60), end,
                outcome, 1000, outcome == AttemptOutcome.SUCCEEDED ? null : "boom", null, null, "", 0).withUsage(usage);
    }

    /** Sets up: alice's job-1 (3 tasks) and bob's job-2 (1 task), on workers w1 (factor 1) and w2 (factor 2.5). */
    private void ledger() {
        JobRow a = job("alice", 3);
        JobRow b = job("bob", 1);
        store.apply(new StoreBatch()
                // task 0: a first attempt that succeeded alone: its record on the task's row (10 s, 1 slot, w1)
                .success(new StoreBatch.TaskSuccess(a.id(), 0, new byte[] {1}, null, 9_000,
                        new AttemptUsage(1, 10_000, 4_000_000_000L, 1.0, false), day1))
                // task 1: failed once on w2 (20 s, 2 slots, wasted), then succeeded on w1 with a task_attempt row
                .attemptEnded(attempt(a.id(), 1, 1, "w2", day1, AttemptOutcome.FAILED,
                        new AttemptUsage(2, 20_000, 1_000_000_000L, 2.5, false)))
                .success(new StoreBatch.TaskSuccess(a.id(), 1, new byte[] {2}, "id-w1", 5_000))
                .attemptEnded(attempt(a.id(), 1, 2, "w1", day2, AttemptOutcome.SUCCEEDED,
                        new AttemptUsage(1, 5_000, 0, 1.0, false)))
                // task 2: a speculative loser on w2 (3 s, cancelled: lost the race)
                .attemptEnded(attempt(a.id(), 2, 1, "w2", day2, AttemptOutcome.CANCELLED,
                        new AttemptUsage(1, 3_000, 0, 2.5, true)))
                // bob: one attempt lost with its worker (7 s) on day 2
                .attemptEnded(attempt(b.id(), 0, 1, "w1", day2, AttemptOutcome.LOST,
                        new AttemptUsage(1, 7_000, 0, 1.0, false)))
                // an attempt from before the ledger (no usage): left out
                .attemptEnded(attempt(b.id(), 0, 2, "w1", day2, AttemptOutcome.SUCCEEDED, null)));
    }

    @Test
    void everyRecordIsCountedOnceByUser() {
        ledger();
        List<UsageLine> lines = store.usage().report(new UsageQuery(UsageQuery.By.USER, null, null, null, null));
        assertThat(lines).extracting(UsageLine::key).containsExactly("alice", "bob");
        UsageLine alice = lines.get(0);
        assertThat(alice.slotSeconds()).isCloseTo(10 + 40 + 5 + 3, EXACT);
        assertThat(alice.cost()).isCloseTo(10 + 40 * 2.5 + 5 + 3 * 2.5, EXACT);
        assertThat(alice.cpuSeconds()).isCloseTo(5, EXACT);
        assertThat(alice.tasks()).isEqualTo(4);
        assertThat(alice.wastedSlotSeconds()).as("the failure and the lost race").isCloseTo(40 + 3, EXACT);
        UsageLine bob = lines.get(1);
        assertThat(bob.slotSeconds()).isCloseTo(7, EXACT);
        assertThat(bob.tasks()).as("the attempt without a record is not counted").isEqualTo(1);
        assertThat(bob.wastedSlotSeconds()).isCloseTo(7, EXACT);
    }

    @Test
    void byJobWorkerAndDayWithBoundsAndAUser() {
        ledger();
        assertThat(store.usage().report(new UsageQuery(UsageQuery.By.JOB, null, "job-1", null, null)))
                .singleElement().satisfies(l -> {
                    assertThat(l.key()).isEqualTo("job-1");
                    assertThat(l.slotSeconds()).isCloseTo(58, EXACT);
                });
        assertThat(store.usage().report(new UsageQuery(UsageQuery.By.JOB, null, "no-such-job", null, null))).isEmpty();
        List<UsageLine> workers = store.usage().report(new UsageQuery(UsageQuery.By.WORKER, "alice", null, null, null));
        assertThat(workers).extracting(UsageLine::key).containsExactly("", "w1", "w2");
        assertThat(workers.get(0).slotSeconds()).as("the task row's record names no known worker").isCloseTo(10, EXACT);
        assertThat(workers.get(2).cost()).isCloseTo(40 * 2.5 + 3 * 2.5, EXACT);
        List<UsageLine> days = store.usage().report(new UsageQuery(UsageQuery.By.DAY, null, null, null, null));
        assertThat(days).extracting(UsageLine::key).containsExactly("2026-03-02", "2026-03-03");
        assertThat(days.get(0).slotSeconds()).isCloseTo(50, EXACT);
        assertThat(days.get(1).slotSeconds()).isCloseTo(15, EXACT);
        assertThat(store.usage().report(new UsageQuery(UsageQuery.By.USER, null, null, day2, null)))
                .extracting(UsageLine::key, UsageLine::tasks)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", 2L), org.assertj.core.groups.Tuple.tuple("bob", 1L));
        assertThat(store.usage().report(new UsageQuery(UsageQuery.By.USER, null, null, null, day2)))
                .singleElement().satisfies(l -> assertThat(l.slotSeconds()).isCloseTo(50, EXACT));
    }

    @Test
    void costSinceAPeriodsStartPerUser() {
        ledger();
        Map<String, Double> all = store.usage().costSince(day1.minusSeconds(3600));
        assertThat(all.get("alice")).isCloseTo(10 + 100 + 5 + 7.5, EXACT);
        assertThat(all.get("bob")).isCloseTo(7, EXACT);
        Map<String, Double> later = store.usage().costSince(day2.minusSeconds(1));
        assertThat(later.get("alice")).isCloseTo(5 + 7.5, EXACT);
    }

    @Test
    void quotasAreSetReplacedListedAndRemoved() {
        store.usage().putQuota(new QuotaRow("alice", 2, 0, null, day1));
        store.usage().putQuota(new QuotaRow("alice", 0, 50.5, QuotaPeriod.WEEK, day2));
        store.usage().putQuota(new QuotaRow("bob", 1, 0, null, day2));
        assertThat(store.usage().quotas()).extracting(QuotaRow::user).containsExactly("alice", "bob");
        QuotaRow alice = store.usage().quota("alice").orElseThrow();
        assertThat(alice.maxSlots()).isZero();
        assertThat(alice.costLimit()).isEqualTo(50.5);
        assertThat(alice.period()).isEqualTo(QuotaPeriod.WEEK);
        assertThat(store.usage().deleteQuota("bob")).isPresent();
        assertThat(store.usage().deleteQuota("bob")).isEmpty();
        assertThat(store.usage().quotas()).extracting(QuotaRow::user).containsExactly("alice");
    }

    @Test
    void theRecordsReadBackWithTheAttempts() {
        ledger();
        assertThat(store.tasks().attempts("job-1", 2L, 0, false, 0, 10)).singleElement()
                .satisfies(a -> assertThat(a.usage()).isEqualTo(new AttemptUsage(1, 3_000, 0, 2.5, true)));
    }
}
