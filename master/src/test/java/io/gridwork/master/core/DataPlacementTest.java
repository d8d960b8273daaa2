package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.model.JobState;
import io.gridwork.master.testjobs.DataChunksJob;
import io.gridwork.sdk.DataRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Placement near the data: a task whose data a worker holds goes to that worker, waiting at most the locality wait
 * for it before another worker takes it. DataChunksJob makes one task per chunk of data set "text" (its input: the
 * chunk's offset), and names that chunk as its need.
 */
class DataPlacementTest {

    private static final String ID = "d".repeat(64);
    /** 6 chunks of 10 bytes. */
    private static final DataRef TEXT = new DataRef("text", ID, 60, 10);

    @TempDir
    Path dir;

    Harness h;
    /** Chunk index -> the worker ids holding it. */
    final Map<Integer, List<String>> holders = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(dir, SchedulerOptions.builder().splitBatch(16).readyTasks(16)
                .localityWait(Duration.ofMillis(200)).build());
        h.scheduler.dataSets(new DataSets() {
            @Override
            public DataRef find(String id, String name) {
                return id.equals(ID) ? new DataRef(name, ID, TEXT.size(), TEXT.chunkSize()) : null;
            }

            @Override
            public Map<String, Integer> holdings(List<Chunks> needs) {
                Map<String, Integer> held = new HashMap<>();
                for (Chunks c : needs) {
                    for (int i = c.first(); i <= c.last(); i++) {
                        holders.getOrDefault(i, List.of()).forEach(w -> held.merge(w, 1, Integer::sum));
                    }
                }
                return held;
            }
        });
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private JobSnapshot submit() {
        return h.submit(new Submission(h.jarSha, DataChunksJob.class.getName(), Map.of(), 0, 0)
                .withData(Map.of("text", ID)));
    }

    private static List<Long> chunksOf(Harness.FakeWorker w) {
        return w.assignments().stream().map(a -> a.key().index()).sorted().collect(Collectors.toList());
    }

    @Test
    void eachTaskGoesToTheWorkerHoldingItsChunk() {
        Harness.FakeWorker even = h.worker("even", 3, 0);
        Harness.FakeWorker odd = h.worker("odd", 3, 0);
        for (int i = 0; i < 6; i++) {
            holders.put(i, List.of(i % 2 == 0 ? even.id : odd.id));
        }
        JobSnapshot job = submit();
        assertThat(job.dataSets()).containsEntry("text", ID);
        assertThat(h.job(job.id()).total()).isEqualTo(6);

        odd.credit(3);
        even.credit(3);
        assertThat(chunksOf(even)).containsExactly(0L, 2L, 4L);
        assertThat(chunksOf(odd)).containsExactly(1L, 3L, 5L);
    }

    @Test
    void aTaskWaitsForTheHolderOnlyUpToTheLocalityWaitThenAnyWorkerTakesIt() {
        Harness.FakeWorker holder = h.worker("holder", 1, 0);
        Harness.FakeWorker other = h.worker("other", 6, 0);
        for (int i = 0; i < 6; i++) {
            holders.put(i, List.of(holder.id));
        }
        JobSnapshot job = submit();
        other.credit(6);
        assertThat(other.assignments()).as("the holder is alive: the tasks wait for it a little").isEmpty();

        holder.credit(1);
        assertThat(chunksOf(holder)).containsExactly(0L);
        h.advance(Duration.ofMillis(199));
        assertThat(other.assignments()).isEmpty();
        h.advance(Duration.ofMillis(2));
        assertThat(chunksOf(other)).as("the wait is over: the idle worker takes them").containsExactly(1L, 2L, 3L, 4L,
                5L);
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void aTaskWhoseDataNoLiveWorkerHoldsDoesNotWait() {
        Harness.FakeWorker only = h.worker("only", 6, 0);
        holders.put(0, List.of("gone-worker"));
        submit();
        only.credit(6);
        assertThat(chunksOf(only)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void theHolderPrefetchesOnlyTasksNoOtherWorkerCanStartNow() {
        Harness.FakeWorker holder = h.worker("holder", 1, 3);
        Harness.FakeWorker a = h.worker("a", 1, 0);
        Harness.FakeWorker b = h.worker("b", 1, 0);
        for (int i = 0; i < 6; i++) {
            holders.put(i, List.of(holder.id));
        }
        submit();
        a.credit(1);
        b.credit(1);
        holder.credit(4); // its slot and three prefetched
        assertThat(chunksOf(holder)).as("what it can start now, not its prefetch: a and b can start the others")
                .containsExactly(0L);
        h.advance(Duration.ofMillis(201));
        assertThat(chunksOf(a)).hasSize(1);
        assertThat(chunksOf(b)).hasSize(1);
        assertThat(chunksOf(holder)).as("once no other worker can start them, the holder prefetches the rest")
                .hasSize(4).contains(0L);
    }
}
