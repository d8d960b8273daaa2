package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.master.store.StoreBatch;
import io.gridwork.master.store.StoreException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one writer: in order, never dropping a request or its callbacks. */
class JournalTest {

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<CoreException> failures = new CopyOnWriteArrayList<>();
    private Journal journal;

    @AfterEach
    void tearDown() {
        if (journal != null) {
            journal.close(Duration.ofMillis(100));
        }
    }

    private static StoreBatch batch(String jobId) {
        return new StoreBatch().job(StoreBatch.JobUpdate.started(jobId, java.time.Instant.EPOCH));
    }

    @Test
    void aBatchSurvivesAnInterruptDuringItsBackoffAndIsCommittedOnTheRetry() {
        AtomicInteger tries = new AtomicInteger();
        AtomicReference<Thread> writer = new AtomicReference<>();
        journal = new Journal(b -> {
            writer.set(Thread.currentThread());
            if (tries.incrementAndGet() == 1) {
                throw new IllegalStateException("database is locked");
            }
            log.add("committed " + b.size());
            return new boolean[0];
        }, Runnable::run, Duration.ofMinutes(1)); // a backoff no test waits out: only the interrupt ends it
        journal.start();
        journal.append(batch("job-1"), written -> log.add("callback"), failures::add);

        await().atMost(Duration.ofSeconds(10)).until(() -> writer.get() != null
                && writer.get().getState() == Thread.State.TIMED_WAITING);
        writer.get().interrupt();

        await().atMost(Duration.ofSeconds(10)).until(() -> log.contains("callback"));
        assertThat(log).containsExactly("committed 1", "callback");
        assertThat(tries).hasValue(2);
        assertThat(failures).isEmpty();
        assertThat(writer.get().isAlive()).as("the journal carries on").isTrue();
    }

    @Test
    void batchesQueuedTogetherAreCommittedTogetherInOrderAndTheirCallbacksRunInThatOrder() {
        List<Integer> commits = new CopyOnWriteArrayList<>();
        journal = new Journal(b -> {
            commits.add(b.size());
            return new boolean[0];
        }, Runnable::run, Duration.ofMillis(1));
        journal.append(batch("job-1"), w -> log.add("first"), failures::add);
        journal.append(batch("job-2").job(StoreBatch.JobUpdate.started("job-3", java.time.Instant.EPOCH)),
                w -> log.add("second"), failures::add);
        journal.append(batch("job-4"), w -> log.add("third"), failures::add);

        assertThat(journal.drainOnce()).isEqualTo(3);
        assertThat(commits).as("one transaction").containsExactly(4);
        assertThat(log).containsExactly("first", "second", "third");
    }

    @Test
    void closingCommitsWhatIsQueued() {
        List<Integer> committed = Collections.synchronizedList(new ArrayList<>());
        journal = new Journal(b -> {
            committed.add(b.size());
            return new boolean[0];
        }, Runnable::run, Duration.ofMillis(1));
        journal.append(batch("job-1"), w -> log.add("callback"), failures::add);
        journal.close(Duration.ofSeconds(5));
        assertThat(committed).containsExactly(1);
        assertThat(log).containsExactly("callback");
        assertThat(failures).isEmpty();
    }

    @Test
    void whatCannotBeStoredBeforeTheCloseDeadlineFailsWithUnavailableAndItsCallbackNeverRuns() {
        journal = new Journal(b -> {
            throw new IllegalStateException("disk full");
        }, Runnable::run, Duration.ofMillis(5));
        journal.start();
        journal.append(batch("job-1"), w -> log.add("callback"), failures::add);
        journal.append(batch("job-2"), w -> log.add("second callback"), failures::add);
        journal.close(Duration.ofMillis(200));
        assertThat(log).isEmpty();
        assertThat(failures).hasSize(2).allSatisfy(e -> {
            assertThat(e.kind()).isEqualTo(CoreException.Kind.UNAVAILABLE);
            assertThat(e.getMessage()).startsWith("the master stopped before it could store this");
        });
        journal.append(batch("job-2"), w -> log.add("late"), failures::add);
        assertThat(failures).as("a request after the close fails at once").hasSize(3);
    }

    /** A batch of {@code n} job updates. */
    private static StoreBatch updates(int n) {
        StoreBatch b = new StoreBatch();
        for (int i = 0; i < n; i++) {
            b.job(StoreBatch.JobUpdate.started("job-" + i, java.time.Instant.EPOCH));
        }
        return b;
    }

    /** A batch the database refuses for good: here, any batch holding a task output. */
    private static StoreBatch poisoned() {
        return new StoreBatch().success(new StoreBatch.TaskSuccess("job-p", 0, new byte[1], "w-1", 1));
    }

    private static StoreException valueTooLong() {
        return new StoreException("database error: value too long for column OUTPUT",
                new SQLException("Value too long for column \"OUTPUT\"", "22001"));
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a refused commit retried as if it were transient would never end
    void aPoisonedRequestFailsAloneTheOthersCommitInOrderAndTheJournalGoesOn() {
        List<Integer> commits = new CopyOnWriteArrayList<>();
        AtomicInteger refusals = new AtomicInteger();
        journal = new Journal(b -> {
            if (b.successCount() > 0) {
                refusals.incrementAndGet();
                throw valueTooLong();
            }
            commits.add(b.size());
            return new boolean[0];
        }, Runnable::run, Duration.ofMinutes(1)); // a backoff no test waits out: a refusal must not back off
        journal.append(updates(1), w -> log.add("first"), failures::add);
        journal.append(updates(2), w -> log.add("second"), failures::add);
        journal.append(poisoned(), w -> log.add("poisoned"), e -> log.add("poisoned failed"));
        journal.append(updates(3), w -> log.add("fourth"), failures::add);

        assertThat(journal.drainOnce()).isEqualTo(4);
        assertThat(refusals).as("once together, once alone").hasValue(2);
        assertThat(commits).as("the good ones, one at a time, in order").containsExactly(1, 2, 3);
        assertThat(log).containsExactly("first", "second", "poisoned failed", "fourth");
        assertThat(failures).isEmpty();

        journal.append(updates(4), w -> log.add("later"), failures::add);
        assertThat(journal.drainOnce()).isEqualTo(1);
        assertThat(commits).as("the next commit groups again").containsExactly(1, 2, 3, 4);
        assertThat(log).endsWith("later");
    }

    @Test
    void aPoisonedRequestsCallbackGetsInvalidArgumentNamingWhatTheDatabaseRefused() {
        List<String> threads = new CopyOnWriteArrayList<>();
        journal = new Journal(b -> {
            throw valueTooLong();
        }, r -> {
            threads.add("loop");
            r.run();
        }, Duration.ofMinutes(1));
        journal.start();
        journal.append(poisoned(), w -> log.add("callback"), failures::add);

        await().atMost(Duration.ofSeconds(10)).until(() -> !failures.isEmpty());
        assertThat(failures).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(CoreException.Kind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains("refused").contains("value too long for column OUTPUT");
        });
        assertThat(threads).as("the failure callback runs on the loop").containsExactly("loop");
        assertThat(log).isEmpty();
    }

    @Test
    void aTransientFailureIsRetriedUntilTheStoreIsBackAndNothingIsSplitOrDropped() {
        AtomicInteger tries = new AtomicInteger();
        List<Integer> commits = new CopyOnWriteArrayList<>();
        journal = new Journal(b -> {
            int n = tries.incrementAndGet();
            if (n == 1) {
                throw new StoreException("database error: connection lost",
                        new SQLTransientConnectionException("connection lost", "08006"));
            }
            if (n == 2) {
                throw new StoreException("database error: deadlock", new SQLException("deadlock detected", "40P01"));
            }
            if (n == 3) {
                throw new StoreException("database error: shutting down", new SQLException("admin shutdown", "57P01"));
            }
            commits.add(b.size());
            return new boolean[] {true};
        }, Runnable::run, Duration.ofMillis(1));
        journal.append(updates(1), w -> log.add("first"), failures::add);
        journal.append(updates(2).success(new StoreBatch.TaskSuccess("job-1", 0, new byte[1], "w-1", 1)),
                w -> log.add("second " + w[0]), failures::add);

        assertThat(journal.drainOnce()).isEqualTo(2);
        assertThat(tries).hasValue(4);
        assertThat(commits).as("committed together once the store is back (the output counts for its worker too)")
                .containsExactly(5);
        assertThat(log).containsExactly("first", "second true");
        assertThat(failures).isEmpty();
    }

    @Test
    void whatIsPermanentAndWhatPasses() {
        assertThat(StoreException.isPermanent(valueTooLong())).isTrue();
        assertThat(StoreException.isPermanent(new StoreException("unique",
                new SQLException("duplicate key", "23505")))).isTrue();
        assertThat(StoreException.isPermanent(new IllegalArgumentException("bad write"))).isTrue();
        assertThat(StoreException.isPermanent(new StoreException("x", new SQLException("refused", "08001")))).isFalse();
        assertThat(StoreException.isPermanent(new StoreException("x", new SQLException("serialization", "40001"))))
                .isFalse();
        assertThat(StoreException.isPermanent(new StoreException("x", new SQLException("out of memory", "53200"))))
                .isFalse();
        assertThat(StoreException.isPermanent(new StoreException("x", new SQLException("no state")))).isFalse();
        assertThat(StoreException.isPermanent(new io.gridwork.master.store.StoreUnavailableException("down",
                new SQLException("value", "22001")))).as("unavailable, whatever it wraps").isFalse();
        assertThat(StoreException.isPermanent(new IllegalStateException("database is locked"))).isFalse();
    }

    @Test
    void aFencedCommitIsNeitherRetriedNorSplitAndNothingOfTheOldIdentityCommitsAfter() {
        AtomicInteger tries = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean fenced = new java.util.concurrent.atomic.AtomicBoolean(true);
        AtomicInteger told = new AtomicInteger();
        journal = new Journal(b -> {
            tries.incrementAndGet();
            if (fenced.get()) {
                throw new StoreException("commit failed", new io.gridwork.master.store.FencedException("master m1 is DEAD"));
            }
            log.add("committed " + b.size());
            return new boolean[0];
        }, Runnable::run, Duration.ofMillis(1));
        journal.onFenced(told::incrementAndGet);
        journal.append(batch("job-1"), written -> log.add("callback 1"), failures::add);
        journal.append(batch("job-2"), written -> log.add("callback 2"), failures::add);
        journal.drainOnce();
        assertThat(tries).hasValue(1); // one try of both together: no retry, no one-at-a-time isolation
        assertThat(failures).hasSize(2).allMatch(f -> f.kind() == CoreException.Kind.UNAVAILABLE);
        assertThat(told).hasValue(1);
        assertThat(journal.fenced()).isTrue();

        journal.append(batch("job-3"), written -> log.add("callback 3"), failures::add); // while fenced: refused at once
        assertThat(failures).hasSize(3);
        fenced.set(false); // the store would accept a write again (under a new identity)
        journal.unfence();
        journal.append(batch("job-4"), written -> log.add("callback 4"), failures::add);
        journal.drainOnce();
        assertThat(log).containsExactly("committed 1", "callback 4");
        assertThat(tries).hasValue(2);
    }
}
