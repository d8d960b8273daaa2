package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StoreTest {

    private final Store store = Store.inMemory("store-" + UUID.randomUUID());
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @AfterEach
    void close() {
        store.close();
    }

    private JobRow aJob() {
        store.insertJar(new JarRow("a".repeat(64), 10, "x.jar", now));
        return store.insertJob(new NewJob("a".repeat(64), "x.Job", Map.of("n", "3"), 3, 0, now, "lab", NewJob.Placement.DEFAULT));
    }

    @Test
    void jobsGetSequentialIdsAndKeepTheirArguments() {
        JobRow first = aJob();
        JobRow second = store.insertJob(new NewJob("a".repeat(64), "x.Job", Map.of("k", "a=b&c"), 3, 0, now, "other",
                new NewJob.Placement("gpu=a100 && mem>=4g", 2, 5, false)));
        assertThat(first.id()).isEqualTo("job-1");
        assertThat(second.id()).isEqualTo("job-2");
        assertThat(store.findJob("job-2").orElseThrow().args()).isEqualTo(Map.of("k", "a=b&c"));
        assertThat(store.findJob("job-2").orElseThrow().placement())
                .isEqualTo(new NewJob.Placement("gpu=a100 && mem>=4g", 2, 5, false));
        assertThat(store.findJob("job-1").orElseThrow().placement()).isEqualTo(NewJob.Placement.DEFAULT);
        assertThat(store.listJobs(10, List.of())).extracting(JobRow::id).containsExactly("job-2", "job-1");
        assertThat(store.unfinishedJobs()).hasSize(2);
        assertThat(store.listJobs(10, List.of(), "lab")).extracting(JobRow::id).containsExactly("job-1");
        assertThat(store.unfinishedJobs("other")).isEqualTo(1);
    }

    @Test
    void anOutputIsStoredOnceAndOutputsStreamInTaskOrderAcrossPages() {
        JobRow job = aJob();
        int n = 1300;
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            inputs.add(new byte[] {(byte) i});
        }
        store.insertTasks(job.id(), 0, inputs, true);
        StoreBatch batch = new StoreBatch();
        for (int i = n - 1; i >= 0; i--) {
            batch.success(new StoreBatch.TaskSuccess(job.id(), i, Integer.toString(i).getBytes(), "w-1", 1));
        }
        boolean[] written = store.apply(batch);
        assertThat(written).hasSize(n).doesNotContain(false);
        boolean[] again = store.apply(new StoreBatch().success(new StoreBatch.TaskSuccess(job.id(), 5, "x".getBytes(), "w-1", 1)));
        assertThat(again).containsExactly(false);

        List<String> outputs = store.outputs(job.id()).map(String::new).collect(Collectors.toList());
        assertThat(outputs).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(outputs.get(i)).isEqualTo(Integer.toString(i));
        }
        assertThat(store.countTasks(job.id())).containsExactly(0, n, 0, 0);
        assertThat(store.findJob(job.id()).orElseThrow().totalTasks()).isEqualTo(n);
    }

    @Test
    void pendingTasksComeBackAfterARestartWithTheirFailureCounts() {
        JobRow job = aJob();
        store.insertTasks(job.id(), 0, List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}), false);
        store.apply(new StoreBatch()
                .success(new StoreBatch.TaskSuccess(job.id(), 1, new byte[0], "w-1", 1))
                .attemptFailed(new StoreBatch.TaskAttemptFailed(job.id(), 2, 1, 2, 1, "boom"), "w-1"));
        List<StoredTask> pending = store.pendingTasks(job.id(), -1, 10);
        assertThat(pending).extracting(StoredTask::index).containsExactly(0L, 2L);
        assertThat(pending.get(1).failures()).isEqualTo(1);
        assertThat(pending.get(1).losses()).isEqualTo(2);
        assertThat(pending.get(1).crashes()).isEqualTo(1);
        assertThat(store.pendingTasks(job.id(), 0, 10)).extracting(StoredTask::index).containsExactly(2L);
    }

    @Test
    void aJobsDurationsAreKeptWhenItEndsEvenThroughACombinedBatch() {
        JobRow job = aJob();
        assertThat(store.jobDurations(job.id())).isEmpty();
        long[] counts = {1, 2, 3, 0, 0, 0, 9};
        StoreBatch combined = new StoreBatch().addAll(new StoreBatch().job(StoreBatch.JobUpdate.ended(job.id(),
                JobState.SUCCEEDED, now, null, 6, 0, 0, 0, 0, 0, null, counts)));
        assertThat(combined.isEmpty()).isFalse();
        store.apply(combined);
        assertThat(store.jobDurations(job.id())).hasValue(counts);
        assertThat(Store.durationBucket(0)).isZero();
        assertThat(Store.durationBucket(9)).isEqualTo(1);
        assertThat(Store.durationBucket(10)).isEqualTo(2);
        assertThat(Store.durationBucket(3_600_000)).isEqualTo(Store.DURATION_BUCKETS_MS.length);
    }

    @Test
    void theDashboardReadsTaskPagesAndDurationsWithoutInputsOrOutputs() {
        JobRow job = aJob();
        store.insertTasks(job.id(), 0, List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}), true);
        store.apply(new StoreBatch()
                .success(new StoreBatch.TaskSuccess(job.id(), 1, new byte[0], "w-1", 5))
                .success(new StoreBatch.TaskSuccess(job.id(), 0, new byte[0], "w-2", 50))
                .attemptFailed(new StoreBatch.TaskAttemptFailed(job.id(), 2, 1, 0, 0, "boom"), "w-1"));
        assertThat(store.durationHistogram(job.id())).containsExactly(0, 1, 1, 0, 0, 0, 0);
        List<Store.TaskView> all = store.taskPage(job.id(), 0, -1, false, 10);
        assertThat(all).extracting(Store.TaskView::index).containsExactly(0L, 1L, 2L);
        assertThat(all.get(0).workerId()).isEqualTo("w-2");
        assertThat(all.get(0).durationMs()).isEqualTo(50L);
        assertThat(store.taskPage(job.id(), 1, -1, false, 1)).extracting(Store.TaskView::index).containsExactly(1L);
        assertThat(store.taskPage(job.id(), 0, -1, true, 10)).extracting(Store.TaskView::error).containsExactly("boom");
        assertThat(store.taskPage(job.id(), 0, 1, false, 10)).extracting(Store.TaskView::index).containsExactly(0L, 1L);
    }

    @Test
    void jobUpdatesAndResults() {
        JobRow job = aJob();
        store.apply(new StoreBatch().job(new StoreBatch.JobUpdate(job.id(), JobState.SUCCEEDED, now, now, null, 3L, 0L,
                1L, 2L, 1L, 4L, new StoreBatch.JobResultData(new byte[] {7, 8}, "78", "text/plain"), null)));
        JobRow done = store.findJob(job.id()).orElseThrow();
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.succeeded()).isEqualTo(3);
        assertThat(done.lost()).isEqualTo(2);
        assertThat(done.rejected()).isEqualTo(1);
        assertThat(done.speculated()).isEqualTo(4);
        assertThat(done.resultText()).isEqualTo("78");
        assertThat(done.resultSize()).isEqualTo(2);
        assertThat(store.jobResult(job.id()).orElseThrow()).containsExactly(7, 8);
        assertThat(store.unfinishedJobs()).isEmpty();
    }

    @Test
    void aWorkerKeepsItsIdAndGetsANewIncarnationEachTimeItRegisters() {
        WorkerRegistration r = new WorkerRegistration("w", 2, 1, Map.of("gpu", "a100"), "10.0.0.1", 5000,
                Map.of("os", "linux"), now);
        WorkerRow first = store.registerWorker(r);
        store.apply(new StoreBatch().success(new StoreBatch.TaskSuccess("none", 0, new byte[0], first.id(), 1))
                .worker(new StoreBatch.WorkerUpdate(first.id(), WorkerState.DEAD, now, true)));
        WorkerRow second = store.registerWorker(r);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.drainRequested()).as("a drained worker stays drained when it registers again").isTrue();
        assertThat(second.incarnation()).isEqualTo(first.incarnation() + 1);
        assertThat(second.completed()).isEqualTo(1);
        assertThat(second.state()).isEqualTo(WorkerState.ALIVE);
        assertThat(store.workers()).singleElement().satisfies(w -> assertThat(w.labels()).isEqualTo(Map.of("gpu", "a100")));
    }

    @Test
    void theEpochGrowsWithEveryStart() {
        long a = store.nextEpoch();
        long b = store.nextEpoch();
        assertThat(b).isEqualTo(a + 1);
    }
}
