package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.model.JobState;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.sdk.Codecs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task checkpoints on the master: answered only once stored, fenced like results, limited in size, coalesced when
 * saved faster than the minimum interval, given to the next attempt (also after a master restart), counted as
 * resumed, and deleted with the job's end.
 */
class CheckpointsTest {

    @TempDir
    Path dir;

    Harness h;
    final List<Harness.FakeWorker> workers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    private Harness harness(int maxBytes, Duration minInterval) throws Exception {
        h = new Harness(dir, io.gridwork.master.core.SchedulerOptions.builder().splitBatch(4).readyTasks(8)
                .maxCheckpointBytes(maxBytes).minCheckpointInterval(minInterval).build());
        return h;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void save(Harness.FakeWorker w, Messages.TaskKey key, long seq, String state) {
        w.checkpoint(new Messages.Checkpoint(key, seq, bytes(state)));
    }

    private long storedCheckpoints(String jobId) {
        return h.store.checkpoints().count(jobId);
    }

    /**
     * The worker dies: its task goes to a worker that joins once it is found dead (one there before would be asked
     * to probe it: see SchedulerTest).
     */
    private Messages.Assignment loseTo(Harness.FakeWorker dead, String nextName) {
        Harness.FakeWorker next = h.replace(dead, nextName);
        workers.add(next);
        return next.lastAssignment();
    }

    @Test
    void aCheckpointIsAnsweredOnceStoredAndTheNextAttemptStartsFromItThenItIsDeletedWithTheJob() throws Exception {
        harness(1 << 20, Duration.ZERO);
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w1 = t.worker();
        Messages.Assignment first = t.first();
        assertThat(first.checkpoint()).as("a first start has none").isNull();

        save(w1, first.key(), 1, "half way");
        assertThat(w1.checkpointAcks()).as("not before the commit").isEmpty();
        h.commit();
        assertThat(w1.checkpointAcks()).singleElement().satisfies(a -> {
            assertThat(a.ok()).isTrue();
            assertThat(a.seq()).isEqualTo(1);
            assertThat(a.key()).isEqualTo(first.key());
        });
        assertThat(storedCheckpoints(t.job().id())).isEqualTo(1);

        Messages.Assignment second = loseTo(w1, "w2");
        Harness.FakeWorker w2 = workers.get(0);
        assertThat(second.key().index()).isEqualTo(first.key().index());
        assertThat(second.checkpoint()).isEqualTo(bytes("half way"));
        assertThat(h.job(t.job().id()).resumed()).isEqualTo(1);

        w2.succeed(second);
        h.commit();
        assertThat(h.job(t.job().id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(Codecs.listOf(Codecs.LONG).decode(h.scheduler.result(t.job().id()).bytes())).containsExactly(0L);
        assertThat(storedCheckpoints(t.job().id())).as("deleted with the job's end").isZero();
        assertThat(h.store.jobs().find(t.job().id()).orElseThrow().resumed()).as("stored").isEqualTo(1);
    }

    @Test
    void aCheckpointFromASupersededAttemptIsRefusedLikeALateResult() throws Exception {
        harness(1 << 20, Duration.ZERO);
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w1 = t.worker();
        Messages.Assignment first = t.first();
        Messages.Assignment second = loseTo(w1, "w2");
        Harness.FakeWorker w2 = workers.get(0);

        w1.connect(List.of(first.key())); // it comes back and saves for its superseded attempt
        save(w1, first.key(), 1, "stale");
        h.commit();
        assertThat(w1.checkpointAcks()).singleElement().satisfies(a -> {
            assertThat(a.ok()).isFalse();
            assertThat(a.reason()).isNotBlank();
        });
        assertThat(storedCheckpoints(t.job().id())).isZero();

        save(w2, second.key(), 1, "fresh");
        h.commit();
        assertThat(w2.checkpointAcks()).singleElement().satisfies(a -> assertThat(a.ok()).isTrue());
        assertThat(storedCheckpoints(t.job().id())).isEqualTo(1);
    }

    @Test
    void aCheckpointOverTheLimitIsRefusedNamingIt() throws Exception {
        harness(8, Duration.ZERO);
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w = t.worker();
        Messages.Assignment a = t.first();
        save(w, a.key(), 1, "nine byte");
        h.commit();
        assertThat(w.checkpointAcks()).singleElement().satisfies(ack -> {
            assertThat(ack.ok()).isFalse();
            assertThat(ack.reason()).isEqualTo("the checkpoint of 9 bytes exceeds the limit max-checkpoint-size=8");
        });
        assertThat(storedCheckpoints(t.job().id())).isZero();
        save(w, a.key(), 2, "8 bytes!");
        h.commit();
        assertThat(w.checkpointAcks()).last().satisfies(ack -> assertThat(ack.ok()).isTrue());
    }

    @Test
    void savesFasterThanTheIntervalAreCoalescedTheLatestWinning() throws Exception {
        harness(1 << 20, Duration.ofSeconds(1));
        Harness.OneTask t = h.runOneTask("w1");
        Harness.FakeWorker w1 = t.worker();
        Messages.Assignment a = t.first();
        save(w1, a.key(), 1, "one");
        h.commit();
        assertThat(w1.checkpointAcks()).extracting(Messages.CheckpointAck::seq).containsExactly(1L);

        save(w1, a.key(), 2, "two");
        save(w1, a.key(), 3, "three");
        h.commit();
        assertThat(w1.checkpointAcks()).as("within the interval: nothing stored yet").hasSize(1);
        h.advance(Duration.ofMillis(999));
        h.commit();
        assertThat(w1.checkpointAcks()).hasSize(1);
        h.advance(Duration.ofMillis(1));
        h.commit();
        assertThat(w1.checkpointAcks()).as("one answer for the newest, covering both").extracting(Messages.CheckpointAck::seq,
                Messages.CheckpointAck::ok).containsExactly(org.assertj.core.groups.Tuple.tuple(1L, true),
                org.assertj.core.groups.Tuple.tuple(3L, true));

        save(w1, a.key(), 2, "two"); // a repeat of an older save (sent again on a new stream): answered, not stored
        assertThat(w1.checkpointAcks()).last().satisfies(ack -> assertThat(ack.seq()).isEqualTo(3));

        assertThat(loseTo(w1, "w2").checkpoint()).isEqualTo(bytes("three"));
    }

    @Test
    void aCheckpointSurvivesAMasterRestart() throws Exception {
        harness(1 << 20, Duration.ZERO);
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "3"));
        Harness.FakeWorker w1 = h.worker("w1", 1, 0);
        w1.credit(1);
        Messages.Assignment a = w1.assignments().get(0);
        save(w1, a.key(), 1, "before the crash");
        h.commit();

        h.restart();
        h.advance(h.options.adoptionGrace().plusSeconds(1)); // w1 never comes back: its task runs again
        h.commit();
        Harness.FakeWorker w2 = h.worker("w2", 3, 0);
        w2.credit(3);
        assertThat(w2.assignments()).hasSize(3).filteredOn(x -> x.key().index() == a.key().index()).singleElement()
                .satisfies(x -> assertThat(x.checkpoint()).isEqualTo(bytes("before the crash")));
        assertThat(w2.assignments()).filteredOn(x -> x.key().index() != a.key().index())
                .allSatisfy(x -> assertThat(x.checkpoint()).isNull());
        w2.assignments().forEach(w2::succeed);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(h.job(job.id()).resumed()).isEqualTo(1);
        assertThat(storedCheckpoints(job.id())).isZero();
    }
}
