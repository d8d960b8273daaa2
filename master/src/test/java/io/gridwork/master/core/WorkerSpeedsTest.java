package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.WorkerRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one definition of a worker's speed: its pace over the grid's average, 1.0 for identical workers. */
class WorkerSpeedsTest {

    private static WorkerEntry worker(String name) {
        WorkerEntry w = new WorkerEntry(new WorkerRow("id-" + name, name, 1, WorkerState.ALIVE, 1, 0, Map.of(), "h", 1,
                Map.of(), 0, 0, Instant.EPOCH, Instant.EPOCH, false), Instant.EPOCH);
        return w;
    }

    /** Runs {@code n} tasks of a job whose tasks take {@code meanMs} on average, each taking {@code ms} on {@code w}. */
    private static void run(WorkerEntry w, int n, double meanMs, long ms) {
        for (int i = 0; i < n; i++) {
            WorkerSpeeds.record(w, meanMs, 100, ms);
        }
    }

    @Test
    void identicalWorkersAllShowAboutOne() {
        WorkerEntry a = worker("a");
        WorkerEntry b = worker("b");
        WorkerEntry c = worker("c");
        // tasks of about a second, with the jitter a real grid has, and a job mean that a warm-up slowed
        long[] durations = {1000, 1100, 950, 1020, 980, 1200, 990};
        List<WorkerEntry> all = List.of(a, b, c);
        for (int i = 0; i < 30; i++) {
            for (int k = 0; k < all.size(); k++) {
                WorkerSpeeds.record(all.get(k), 1300, 100, durations[(i + 2 * k) % durations.length]);
            }
        }
        double grid = WorkerSpeeds.gridLogPace(List.of(a, b, c));
        for (WorkerEntry w : List.of(a, b, c)) {
            assertThat(WorkerSpeeds.relative(w, grid)).isCloseTo(1.0, within(0.15));
        }
    }

    @Test
    void aWorkerTwiceAsFastAsTheOthersShowsAboutTwiceTheirSpeed() {
        WorkerEntry fast = worker("fast");
        WorkerEntry slow1 = worker("slow1");
        WorkerEntry slow2 = worker("slow2");
        run(fast, 20, 400, 250);
        run(slow1, 20, 400, 500);
        run(slow2, 20, 400, 500);
        double grid = WorkerSpeeds.gridLogPace(List.of(fast, slow1, slow2));
        double f = WorkerSpeeds.relative(fast, grid);
        double s = WorkerSpeeds.relative(slow1, grid);
        assertThat(f / s).isCloseTo(2.0, within(0.01));
        assertThat(f).isGreaterThan(1.0);
        assertThat(s).isLessThan(1.0);
        assertThat(Math.cbrt(f * s * WorkerSpeeds.relative(slow2, grid))).isCloseTo(1.0, within(1e-9)); // the average is 1
    }

    @Test
    void tinyTasksAndAJobsFirstTasksDoNotCountAndAnUnmeasuredWorkerIsAverage() {
        WorkerEntry w = worker("w");
        assertThat(WorkerSpeeds.record(w, 5, 100, 1)).isFalse(); // a job of 5 ms tasks measures noise
        assertThat(WorkerSpeeds.record(w, 500, 2, 100)).isFalse(); // the job's mean has not settled
        assertThat(w.timedTasks).isZero();
        assertThat(WorkerSpeeds.relative(w, 0.7)).isEqualTo(1.0);
        assertThat(WorkerSpeeds.record(w, 500, 3, 250)).isTrue();
        assertThat(WorkerSpeeds.relative(w, 0)).isCloseTo(2.0, within(1e-9));
    }

    @Test
    void departedWorkersLeaveTheAverage() {
        WorkerEntry fast = worker("fast");
        WorkerEntry gone = worker("gone");
        run(fast, 5, 400, 200);
        run(gone, 5, 400, 800);
        gone.state = WorkerState.LEFT;
        assertThat(WorkerSpeeds.relative(fast, WorkerSpeeds.gridLogPace(List.of(fast, gone)))).isCloseTo(1.0, within(1e-9));
    }
}
