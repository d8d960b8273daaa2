package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.worker.CreditWindow.Claimant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The credit window alone: no clock, no threads, no masters. */
class CreditWindowTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void theOnlyMasterGetsEveryFreeSlotWhateverItsDemand() {
        CreditWindow w = new CreditWindow(4, false, 2);
        assertThat(w.grants(0, 1, List.of(new Claimant(0, null, 0)))).containsExactly(6);
        assertThat(w.grants(0, 1, List.of(new Claimant(0, 0, 0)))).containsExactly(6);
        // tasks held and credits out are spent
        assertThat(w.grants(5, 1, List.of(new Claimant(2, null, 3)))).containsExactly(1);
        assertThat(w.grants(6, 1, List.of(new Claimant(3, null, 3)))).containsExactly(0);
    }

    @Test
    void severalMastersShareInProportionToDemandAndOneThatHasNotSaidGetsNone() {
        CreditWindow w = new CreditWindow(4, false, 0);
        assertThat(w.grants(0, 3, List.of(new Claimant(0, null, 0), new Claimant(0, null, 0), new Claimant(0, null, 0))))
                .containsExactly(0, 0, 0);
        assertThat(w.grants(0, 2, List.of(new Claimant(0, 10, 0), new Claimant(0, 10, 0)))).containsExactly(2, 2);
        assertThat(w.grants(0, 2, List.of(new Claimant(0, 30, 0), new Claimant(0, 10, 0)))).containsExactly(3, 1);
        assertThat(w.grants(0, 2, List.of(new Claimant(0, 10, 0), new Claimant(0, 0, 0)))).containsExactly(4, 0);
        // a master's tasks here count in its share: the other one catches up first
        assertThat(w.grants(2, 2, List.of(new Claimant(0, 10, 2), new Claimant(0, 10, 0)))).containsExactly(0, 2);
        // a master wants no more credits than its demand beyond what it holds
        assertThat(w.grants(0, 2, List.of(new Claimant(0, 1, 0), new Claimant(0, 0, 0)))).containsExactly(1, 0);
    }

    @Test
    void theAutomaticWindowGrowsForTinyTasksAndShrinksAtOnceForALongOne() {
        CreditWindow w = new CreditWindow(1, true, WorkerOptions.AUTO_PREFETCH);
        assertThat(w.window()).isEqualTo(WorkerOptions.AUTO_PREFETCH_MIN);
        assertThat(w.taskEnded(0)).as("a task that never ran says nothing").isZero();
        int grew = w.taskEnded(MS);
        assertThat(grew).isPositive();
        assertThat(w.window()).isEqualTo(CreditWindow.autoWindow(1, MS)).isEqualTo(20);
        // not long yet: under 250 ms
        assertThat(w.longestRunning(200 * MS)).isZero();
        assertThat(w.window()).isEqualTo(20);
        assertThat(w.longestRunning(300 * MS)).isEqualTo(WorkerOptions.AUTO_PREFETCH_MIN - 20);
        assertThat(w.window()).isEqualTo(WorkerOptions.AUTO_PREFETCH_MIN);
        assertThat(w.excess(w.budget() + 4)).isEqualTo(4);
        assertThat(w.excess(w.budget())).isZero();
    }

    @Test
    void aFixedWindowNeverMoves() {
        CreditWindow w = new CreditWindow(2, false, 3);
        assertThat(w.taskEnded(MS)).isZero();
        assertThat(w.longestRunning(10_000 * MS)).isZero();
        assertThat(w.window()).isEqualTo(3);
        assertThat(w.budget()).isEqualTo(5);
    }
}
