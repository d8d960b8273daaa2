package io.gridwork.master.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TaskKeysTest {

    @Test
    void aJobsTasksAreOneRangeInIndexOrder() {
        assertThat(TaskKeys.of("job-1", 0)).isEqualTo(1L << 32);
        assertThat(TaskKeys.of("job-1", 5)).isEqualTo((1L << 32) + 5);
        assertThat(TaskKeys.first("job-2")).isEqualTo(TaskKeys.end("job-1"));
        assertThat(TaskKeys.of("job-1", TaskKeys.MAX_TASKS - 1)).isLessThan(TaskKeys.first("job-2"));
        assertThat(TaskKeys.of("job-12345", 7)).isEqualTo((12345L << 32) + 7);
    }

    @Test
    void rangeBoundsAreClamped() {
        assertThat(TaskKeys.at("job-3", -1)).isEqualTo(TaskKeys.first("job-3") - 1);
        assertThat(TaskKeys.at("job-3", -100)).isEqualTo(TaskKeys.first("job-3") - 1);
        assertThat(TaskKeys.at("job-3", 9)).isEqualTo(TaskKeys.of("job-3", 9));
        assertThat(TaskKeys.at("job-3", Long.MAX_VALUE)).isEqualTo(TaskKeys.end("job-3"));
    }

    @Test
    void onlyJobIdsAsTheStoreWritesThemAndIndexesIn32BitsHaveKeys() {
        for (String id : new String[] {"job-x", "task-1", "job-", "job--1", "job-+1", "job-01", "job-" + (1L << 31), null}) {
            assertThat(TaskKeys.isJobId(id)).as(id).isFalse();
        }
        assertThat(TaskKeys.isJobId("job-0")).isTrue();
        assertThatThrownBy(() -> TaskKeys.of("job-x", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TaskKeys.of("job-1", TaskKeys.MAX_TASKS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TaskKeys.of("job-1", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
