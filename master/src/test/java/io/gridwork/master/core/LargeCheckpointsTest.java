package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.data.DataFiles;
import io.gridwork.master.data.DataGrid;
import io.gridwork.master.data.DataTracker;
import io.gridwork.master.model.JobState;
import io.gridwork.master.store.DataSetRow;
import io.gridwork.master.testjobs.SquaresJob;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large task checkpoints on the master: a state uploaded into the data grid (the master's verified copy, a data set
 * owned by the job's checkpoints) and saved by reference is acked only once its row is stored, fenced like an inline
 * one (a refused one keeps nothing), replaced by a newer save (the older data set dropped), given to the next attempt
 * as a data set (also after a master restart), and dropped with the job's end.
 */
class LargeCheckpointsTest {

    @TempDir
    Path dir;

    Harness h;
    DataGrid grid;
    final List<Harness.FakeWorker> workers = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(dir, SchedulerOptions.builder().splitBatch(4).readyTasks(8).minCheckpointInterval(Duration.ZERO)
                .build());
        grid = newGrid();
    }

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    /** The master's data grid over the harness's store (again after a restart: read back from the store and files). */
    private DataGrid newGrid() throws Exception {
        DataGrid g = new DataGrid(h.store.dataSets(), new DataFiles(dir.resolve("data")), new DataTracker(),
                h.timer.clock);
        g.dropExecutor(Runnable::run); // drops at once, on the caller's thread
        h.scheduler.dataSets(g);
        return g;
    }

    /** A state of {@code size} bytes, different for each {@code seed}. */
    private static byte[] state(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** What PutCheckpoint does with the bytes: the master's verified copy, as a checkpoint data set. */
    private String upload(Messages.TaskKey key, byte[] state) throws Exception {
        DataFiles.Upload u = grid.begin(state.length);
        u.write(state);
        return grid.putCheckpoint(u.finish(), key.jobId(), key.index(), 1).id();
    }

    private static void saveLarge(Harness.FakeWorker w, Messages.TaskKey key, long seq, String dataId, long size) {
        w.checkpoint(new Messages.Checkpoint(key, seq, new byte[0], new Messages.DataState(dataId, size)));
    }

    /** The worker dies; its task's next attempt, on a worker {@code nextName} that joins. */
    private Messages.Assignment loseTo(Harness.FakeWorker dead, String nextName) {
        Harness.FakeWorker next = h.replace(dead, nextName);
        workers.add(next);
        return next.lastAssignment();
    }

    private byte[] read(String id) throws Exception {
        DataSetRow row = grid.find(id).orElseThrow();
        try (InputStream in = grid.open(row)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aLargeSaveIsAckedOnceStoredTheNextAttemptGetsItsDataSetAndTheJobsEndDropsIt() throws Exception {
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w1 = t.worker();
        Messages.Assignment first = t.first();
        byte[] big = state(600 << 10, 1);
        String id = upload(first.key(), big);

        saveLarge(w1, first.key(), 1, id, big.length);
        assertThat(w1.checkpointAcks()).as("not before the commit").isEmpty();
        h.commit();
        assertThat(w1.checkpointAcks()).singleElement().satisfies(a -> assertThat(a.ok()).isTrue());
        assertThat(h.store.checkpoints().count(t.job().id())).isEqualTo(1);

        Messages.Assignment second = loseTo(w1, "w2");
        assertThat(second.checkpoint()).as("not inline").isNull();
        assertThat(second.checkpointData()).isEqualTo(id);
        assertThat(read(id)).isEqualTo(big);
        assertThat(h.job(t.job().id()).resumed()).isEqualTo(1);

        workers.get(0).succeed(second);
        h.commit();
        assertThat(h.job(t.job().id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(h.store.checkpoints().count(t.job().id())).isZero();
        assertThat(grid.find(id)).as("dropped with the job's end").isEmpty();
        assertThat(grid.files().has(id)).as("the master's copy too").isFalse();
    }

    @Test
    void aNewerSaveReplacesTheOlderDataSetOnceStored() throws Exception {
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w1 = t.worker();
        Messages.TaskKey key = t.first().key();
        String one = upload(key, state(300 << 10, 1));
        saveLarge(w1, key, 1, one, 300 << 10);
        h.commit();
        String two = upload(key, state(400 << 10, 2));
        saveLarge(w1, key, 2, two, 400 << 10);
        assertThat(grid.find(one)).as("kept until the newer save is stored").isPresent();
        h.commit();
        assertThat(w1.checkpointAcks()).extracting(Messages.CheckpointAck::ok).containsExactly(true, true);
        assertThat(grid.find(one)).as("superseded").isEmpty();
        assertThat(grid.find(two)).isPresent();

        w1.checkpoint(new Messages.Checkpoint(key, 3, "small again".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        h.commit();
        assertThat(grid.find(two)).as("an inline save replaces a large one too").isEmpty();
        Messages.Assignment next = loseTo(w1, "w2");
        assertThat(next.checkpointData()).isNull();
        assertThat(new String(next.checkpoint(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("small again");
        assertThat(h.store.checkpoints().count(t.job().id())).isEqualTo(1);
    }

    @Test
    void theSameBytesSavedAgainWhileANewerSaveCommitsKeepTheirDataSet() throws Exception {
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w1 = t.worker();
        Messages.TaskKey key = t.first().key();
        byte[] first = state(300 << 10, 1);
        String x = upload(key, first);
        saveLarge(w1, key, 1, x, first.length);
        h.commit();
        String y = upload(key, state(300 << 10, 2));
        saveLarge(w1, key, 2, y, 300 << 10);
        String again = upload(key, first); // content addressed: the same data set as the first save
        assertThat(again).isEqualTo(x);
        saveLarge(w1, key, 3, again, first.length); // waits while save 2 commits
        h.commit(); // save 2 stored: it replaces x, which save 3 still needs
        assertThat(grid.find(x)).as("wanted by the save waiting").isPresent();
        h.commit(); // save 3 stored: it replaces y
        assertThat(w1.checkpointAcks()).extracting(Messages.CheckpointAck::seq).containsExactly(1L, 2L, 3L);
        assertThat(grid.find(y)).isEmpty();
        assertThat(read(x)).isEqualTo(first);
        assertThat(loseTo(w1, "w2").checkpointData()).isEqualTo(x);
    }

    @Test
    void aLargeSaveFromASupersededAttemptIsRefusedAndNothingIsKept() throws Exception {
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w1 = t.worker();
        Messages.Assignment first = t.first();
        Messages.Assignment second = loseTo(w1, "w2");
        assertThat(h.scheduler.checkpointRefusal(first.key(), 1 << 20)).as("checked before an upload")
                .contains("not current");
        assertThat(h.scheduler.checkpointRefusal(second.key(), 1 << 20)).isNull();
        assertThat(h.scheduler.checkpointRefusal(second.key(), SchedulerOptions.DEFAULT_MAX_CHECKPOINT_BYTES + 1L))
                .contains("max-checkpoint-size");

        w1.connect(List.of(first.key()));
        String stale = upload(first.key(), state(500 << 10, 7)); // uploaded while it was still current
        saveLarge(w1, first.key(), 1, stale, 500 << 10);
        h.commit();
        assertThat(w1.checkpointAcks()).singleElement().satisfies(a -> assertThat(a.ok()).isFalse());
        assertThat(h.store.checkpoints().count(t.job().id())).isZero();
        assertThat(grid.find(stale)).as("a refused upload is dropped").isEmpty();
    }

    @Test
    void aSaveNamingADataSetTheGridDoesNotHoldIsRefused() throws Exception {
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w1 = t.worker();
        Messages.TaskKey key = t.first().key();
        saveLarge(w1, key, 1, "ab".repeat(32), 300 << 10);
        h.commit();
        assertThat(w1.checkpointAcks()).singleElement().satisfies(a -> {
            assertThat(a.ok()).isFalse();
            assertThat(a.reason()).startsWith("data: ");
        });
        assertThat(h.store.checkpoints().count(t.job().id())).isZero();
    }

    @Test
    void anInlineStateAboveTheInlineCapIsRefused() throws Exception {
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w1 = t.worker();
        Messages.TaskKey key = t.first().key();
        w1.checkpoint(new Messages.Checkpoint(key, 1, state(SchedulerOptions.MAX_INLINE_CHECKPOINT_BYTES + 1, 3)));
        h.commit();
        assertThat(w1.checkpointAcks()).singleElement().satisfies(a -> {
            assertThat(a.ok()).isFalse();
            assertThat(a.reason()).contains("PutCheckpoint");
        });
    }

    @Test
    void aLargeCheckpointSurvivesAMasterRestart() throws Exception {
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "2"));
        Harness.FakeWorker w1 = h.worker("w1", 1, 0);
        w1.credit(1);
        Messages.Assignment a = w1.assignments().get(0);
        byte[] big = state(700 << 10, 5);
        String id = upload(a.key(), big);
        saveLarge(w1, a.key(), 1, id, big.length);
        h.commit();

        h.restart();
        grid = newGrid(); // the restarted master reads its data sets back from the store and its files
        h.advance(h.options.adoptionGrace().plusSeconds(1));
        h.commit();
        Harness.FakeWorker w2 = h.worker("w2", 2, 0);
        w2.credit(2);
        assertThat(w2.assignments()).filteredOn(x -> x.key().index() == a.key().index()).singleElement()
                .satisfies(x -> assertThat(x.checkpointData()).isEqualTo(id));
        assertThat(read(id)).isEqualTo(big);
        assertThat(Arrays.equals(read(id), big)).isTrue();
        w2.assignments().forEach(w2::succeed);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(grid.find(id)).isEmpty();
    }
}
