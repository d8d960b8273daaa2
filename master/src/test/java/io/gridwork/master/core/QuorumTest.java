package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.JobState;
import io.gridwork.master.store.TrustRow;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.sdk.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Results by quorum: replicas on different hosts, outputs compared byte for byte, trust records. */
class QuorumTest {

    @TempDir
    Path dir;

    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    private Harness harness(int minSamples) throws Exception {
        h = new Harness(dir, SchedulerOptions.builder().splitBatch(4).readyTasks(8).trustMinSamples(minSamples)
                .trustMaxDisagreement(0.25).build());
        return h;
    }

    private Harness.FakeWorker worker(String name, String host) {
        Harness.FakeWorker w = h.worker(name, 2, 0, Map.of("host", host), Map.of());
        w.credit(2);
        return w;
    }

    private JobSnapshot submit(long n, int quorum, int quorumMax) {
        return h.submit(h.submission(SquaresJob.class, Map.of("n", Long.toString(n)), "", "", 0, 0, false)
                .withQuorum(quorum, quorumMax));
    }

    private static byte[] square(Messages.Assignment a) {
        return Codecs.LONG.encode(a.key().index() * a.key().index());
    }

    private static byte[] lie(Messages.Assignment a) {
        return Codecs.LONG.encode(a.key().index() * a.key().index() + 1);
    }

    /**
     * Answers every assignment the workers got (each once, with what {@code answer} says), committing after each round,
     * until none is left unanswered.
     */
    private void runAll(Map<Harness.FakeWorker, Function<Messages.Assignment, byte[]>> answers) {
        Set<Long> answered = new HashSet<>();
        boolean any = true;
        while (any) {
            any = false;
            for (Map.Entry<Harness.FakeWorker, Function<Messages.Assignment, byte[]>> e : answers.entrySet()) {
                Harness.FakeWorker w = e.getKey();
                Set<Long> cancelled = w.cancels().stream().map(Messages.TaskKey::attemptId).collect(Collectors.toSet());
                for (Messages.Assignment a : new ArrayList<>(w.assignments())) {
                    if (cancelled.contains(a.key().attemptId()) || !answered.add(a.key().attemptId())) {
                        continue;
                    }
                    w.send(1, List.of(new Messages.Result(a.key(), e.getValue().apply(a), null, 1)));
                    any = true;
                }
            }
            h.commit();
        }
    }

    private List<Long> result(String jobId) {
        return Codecs.listOf(Codecs.LONG).decode(h.scheduler.result(jobId).bytes());
    }

    private static List<Long> squares(long n) {
        return LongStream.range(0, n).map(i -> i * i).boxed().collect(Collectors.toList());
    }

    /** Task index -> the hosts its replicas were assigned to, in order. */
    private static Map<Long, List<String>> hostsByTask(Map<Harness.FakeWorker, String> hosts) {
        Map<Long, List<String>> out = new HashMap<>();
        hosts.forEach((w, host) -> w.assignments().forEach(a -> out.computeIfAbsent(a.key().index(),
                k -> new ArrayList<>()).add(host)));
        return out;
    }

    @Test
    void withOneLiarOfThreeEveryMergedOutputIsRightAndTheLiarsRecordShowsIt() throws Exception {
        harness(100);
        Harness.FakeWorker a = worker("honest-a", "host-a");
        Harness.FakeWorker b = worker("honest-b", "host-b");
        Harness.FakeWorker liar = worker("liar", "host-c");
        JobSnapshot job = submit(8, 2, 0);
        assertThat(job.quorum()).isEqualTo(2);
        assertThat(job.quorumMax()).as("default: quorum + 2").isEqualTo(4);

        Map<Harness.FakeWorker, Function<Messages.Assignment, byte[]>> answers = new LinkedHashMap<>();
        answers.put(a, QuorumTest::square);
        answers.put(b, QuorumTest::square);
        answers.put(liar, QuorumTest::lie);
        runAll(answers);

        JobSnapshot done = h.job(job.id());
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(result(job.id())).isEqualTo(squares(8));
        assertThat(done.validated()).isEqualTo(8);
        Map<Long, List<String>> hosts = hostsByTask(Map.of(a, "host-a", b, "host-b", liar, "host-c"));
        assertThat(hosts).hasSize(8);
        hosts.forEach((task, on) -> assertThat(on).as("task %d: at least 2 replicas, never 2 on one host", task)
                .hasSizeGreaterThanOrEqualTo(2).doesNotHaveDuplicates());
        long liarTasks = liar.assignments().size();
        assertThat(liarTasks).as("the liar ran some replicas").isPositive();
        assertThat(done.mismatched()).isEqualTo(liarTasks);
        assertThat(h.scheduler.trust("liar")).isEqualTo(new Scheduler.TrustRecord(0, liarTasks, false));
        Scheduler.TrustRecord ra = h.scheduler.trust("honest-a");
        Scheduler.TrustRecord rb = h.scheduler.trust("honest-b");
        assertThat(ra.disagreed() + rb.disagreed()).isZero();
        assertThat(ra.agreed() + rb.agreed()).as("two agreeing replicas per task").isEqualTo(16);
        // the history keeps every replica but the deciding one (whose record goes on the task's row with its output)
        List<io.gridwork.master.store.TaskAttemptRow> rows = h.store.tasks().attempts(job.id(), null, 0, false, 0, 1000);
        assertThat(rows).hasSize((int) liarTasks + 8);
        assertThat(rows).filteredOn(row -> row.workerName().equals("liar")).hasSize((int) liarTasks).allSatisfy(row ->
                assertThat(row.error()).isEqualTo("replica: its output differed from the 2 equal outputs accepted"));
        assertThat(rows).filteredOn(row -> !row.workerName().equals("liar")).hasSize(8).allSatisfy(row ->
                assertThat(row.error()).isEqualTo("replica: one of the 2 equal outputs accepted"));
        // the usage ledger counts every replica: quorum's cost is visible
        assertThat(h.store.usage().report(new io.gridwork.master.store.UsageQuery(
                io.gridwork.master.store.UsageQuery.By.JOB, null, job.id(), null, null)))
                .singleElement().satisfies(line -> assertThat(line.tasks()).isEqualTo(liarTasks + 16));
        // durable: the records and the job's counts are in the store
        assertThat(h.store.trust().all()).contains(new TrustRow("liar", 0, liarTasks));
        assertThat(h.store.jobs().find(job.id()).orElseThrow().validated()).isEqualTo(8);
        h.restart();
        assertThat(h.scheduler.trust("liar").disagreed()).isEqualTo(liarTasks);
        JobSnapshot stored = h.job(job.id());
        assertThat(stored.validated()).isEqualTo(8);
        assertThat(stored.mismatched()).isEqualTo(liarTasks);
        assertThat(stored.quorum()).isEqualTo(2);
    }

    @Test
    void aMismatchRunsMoreReplicasAndNoQuorumWithinTheLimitFailsTheTaskNamingTheWorkers() throws Exception {
        harness(100);
        Harness.FakeWorker a = worker("w-a", "host-a");
        Harness.FakeWorker b = worker("w-b", "host-b");
        Harness.FakeWorker c = worker("w-c", "host-c");
        JobSnapshot job = submit(1, 2, 3);
        Map<Harness.FakeWorker, Function<Messages.Assignment, byte[]>> answers = new LinkedHashMap<>();
        answers.put(a, x -> Codecs.LONG.encode(1L));
        answers.put(b, x -> Codecs.LONG.encode(2L));
        answers.put(c, x -> Codecs.LONG.encode(3L));
        runAll(answers);

        JobSnapshot done = h.job(job.id());
        assertThat(a.assignments().size() + b.assignments().size() + c.assignments().size())
                .as("two replicas, then a third after the mismatch").isEqualTo(3);
        assertThat(done.state()).isEqualTo(JobState.FAILED);
        assertThat(done.error()).contains("no quorum", "w-a", "w-b", "w-c", "quorum-max=3");
        assertThat(done.mismatched()).isEqualTo(1);
        assertThat(h.scheduler.trust("w-a").disagreed()).isEqualTo(1);
    }

    @Test
    void workersOnOneHostMakeNoQuorumAndTheJobSaysWhy() throws Exception {
        harness(100);
        Harness.FakeWorker a = worker("one", "same-host");
        Harness.FakeWorker b = worker("two", "same-host");
        JobSnapshot job = submit(2, 2, 0);
        h.advance(Duration.ofMillis(300));
        assertThat(h.job(job.id()).waitingReason())
                .isEqualTo("quorum 2 needs workers on 2 different hosts; 1 host (same-host) has a connected, trusted "
                        + "worker");
        Map<Harness.FakeWorker, Function<Messages.Assignment, byte[]>> answers = new LinkedHashMap<>();
        answers.put(a, QuorumTest::square);
        answers.put(b, QuorumTest::square);
        runAll(answers);
        assertThat(hostsByTask(Map.of(a, "same-host", b, "same-host")).values())
                .as("each task ran once: its second replica waits for another host").allSatisfy(on -> assertThat(on)
                        .hasSize(1));
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.RUNNING);

        Harness.FakeWorker other = worker("three", "other-host");
        answers.put(other, QuorumTest::square);
        runAll(answers);
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(result(job.id())).isEqualTo(squares(2));
        assertThat(other.assignments()).hasSize(2);
    }

    @Test
    void aFailedReplicaIsReplacedAndIsNoVote() throws Exception {
        harness(100);
        Harness.FakeWorker a = worker("w-a", "host-a");
        Harness.FakeWorker b = worker("w-b", "host-b");
        JobSnapshot job = submit(1, 2, 0);
        Messages.Assignment first = a.assignments().get(0);
        a.fail(first, "boom", true);
        h.commit();
        h.advance(Duration.ofMillis(500)); // the retry's backoff (workers are not suspected yet)
        h.commit();
        Map<Harness.FakeWorker, Function<Messages.Assignment, byte[]>> answers = new LinkedHashMap<>();
        answers.put(b, QuorumTest::square);
        answers.put(a, QuorumTest::square);
        runAll(answers);
        JobSnapshot done = h.job(job.id());
        assertThat(a.assignments()).as("its first replica failed; its retry ran").hasSize(2);
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.retried()).isEqualTo(1);
        assertThat(done.mismatched()).isZero();
        assertThat(h.scheduler.trust("w-a")).isEqualTo(new Scheduler.TrustRecord(1, 0, false));
    }

    @Test
    void anUntrustedWorkerGetsNoQuorumTasksButOthersUntilAnAdminResetsIt() throws Exception {
        harness(2);
        Harness.FakeWorker a = worker("w-a", "host-a");
        Harness.FakeWorker b = worker("w-b", "host-b");
        Harness.FakeWorker liar = worker("liar", "host-c");
        Map<Harness.FakeWorker, Function<Messages.Assignment, byte[]>> answers = new LinkedHashMap<>();
        answers.put(a, QuorumTest::square);
        answers.put(b, QuorumTest::square);
        answers.put(liar, QuorumTest::lie);
        while (h.scheduler.trust("liar").disagreed() < 2) {
            JobSnapshot job = submit(2, 2, 0);
            runAll(answers);
            assertThat(result(job.id())).isEqualTo(squares(2));
        }
        assertThat(h.scheduler.trust("liar").untrusted()).isTrue();
        int before = liar.assignments().size();
        JobSnapshot quorumJob = submit(6, 2, 0);
        runAll(answers);
        assertThat(h.job(quorumJob.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(liar.assignments()).as("no quorum job's task went to it").hasSize(before);
        assertThat(h.job(quorumJob.id()).mismatched()).isZero();

        // a job without a quorum: the untrusted worker runs its tasks as before
        JobSnapshot plain = h.submit(h.submission(SquaresJob.class, Map.of("n", "12"), "", "", 0, 0, false));
        runAll(answers);
        assertThat(h.job(plain.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(liar.assignments().size()).isGreaterThan(before);

        Scheduler.TrustReset reset = h.scheduler.resetTrust(liar.id);
        assertThat(reset.name()).as("by its id").isEqualTo("liar");
        assertThat(reset.was().untrusted()).isTrue();
        assertThat(h.scheduler.trust("liar")).isEqualTo(Scheduler.TrustRecord.NONE);
        assertThat(h.store.trust().all()).noneMatch(r -> r.workerName().equals("liar"));
        assertThatThrownBy(() -> h.scheduler.resetTrust("nobody")).isInstanceOf(CoreException.class)
                .hasMessageContaining("no worker or trust record named nobody");
    }

    @Test
    void aJobWithoutAQuorumRunsEachTaskOnce() throws Exception {
        harness(100);
        Harness.FakeWorker a = worker("w-a", "host-a");
        Harness.FakeWorker b = worker("w-b", "host-b");
        JobSnapshot job = h.submit(h.submission(SquaresJob.class, Map.of("n", "6"), "", "", 0, 0, false));
        assertThat(job.quorum()).isEqualTo(1);
        Map<Harness.FakeWorker, Function<Messages.Assignment, byte[]>> answers = new LinkedHashMap<>();
        answers.put(a, QuorumTest::square);
        answers.put(b, QuorumTest::lie);
        runAll(answers);
        assertThat(a.assignments().size() + b.assignments().size()).isEqualTo(6);
        assertThat(h.job(job.id()).validated()).isZero();
        assertThat(h.scheduler.trust("w-b")).isEqualTo(Scheduler.TrustRecord.NONE);
        assertThat(h.store.trust().all()).isEmpty();
    }

    @Test
    void quorumSettings() {
        assertThat(Quorum.setting(0, 0, 0, 0)).isEqualTo(Quorum.Setting.NONE);
        assertThat(Quorum.setting(3, 0, 0, 0)).isEqualTo(new Quorum.Setting(3, 5));
        assertThat(Quorum.setting(0, 0, 2, 7)).as("the job's own").isEqualTo(new Quorum.Setting(2, 7));
        assertThat(Quorum.setting(3, 0, 2, 7)).as("the submission's quorum, its default maximum")
                .isEqualTo(new Quorum.Setting(3, 5));
        assertThat(Quorum.setting(2, 2, 0, 0)).isEqualTo(new Quorum.Setting(2, 2));
        assertThatThrownBy(() -> Quorum.setting(-1, 0, 0, 0)).isInstanceOf(CoreException.class)
                .hasMessageContaining("quorum: must be from 1 to 16, got -1");
        assertThatThrownBy(() -> Quorum.setting(3, 2, 0, 0)).hasMessageContaining("quorum_max: 2 is below the quorum 3");
        assertThatThrownBy(() -> Quorum.setting(17, 0, 0, 0)).hasMessageContaining("quorum: must be from 1 to 16");
    }
}
