package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.OwnerStatus;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.worker.owner.OwnerPolicy.Mode;
import io.gridwork.worker.owner.OwnerPolicy.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Idle owners (issue 19): what the worker's core does with the owner's verdicts, against a master in this JVM, on a
 * direct loop and a manual timer (the grace period passes only when the test moves time). Tasks run on real threads.
 */
class OwnerCoreTest extends CoreTestBase {

    /** A worker of 2 slots and a prefetch of 1 under an owner's policy, with a 30 s grace period. */
    private void start() throws Exception {
        start(options(2, 1).whenIdle(true).vacateAfter(Duration.ofSeconds(30)).build());
    }

    private void verdict(Verdict v) {
        loop.post(() -> core.owner(v));
    }

    private List<TaskAssignment> serveAndRunTwoHoldOne() throws Exception {
        start();
        WorkerMessage hello = master.next();
        // until the first check answers it takes nothing, and says so at registration and on its stream
        assertThat(master.registrations.get(0).getOwner())
                .isEqualTo(OwnerStatus.newBuilder().setBusy(true).setReason("the owner's state is not checked yet").build());
        assertThat(hello.getCredit()).isZero();
        assertThat(hello.getOwner().getBusy()).isTrue();

        verdict(Verdict.SERVE);
        WorkerMessage serving = master.next(m -> m.hasOwner());
        assertThat(serving.getOwner()).isEqualTo(OwnerStatus.newBuilder().setBusy(false).build());
        assertThat(serving.getCredit()).isEqualTo(3);

        List<TaskAssignment> a = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            a.add(assignment("job-1", i));
        }
        master.send(MasterMessage.newBuilder().addJobs(spec("job-1", 60_000)).addAllAssignments(a).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> runner.busySlots() == 2);
        return a;
    }

    @Test
    void theOwnerBackStopsTakingAtOnceAndVacatesTheRunningTasksAfterTheGracePeriod() throws Exception {
        List<TaskAssignment> a = serveAndRunTwoHoldOne();

        verdict(new Verdict(Mode.VACATE, "owner busy: the idle command exited 1"));
        WorkerMessage busy = master.next(m -> m.hasOwner());
        assertThat(busy.getOwner()).isEqualTo(OwnerStatus.newBuilder().setBusy(true)
                .setReason("owner busy: the idle command exited 1").build());
        // the task not started goes back at once; the running ones go on
        assertThat(busy.getReleasedList()).containsExactly(a.get(2).getRef());
        assertThat(core.heldTasks()).isEqualTo(2);

        // an assignment the master sent before it heard goes back unstarted
        TaskAssignment late = assignment("job-1", 3);
        master.send(MasterMessage.newBuilder().addAssignments(late).build());
        assertThat(master.next(m -> m.getReleasedCount() > 0).getReleasedList()).containsExactly(late.getRef());

        timer.advance(Duration.ofSeconds(29));
        assertThat(core.heldTasks()).isEqualTo(2);
        assertThat(core.vacatedTasks()).isZero();
        timer.advance(Duration.ofSeconds(1));
        WorkerMessage vacated = master.next(m -> m.getReleasedCount() > 0);
        assertThat(vacated.getReleasedList()).containsExactlyInAnyOrder(a.get(0).getRef(), a.get(1).getRef());
        assertThat(vacated.getResultsCount()).isZero();
        assertThat(core.vacatedTasks()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> core.heldTasks() == 0 && runner.busySlots() == 0);
        // no credit while busy
        timer.advance(Duration.ofSeconds(5));
        assertThat(core.heldTasks()).isZero();

        verdict(Verdict.SERVE);
        WorkerMessage back = master.next(m -> m.hasOwner());
        assertThat(back.getOwner().getBusy()).isFalse();
        assertThat(back.getCredit()).isEqualTo(3);
    }

    @Test
    void anOwnerIdleAgainWithinTheGracePeriodLeavesTheRunningTasksAlone() throws Exception {
        serveAndRunTwoHoldOne();
        verdict(new Verdict(Mode.VACATE, "outside the hours 18:00-08:00"));
        master.next(m -> m.hasOwner());
        timer.advance(Duration.ofSeconds(10));
        verdict(Verdict.SERVE);
        WorkerMessage back = master.next(m -> m.hasOwner());
        assertThat(back.getCredit()).as("the released one's credit comes back").isEqualTo(1);
        timer.advance(Duration.ofSeconds(30));
        assertThat(core.vacatedTasks()).isZero();
        assertThat(core.heldTasks()).isEqualTo(2);
    }

    @Test
    void aCpuPauseTakesNothingNewButNeverVacates() throws Exception {
        List<TaskAssignment> a = serveAndRunTwoHoldOne();
        verdict(new Verdict(Mode.PAUSE, "worker CPU 90% >= --max-cpu-percent 50"));
        WorkerMessage paused = master.next(m -> m.hasOwner());
        assertThat(paused.getReleasedList()).containsExactly(a.get(2).getRef());
        timer.advance(Duration.ofMinutes(5));
        assertThat(core.vacatedTasks()).isZero();
        assertThat(core.heldTasks()).isEqualTo(2);
    }
}
