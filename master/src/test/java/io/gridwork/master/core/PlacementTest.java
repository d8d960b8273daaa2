package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.sdk.Codecs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Which worker gets which task: requirements, slots per task, priority, fair share, speculation, drain. */
class PlacementTest extends HarnessTestBase {

    private JobSnapshot submit(long n, String owner, String require, int slots, int priority, boolean noSpeculation) {
        return h.submit(h.submission(SquaresJob.class, Map.of("n", Long.toString(n)), owner, require, slots, priority,
                noSpeculation));
    }

    private static List<Long> squares(long n) {
        return LongStream.range(0, n).map(i -> i * i).boxed().collect(Collectors.toList());
    }

    private List<Long> result(String jobId) {
        return Codecs.listOf(Codecs.LONG).decode(h.scheduler.result(jobId).bytes());
    }

    private static List<Messages.Assignment> of(Harness.FakeWorker w, String jobId) {
        return w.assignments().stream().filter(a -> a.key().jobId().equals(jobId)).collect(Collectors.toList());
    }

    // ------------------------------------------------------------------------------------------ requirements

    @Test
    void tasksGoOnlyToWorkersMatchingTheRequirementAndTheJobSaysWhyItWaits() {
        Harness.FakeWorker plain = h.worker("plain", 4, 0);
        plain.credit(4);
        JobSnapshot job = submit(6, "", "gpu=a100", 0, 0, false);
        h.advance(Duration.ofMillis(300)); // a publish interval

        JobSnapshot waiting = h.job(job.id());
        assertThat(waiting.state()).isEqualTo(JobState.QUEUED);
        assertThat(waiting.requirement()).isEqualTo("gpu=a100");
        assertThat(waiting.waitingReason()).isEqualTo("no worker matches gpu=a100");
        assertThat(plain.assignments()).isEmpty();

        Harness.FakeWorker gpu = h.worker("gpu", 2, 0, Map.of("gpu", "a100"), Map.of());
        gpu.credit(2);
        assertThat(gpu.assignments()).hasSize(2);
        assertThat(plain.assignments()).isEmpty();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.RUNNING);
        assertThat(h.job(job.id()).waitingReason()).isEmpty();

        while (h.job(job.id()).succeeded() < 6) {
            List<Messages.Assignment> mine = gpu.assignments();
            gpu.succeed(mine.get((int) h.job(job.id()).succeeded()));
            h.commit();
        }
        assertThat(plain.assignments()).isEmpty();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(result(job.id())).isEqualTo(squares(6));
    }

    @Test
    void requirementsCompareResourcesAndPlatform() {
        Map<String, String> small = Map.of("os", "linux", "memory", Long.toString(2L << 30), "cores", "2", "java", "17.0.9");
        Map<String, String> big = Map.of("os", "linux", "memory", Long.toString(64L << 30), "cores", "32", "java", "21.0.1");
        Harness.FakeWorker s = h.worker("small", 2, 0, Map.of("site", "lab-2"), small);
        Harness.FakeWorker b = h.worker("big", 2, 0, Map.of("site", "lab-1"), big);
        s.credit(2);
        b.credit(2);

        JobSnapshot bigOnly = submit(2, "", "os=linux && mem>=4g && java>=21", 0, 0, false);
        JobSnapshot lab2 = submit(2, "", "site = lab-2 && cores<4", 0, 0, false);

        assertThat(of(b, bigOnly.id())).hasSize(2);
        assertThat(of(s, bigOnly.id())).isEmpty();
        assertThat(of(s, lab2.id())).hasSize(2);
        assertThat(of(b, lab2.id())).isEmpty();
    }

    @Test
    void aRequirementThatIsNotOneIsRefusedAndNothingIsStored() {
        assertThatThrownBy(() -> submit(2, "", "gpu", 0, 0, false))
                .isInstanceOf(CoreException.class)
                .hasMessageContaining("require: 'gpu' is not KEY=VALUE");
        assertThatThrownBy(() -> submit(2, "", "mem>=lots", 0, 0, false))
                .hasMessageContaining("require: 'mem>=lots' compares with a number");
        assertThatThrownBy(() -> submit(2, "", "os===", 0, 0, false))
                .isInstanceOf(CoreException.class)
                .hasMessageContaining("require: 'os===' has more than one operator");
        assertThatThrownBy(() -> submit(2, "", "os=linux && mem>==4g", 0, 0, false))
                .hasMessageContaining("require: 'mem>==4g' has more than one operator");
        assertThat(Requirement.parse("sign=\"=x\"").matches(Map.of("sign", "=x"))).as("quoted, it is a value").isTrue();
        assertThat(h.scheduler.jobs(10, List.of())).isEmpty();
    }

    @Test
    void requirementParsing() {
        Requirement r = Requirement.parse("  gpu = a100 &&mem>=1.5g && site!=lab-3 ");
        assertThat(r.toString()).isEqualTo("gpu = a100 &&mem>=1.5g && site!=lab-3");
        Map<String, String> w = new HashMap<>(Map.of("gpu", "A100", "mem", Long.toString(2L << 30)));
        assertThat(r.matches(w)).isTrue();
        w.put("site", "lab-3");
        assertThat(r.matches(w)).isFalse();
        w.remove("site");
        w.put("mem", Long.toString(1L << 30));
        assertThat(r.matches(w)).isFalse();
        assertThat(Requirement.parse("gpu!=a100").matches(Map.of())).as("absent is not equal").isTrue();
        assertThat(Requirement.parse("gpu=a100").matches(Map.of())).isFalse();
        assertThat(Requirement.parse("n>2 && n<4").matches(Map.of("n", "3"))).isTrue();
        assertThat(Requirement.parse("name=\"my worker\"").matches(Map.of("name", "my worker"))).isTrue();
        assertThat(Requirement.parse("").isAny()).isTrue();
        assertThatThrownBy(() -> Requirement.parse("a=1 &&")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Requirement.parse("=1")).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------------------------------ slots per task

    @Test
    void aTaskTakesAsManySlotsAsItsJobAsksAndCreditsCountSlots() {
        JobSnapshot job = submit(5, "", "", 2, 0, false);
        Harness.FakeWorker one = h.worker("one", 1, 0);
        one.credit(1);
        h.advance(Duration.ofMillis(300));
        assertThat(one.assignments()).isEmpty();
        assertThat(h.job(job.id()).waitingReason()).isEqualTo("no matching worker has 2 slots");

        Harness.FakeWorker four = h.worker("four", 4, 1);
        four.credit(5);
        assertThat(four.assignments()).hasSize(2).allSatisfy(a -> assertThat(a.slots()).isEqualTo(2));
        four.succeed(four.assignments().get(0), 10); // gives back 2 slots: one more task
        assertThat(four.assignments()).hasSize(3);
        assertThat(one.assignments()).isEmpty();
    }

    // ------------------------------------------------------------------------------------------ priority, fair share

    @Test
    void aSmallJobSubmittedAfterABigOneIsNotStarved() {
        Harness.FakeWorker w = h.worker("w", 2, 0);
        JobSnapshot big = submit(1000, "", "", 0, 0, false);
        w.credit(2);
        assertThat(of(w, big.id())).hasSize(2);

        JobSnapshot small = submit(3, "", "", 0, 0, false);
        // each slot that frees goes to the job holding fewer: the small one gets every other task
        int finished = 0;
        while (h.job(small.id()).state() != JobState.SUCCEEDED && finished < 20) {
            w.succeed(w.assignments().get(finished++));
            h.commit();
        }
        assertThat(finished).isEqualTo(7); // big, big, small, big, small, big, small
        assertThat(result(small.id())).isEqualTo(squares(3));
        assertThat(h.job(big.id()).succeeded()).isEqualTo(4);
    }

    @Test
    void usersShareTheGridEquallyWhateverTheirNumberOfJobs() {
        submit(100, "alice", "", 0, 0, false);
        submit(100, "alice", "", 0, 0, false);
        submit(100, "alice", "", 0, 0, false);
        JobSnapshot bob = submit(100, "bob", "", 0, 0, false);
        Harness.FakeWorker w = h.worker("w", 8, 0);
        w.credit(8);
        assertThat(w.assignments()).hasSize(8);
        assertThat(of(w, bob.id())).as("bob's one job gets half of the slots").hasSize(4);
    }

    @Test
    void aHigherPriorityJobGoesFirst() {
        Harness.FakeWorker w = h.worker("w", 3, 0);
        JobSnapshot low = submit(100, "", "", 0, 0, false);
        JobSnapshot high = submit(100, "", "", 0, 10, false);
        w.credit(3);
        assertThat(of(w, high.id())).hasSize(3);
        assertThat(of(w, low.id())).isEmpty();
        assertThat(h.job(high.id()).priority()).isEqualTo(10);
        h.advance(Duration.ofMillis(300));
        assertThat(h.job(low.id()).waitingReason()).isEqualTo("waiting for a free slot on 1 matching worker");
    }

    // ------------------------------------------------------------------------------------------ speeds

    @Test
    void aWorkersSpeedIsMeasuredAgainstItsJobsMean() {
        JobSnapshot job = submit(40, "", "", 0, 0, false);
        Harness.FakeWorker fast = h.worker("fast", 1, 0);
        Harness.FakeWorker slow = h.worker("slow", 1, 0);
        fast.credit(1);
        slow.credit(1);
        for (int round = 0; round < 8; round++) {
            for (int i = 0; i < 4; i++) {
                List<Messages.Assignment> f = fast.assignments();
                fast.succeed(f.get(f.size() - 1), 50);
            }
            List<Messages.Assignment> s = slow.assignments();
            slow.succeed(s.get(s.size() - 1), 400);
            h.commit();
        }
        Map<String, WorkerSnapshot> byName = new HashMap<>();
        h.scheduler.workers(false).forEach(w -> byName.put(w.name(), w));
        assertThat(byName.get("fast").speed()).isGreaterThan(1.0);
        assertThat(byName.get("slow").speed()).isLessThan(0.5);
        assertThat(h.job(job.id()).succeeded()).isEqualTo(40);
    }

    // ------------------------------------------------------------------------------------------ speculation

    /** A job near its end: the fast worker finished two tasks, the slow one sits on the third ({@code stuck}). */
    private record Tail(JobSnapshot job, Harness.FakeWorker fast, Harness.FakeWorker slow, Messages.Assignment stuck) {}

    private Tail slowTail(boolean noSpeculation) {
        JobSnapshot job = submit(3, "", "", 0, 0, noSpeculation);
        Harness.FakeWorker fast = h.worker("fast", 1, 0);
        Harness.FakeWorker slow = h.worker("slow", 1, 0);
        fast.credit(1);
        slow.credit(1);
        Messages.Assignment stuck = slow.assignments().get(0);
        fast.succeed(fast.assignments().get(0), 100);
        fast.succeed(fast.assignments().get(1), 100);
        h.commit();
        return new Tail(job, fast, slow, stuck);
    }

    private void keepAlive(Harness.FakeWorker... workers) {
        for (int i = 0; i < 6; i++) {
            h.advance(Duration.ofMillis(250));
            for (Harness.FakeWorker w : workers) {
                w.heartbeat();
            }
        }
    }

    @Test
    void aSlowTaskNearTheEndGetsASecondAttemptAndTheFirstResultWins() {
        Tail t = slowTail(false);
        JobSnapshot job = t.job();
        Harness.FakeWorker fast = t.fast();
        Harness.FakeWorker slow = t.slow();
        Messages.Assignment stuck = t.stuck();
        assertThat(fast.assignments()).hasSize(2); // nothing yet: the task has not run long

        keepAlive(fast, slow); // 1.5 s: well past 1.5 x the 100 ms mean and the 200 ms minimum
        assertThat(fast.assignments()).hasSize(3);
        Messages.Assignment second = fast.assignments().get(2);
        assertThat(second.key().index()).isEqualTo(stuck.key().index());
        assertThat(second.key().attemptId()).isNotEqualTo(stuck.key().attemptId());
        assertThat(h.job(job.id()).speculated()).isEqualTo(1);
        slow.started(stuck);
        fast.started(second);
        assertThat(h.job(job.id()).running()).as("one task, two attempts").isEqualTo(1);

        fast.succeed(second, 100);
        assertThat(slow.cancels()).containsExactly(stuck.key());
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);

        // the slow attempt finishes anyway: refused, not merged
        slow.succeed(stuck, 2000);
        h.commit();
        assertThat(slow.rejections()).extracting(Messages.Rejection::key).containsExactly(stuck.key());
        assertThat(result(job.id())).isEqualTo(squares(3));
        assertThat(h.job(job.id()).speculated()).isEqualTo(1);
    }

    @Test
    void whenTheOriginalAttemptWinsTheSpeculativeOneIsCancelled() {
        Tail t = slowTail(false);
        JobSnapshot job = t.job();
        Harness.FakeWorker fast = t.fast();
        Harness.FakeWorker slow = t.slow();
        Messages.Assignment stuck = t.stuck();
        keepAlive(fast, slow);
        Messages.Assignment second = fast.assignments().get(2);

        slow.succeed(stuck, 1600);
        assertThat(fast.cancels()).containsExactly(second.key());
        h.commit();
        fast.succeed(second, 100); // it did not stop in time
        h.commit();
        assertThat(fast.rejections()).extracting(Messages.Rejection::key).containsExactly(second.key());
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(result(job.id())).isEqualTo(squares(3));
    }

    @Test
    void aJobCanTurnSpeculationOff() {
        Tail t = slowTail(true);
        JobSnapshot job = t.job();
        Harness.FakeWorker fast = t.fast();
        Harness.FakeWorker slow = t.slow();
        keepAlive(fast, slow);
        keepAlive(fast, slow);
        assertThat(fast.assignments()).hasSize(2);
        assertThat(h.job(job.id()).speculated()).isZero();
        assertThat(h.job(job.id()).speculation()).isFalse();
    }

    @Test
    void aFailedSpeculativeAttemptLeavesTheOriginalRunning() {
        Tail t = slowTail(false);
        JobSnapshot job = t.job();
        Harness.FakeWorker fast = t.fast();
        Harness.FakeWorker slow = t.slow();
        Messages.Assignment stuck = t.stuck();
        keepAlive(fast, slow);
        Messages.Assignment second = fast.assignments().get(2);
        fast.fail(second, "out of memory", true);
        assertThat(slow.cancels()).isEmpty();
        slow.succeed(stuck, 2000);
        h.commit();
        assertThat(h.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(result(job.id())).isEqualTo(squares(3));
    }

    // ------------------------------------------------------------------------------------------ drain

    @Test
    void aDrainedWorkerFinishesItsTasksAndGetsNoNewOnesUntilUndrained() {
        JobSnapshot job = submit(10, "", "", 0, 0, false);
        Harness.FakeWorker w = h.worker("w", 2, 0);
        w.credit(2);
        List<Messages.Assignment> running = new ArrayList<>(w.assignments());
        assertThat(running).hasSize(2);

        WorkerSnapshot drained = h.scheduler.drain("w", true, "admin (admin)");
        assertThat(drained.state()).isEqualTo(WorkerState.DRAINING);
        assertThat(drained.drainRequested()).isTrue();
        for (Messages.Assignment a : running) {
            w.succeed(a); // results still count, the credits bring nothing new
        }
        h.commit();
        assertThat(w.acks()).hasSize(2);
        assertThat(w.assignments()).hasSize(2);
        assertThat(h.job(job.id()).succeeded()).isEqualTo(2);
        h.advance(Duration.ofMillis(300));
        assertThat(h.job(job.id()).waitingReason()).isEqualTo("every matching worker is draining or suspected");

        // it stays drained when it registers again, and when the master restarts
        w.connect(List.of());
        w.credit(2);
        assertThat(w.assignments()).hasSize(2);
        assertThat(h.scheduler.workers(false).get(0).state()).isEqualTo(WorkerState.DRAINING);

        WorkerSnapshot undrained = h.scheduler.drain(w.id, false, "admin (admin)");
        assertThat(undrained.state()).isEqualTo(WorkerState.ALIVE);
        assertThat(w.assignments()).hasSize(4);
    }

    @Test
    void aDrainedWorkerGivesBackTheTasksItHasNotStarted() {
        JobSnapshot job = submit(10, "", "", 0, 0, false);
        Harness.FakeWorker w = h.worker("w", 1, 2);
        w.credit(3);
        List<Messages.Assignment> held = new ArrayList<>(w.assignments());
        assertThat(held).hasSize(3); // one runs, two wait

        h.scheduler.drain("w", true, "admin");
        assertThat(w.received.get(w.received.size() - 1).releaseUnstarted).isTrue();
        // the worker gives back the two waiting ones, as a draining worker does
        h.scheduler.onMessage(w.session, new Messages.Inbound(2, List.of(), -1, List.of(),
                List.of(held.get(1).key(), held.get(2).key()), false));
        Harness.FakeWorker other = h.worker("other", 2, 0);
        other.credit(2);
        assertThat(other.assignments()).extracting(a -> a.key().index())
                .containsExactlyInAnyOrder(held.get(1).key().index(), held.get(2).key().index());
        w.succeed(held.get(0));
        h.commit();
        assertThat(w.acks()).containsExactly(held.get(0).key());
        assertThat(h.job(job.id()).lost()).isZero();
    }

    @Test
    void drainingAnUnknownWorkerIsNotFound() {
        assertThatThrownBy(() -> h.scheduler.drain("nobody", true, "admin"))
                .isInstanceOf(CoreException.class)
                .hasMessage("worker: no worker named nobody");
    }

    @Test
    void aDrainOutlivesAMasterRestart() {
        Harness.FakeWorker w = h.worker("w", 2, 0);
        h.scheduler.drain("w", true, "admin");
        h.commit();
        h.scheduler.close();
        h.restart();
        JobSnapshot job = submit(4, "", "", 0, 0, false);
        w.connect(List.of());
        w.credit(2);
        assertThat(of(w, job.id())).isEmpty();
        assertThat(h.scheduler.workers(false).get(0).state()).isEqualTo(WorkerState.DRAINING);
    }
}
