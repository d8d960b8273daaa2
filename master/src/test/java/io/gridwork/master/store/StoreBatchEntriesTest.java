package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.WorkerState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The journal entries of a {@link StoreBatch}: generated rows, and writes applied in the order they were added. */
class StoreBatchEntriesTest {

    private static final String JAR = "a".repeat(64);

    private final Store store = Store.inMemory("entries-" + UUID.randomUUID());
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @AfterEach
    void close() {
        store.close();
    }

    private NewJob aNewJob() {
        return new NewJob(JAR, "x.Job", Map.of("n", "3"), 3, 0, now, "lab", NewJob.Placement.DEFAULT);
    }

    private WorkerRegistration aRegistration(String name) {
        return new WorkerRegistration(name, 2, 1, Map.of(), "10.0.0.1", 5000, Map.of(), now);
    }

    @Test
    void anInsertedJobIsGeneratedWithItsIdOnlyOnceTheBatchIsApplied() {
        store.insertJar(new JarRow(JAR, 10, "x.jar", now));
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<JobRow> first = batch.insertJob(aNewJob(), List.of(new byte[] {1}, new byte[] {2}), false);
        StoreBatch.Generated<JobRow> second = batch.insertJob(aNewJob(), List.of(), true);
        assertThat(first.isDone()).isFalse();
        assertThatThrownBy(first::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("not been applied");

        store.apply(batch);

        assertThat(first.get().id()).isEqualTo("job-1");
        assertThat(first.get().totalTasks()).isEqualTo(2);
        assertThat(second.get().id()).isEqualTo("job-2");
        assertThat(second.get().splitComplete()).isTrue();
        assertThat(store.findJob("job-1").orElseThrow().totalTasks()).isEqualTo(2);
        assertThat(store.pendingTasks("job-1", -1, 10)).extracting(StoredTask::index).containsExactly(0L, 1L);
    }

    @Test
    void aBatchThatFailsGeneratesNothing() {
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<WorkerRow> worker = batch.registerWorker(aRegistration("w"));
        StoreBatch.Generated<JobRow> job = batch.insertJob(aNewJob(), List.of(), true); // its jar is unknown
        assertThatThrownBy(() -> store.apply(batch)).isInstanceOf(StoreException.class);
        assertThat(worker.isDone()).isFalse();
        assertThat(job.isDone()).isFalse();
        assertThat(store.workers()).as("rolled back with the batch").isEmpty();
    }

    @Test
    void tasksInsertedEarlierInABatchTakeResultsLaterInIt() {
        store.insertJar(new JarRow(JAR, 10, "x.jar", now));
        JobRow job = store.insertJob(aNewJob());
        StoreBatch inserts = new StoreBatch().insertTasks(job.id(), 0, List.of(new byte[] {1}, new byte[] {2}), true);
        StoreBatch results = new StoreBatch().success(new StoreBatch.TaskSuccess(job.id(), 1, new byte[] {9}, "w-1", 3));
        boolean[] written = store.apply(new StoreBatch().addAll(inserts).addAll(results));
        assertThat(written).containsExactly(true);
        assertThat(store.countTasks(job.id())).containsExactly(1, 1, 0, 0);
        assertThat(store.findJob(job.id()).orElseThrow().splitComplete()).isTrue();
    }

    @Test
    void writesToOneTaskApplyInTheOrderTheyWereAdded() {
        store.insertJar(new JarRow(JAR, 10, "x.jar", now));
        JobRow job = store.insertJob(aNewJob(), List.of(new byte[] {0}, new byte[] {1}), true);
        boolean[] written = store.apply(new StoreBatch()
                .taskFailed(new StoreBatch.TaskFailed(job.id(), 0, 3, 0, 0, "failed first"), "w-1")
                .success(new StoreBatch.TaskSuccess(job.id(), 0, new byte[] {7}, "w-2", 1))
                .success(new StoreBatch.TaskSuccess(job.id(), 1, new byte[] {8}, "w-2", 1))
                .taskFailed(new StoreBatch.TaskFailed(job.id(), 1, 3, 0, 0, "failed after it succeeded"), "w-1"));
        assertThat(written).containsExactly(false, true);
        assertThat(store.countTasks(job.id())).containsExactly(0, 1, 1, 0);
        assertThat(store.firstTaskError(job.id())).hasValue("failed first");
    }

    @Test
    void aRegistrationAppliesBeforeTheWorkerUpdatesThatFollowIt() {
        WorkerRow first = store.registerWorker(aRegistration("w"));
        StoreBatch batch = new StoreBatch();
        StoreBatch.Generated<WorkerRow> again = batch.registerWorker(aRegistration("w"));
        batch.worker(new StoreBatch.WorkerUpdate(first.id(), WorkerState.DEAD, now.plusSeconds(5), false));
        store.apply(batch);
        assertThat(again.get().incarnation()).isEqualTo(first.incarnation() + 1);
        assertThat(again.get().state()).isEqualTo(WorkerState.ALIVE);
        assertThat(store.workers()).singleElement().satisfies(w -> {
            assertThat(w.state()).as("the update after the registration wins").isEqualTo(WorkerState.DEAD);
            assertThat(w.incarnation()).isEqualTo(first.incarnation() + 1);
        });
    }

    @Test
    void ofSeveralUpdatesOfOneWorkerTheLastOneAddedStays() {
        WorkerRow w = store.registerWorker(aRegistration("w"));
        StoreBatch a = new StoreBatch().worker(new StoreBatch.WorkerUpdate(w.id(), WorkerState.SUSPECT, now, false));
        StoreBatch b = new StoreBatch().worker(new StoreBatch.WorkerUpdate(w.id(), WorkerState.ALIVE, now, true));
        store.apply(new StoreBatch().addAll(a).addAll(b));
        assertThat(store.workers()).singleElement().satisfies(row -> {
            assertThat(row.state()).isEqualTo(WorkerState.ALIVE);
            assertThat(row.drainRequested()).isTrue();
        });
    }

    @Test
    void concurrentRegistrationsOfOneNameGetDistinctIncarnations() throws Exception {
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Callable<WorkerRow>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                calls.add(() -> store.registerWorker(aRegistration("same")));
            }
            List<Long> incarnations = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (Future<WorkerRow> f : pool.invokeAll(calls)) {
                incarnations.add(f.get().incarnation());
                ids.add(f.get().id());
            }
            assertThat(incarnations).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            assertThat(ids).containsOnly(ids.get(0));
            assertThat(store.workers()).singleElement().extracting(WorkerRow::incarnation).isEqualTo((long) n);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sizeAndEmptinessCountEveryEntry() {
        StoreBatch batch = new StoreBatch();
        assertThat(batch.isEmpty()).isTrue();
        batch.insertTasks("job-1", 0, List.of(new byte[] {1}), false);
        batch.success(new StoreBatch.TaskSuccess("job-1", 0, new byte[0], "w-1", 1));
        assertThat(batch.isEmpty()).isFalse();
        assertThat(batch.successCount()).isEqualTo(1);
        assertThat(batch.size()).as("two entries and one worker's counters").isEqualTo(3);
    }
}
