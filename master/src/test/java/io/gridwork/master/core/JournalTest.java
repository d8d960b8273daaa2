package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.master.store.StoreBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
}
