package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.store.StoreBatch;
import io.gridwork.testing.DirectLoop;
import io.gridwork.testing.ManualTimer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Results cannot pile up in memory faster than the store commits them: past a number (or size) of outputs waiting for
 * their commit the flusher says so, and the dispatcher gives out no new task until the store caught up.
 */
class FlusherBackpressureTest {

    private final ManualTimer timer = new ManualTimer();
    private final DirectLoop direct = new DirectLoop();
    private final Loop loop = new Loop(direct, timer, timer.clock, Duration.ofSeconds(5));
    private final Journal journal = new Journal(b -> {
        boolean[] written = new boolean[b.successCount()];
        Arrays.fill(written, true);
        return written;
    }, direct, Duration.ofMillis(1));
    private final Flusher flusher = new Flusher(loop, journal);
    private final AtomicInteger cleared = new AtomicInteger();
    private final AtomicInteger stored = new AtomicInteger();

    private void results(int n, int bytes) {
        loop.post(() -> {
            for (int i = 0; i < n; i++) {
                flusher.success(new StoreBatch.TaskSuccess("job-1", i, new byte[bytes], "w-1", 1),
                        written -> stored.incrementAndGet(), e -> { });
            }
        });
    }

    @Test
    void pastTheLimitOfOutputsWaitingForTheirCommitDispatchPausesUntilTheStoreCaughtUp() {
        flusher.onBacklogCleared(cleared::incrementAndGet);
        results(Flusher.MAX_OUTPUTS_AWAITING_COMMIT - 1, 1);
        assertThat(flusher.backlogged()).isFalse();
        results(1, 1);
        assertThat(flusher.backlogged()).as("at the limit").isTrue();
        assertThat(flusher.outputsAwaitingCommit()).isEqualTo(Flusher.MAX_OUTPUTS_AWAITING_COMMIT);

        journal.drainOnce(); // the store commits them all
        assertThat(stored).hasValue(Flusher.MAX_OUTPUTS_AWAITING_COMMIT);
        assertThat(flusher.outputsAwaitingCommit()).isZero();
        assertThat(flusher.backlogged()).isFalse();
        assertThat(cleared).as("the waiting workers are given tasks again, once").hasValue(1);
    }

    @Test
    void largeOutputsCountByTheirBytes() {
        int size = 1 << 20;
        int n = (int) (Flusher.MAX_OUTPUT_BYTES_AWAITING_COMMIT / size);
        results(n - 1, size);
        assertThat(flusher.backlogged()).isFalse();
        results(1, size);
        assertThat(flusher.backlogged()).isTrue();
        journal.drainOnce();
        assertThat(flusher.backlogged()).isFalse();
    }

    @Test
    void outputsTheStoreRefusesForGoodNoLongerCount() {
        Journal refusing = new Journal(b -> {
            throw new io.gridwork.master.store.StoreException("the database refuses the batch",
                    new java.sql.SQLException("value too long for its column", "22001"));
        }, direct, Duration.ofMillis(1));
        Flusher f = new Flusher(loop, refusing);
        loop.post(() -> {
            for (int i = 0; i < Flusher.MAX_OUTPUTS_AWAITING_COMMIT; i++) {
                f.success(new StoreBatch.TaskSuccess("job-1", i, new byte[1], "w-1", 1), written -> { }, e -> { });
            }
        });
        assertThat(f.backlogged()).isTrue();
        refusing.drainOnce();
        assertThat(f.outputsAwaitingCommit()).isZero();
        assertThat(f.backlogged()).isFalse();
    }
}
