package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TaskCpuTimeTest {

    @BeforeEach
    @AfterEach
    void fresh() {
        TaskCpuTime.reset();
    }

    @Test
    void aNewWorkerReadsTheClockAndMeasuresTheTasksCpu() {
        assumeTrue(TaskCpuTime.now() >= 0, "this JVM measures no thread CPU time");
        long start = TaskCpuTime.start();
        assertThat(start).isNotEqualTo(TaskCpuTime.WALL).isGreaterThanOrEqualTo(0);
        long wallStart = System.nanoTime();
        long x = 0;
        while (System.nanoTime() - wallStart < 20_000_000) { // 20 ms on the CPU
            x += Long.numberOfTrailingZeros(x + System.nanoTime());
        }
        long wall = System.nanoTime() - wallStart;
        long cpu = TaskCpuTime.since(start, wall);
        assertThat(cpu).as("spun %d", x).isPositive();
    }

    @Test
    void whileRecentTasksAreShortTheirWallTimeIsTheirCpuTimeAndALongTaskBringsTheClockBack() {
        assumeTrue(TaskCpuTime.now() >= 0, "this JVM measures no thread CPU time");
        for (int i = 0; i < 200; i++) {
            TaskCpuTime.since(TaskCpuTime.start(), 2_000); // tasks of 2 µs
        }
        long start = TaskCpuTime.start();
        assertThat(start).isEqualTo(TaskCpuTime.WALL);
        assertThat(TaskCpuTime.since(start, 3_000)).isEqualTo(3_000);

        TaskCpuTime.since(TaskCpuTime.start(), 50_000_000); // one task of 50 ms: the average is long again
        assertThat(TaskCpuTime.start()).isNotEqualTo(TaskCpuTime.WALL).isGreaterThanOrEqualTo(0);
    }

    @Test
    void aTaskThatCannotBeMeasuredCountsZero() {
        assertThat(TaskCpuTime.since(-1, 5_000_000)).isZero();
        assertThat(TaskCpuTime.since(-1)).isZero();
    }
}
