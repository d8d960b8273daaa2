package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.model.WorkerState;
import io.gridwork.master.testjobs.SquaresJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An operator's drain outlives what the worker goes through: suspicion, a link failure, death and registering again.
 * Wherever it would come back ALIVE it comes back DRAINING, and takes no new tasks.
 */
class DrainedWorkerTest extends HarnessTestBase {

    private WorkerState state(String name) {
        return h.scheduler.workers(true).stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow().state();
    }

    private WorkerState stored(String name) {
        h.commit();
        return h.store.workers().all().stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow().state();
    }

    private List<String> events(String name) {
        List<String> seen = new ArrayList<>();
        h.scheduler.watchWorkers(1000, e -> {
            if (e.name().equals(name)) {
                seen.add(e.type().toString());
            }
        });
        return seen;
    }

    @Test
    void aSuspectedWorkerDrainedByAnOperatorIsDrainingOnceItsHeartbeatsReturn() {
        Harness.FakeWorker w1 = h.worker("w1", 2, 0);
        w1.credit(2);
        h.advance(Duration.ofMillis(2250)); // two missed heartbeats
        assertThat(state("w1")).isEqualTo(WorkerState.SUSPECT);

        assertThat(h.scheduler.drain("w1", true, "ops").state()).isEqualTo(WorkerState.SUSPECT);
        w1.heartbeat();

        assertThat(state("w1")).isEqualTo(WorkerState.DRAINING);
        assertThat(stored("w1")).isEqualTo(WorkerState.DRAINING);
        assertThat(events("w1")).containsSubsequence("ALIVE", "SUSPECT", "ALIVE");
        h.submit(SquaresJob.class, Map.of("n", "4"));
        w1.credit(2);
        assertThat(w1.assignments()).as("a drained worker takes no new tasks").isEmpty();

        h.scheduler.drain("w1", false, "ops");
        assertThat(state("w1")).isEqualTo(WorkerState.ALIVE);
        assertThat(w1.assignments()).hasSize(2);
    }

    @Test
    void aDrainedWorkerThatBecameSuspectIsDrainingAgainWhenItsHeartbeatsReturn() {
        Harness.FakeWorker w1 = h.worker("w1", 2, 0);
        h.scheduler.drain("w1", true, "ops");
        assertThat(state("w1")).isEqualTo(WorkerState.DRAINING);
        h.advance(Duration.ofMillis(2250));
        assertThat(state("w1")).isEqualTo(WorkerState.SUSPECT);

        w1.heartbeat();

        assertThat(state("w1")).isEqualTo(WorkerState.DRAINING);
        assertThat(stored("w1")).isEqualTo(WorkerState.DRAINING);
    }

    @Test
    void aDrainedWorkerWithAFailedLinkIsDrainingWhenItReconnects() {
        Harness.FakeWorker w1 = h.worker("w1", 2, 0);
        h.prober.reachablePorts.add(w1.healthPort);
        h.scheduler.drain("w1", true, "ops");
        w1.disconnect();
        assertThat(state("w1")).isEqualTo(WorkerState.LINK_FAILED);

        w1.connect(List.of());

        assertThat(state("w1")).isEqualTo(WorkerState.DRAINING);
        assertThat(stored("w1")).isEqualTo(WorkerState.DRAINING);
    }

    @Test
    void aDeadWorkerDrainedByAnOperatorRegistersAgainAsDraining() {
        Harness.FakeWorker w1 = h.worker("w1", 2, 0);
        w1.disconnect(); // unreachable on every path: dead after its probes
        h.advance(Duration.ofMillis(300));
        assertThat(state("w1")).isEqualTo(WorkerState.DEAD);
        h.scheduler.drain("w1", true, "ops");

        w1.connect(List.of());

        assertThat(state("w1")).isEqualTo(WorkerState.DRAINING);
        assertThat(stored("w1")).isEqualTo(WorkerState.DRAINING);
        h.submit(SquaresJob.class, Map.of("n", "2"));
        w1.credit(2);
        assertThat(w1.assignments()).isEmpty();
    }
}
