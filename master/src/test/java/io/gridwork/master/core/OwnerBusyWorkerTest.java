package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.testjobs.SquaresJob;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Idle owners (issue 19) on the master: a worker whose owner is busy gets no tasks, shows OWNER_BUSY, is neither
 * failed nor suspected while its heartbeats go on, and takes tasks again once its owner is idle; tasks it hands back
 * (released) run elsewhere without using up an attempt.
 */
class OwnerBusyWorkerTest extends HarnessTestBase {

    private WorkerSnapshot worker(String name) {
        return h.scheduler.workers(true).stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aBusyOwnersWorkerGetsNoTasksIsNotSuspectedAndComesBackWhenIdle() {
        Harness.FakeWorker w1 = h.worker("w1", 2, 0);
        h.scheduler.owner(w1.session, true, "owner busy: the idle command exited 1");
        WorkerSnapshot busy = worker("w1");
        assertThat(busy.state()).isEqualTo(WorkerState.OWNER_BUSY);
        assertThat(busy.ownerReason()).isEqualTo("owner busy: the idle command exited 1");
        assertThat(busy.whenIdle()).isTrue();

        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "4"));
        w1.credit(2);
        assertThat(w1.assignments()).as("no tasks while the owner is busy").isEmpty();
        assertThat(h.job(job.id()).waitingReason()).isEqualTo("every matching worker's owner is busy");

        // heartbeats go on: it is not suspected, however long the owner stays
        for (int i = 0; i < 10; i++) {
            h.advance(Duration.ofMillis(900));
            w1.heartbeat();
        }
        assertThat(worker("w1").state()).isEqualTo(WorkerState.OWNER_BUSY);

        h.scheduler.owner(w1.session, false, "");
        assertThat(worker("w1").state()).isEqualTo(WorkerState.ALIVE);
        assertThat(worker("w1").ownerReason()).isEmpty();
        assertThat(w1.assignments()).as("the credits it holds are used at once").hasSize(2);
    }

    @Test
    void vacatedTasksRunElsewhereWithoutUsingUpAnAttempt() {
        Harness.FakeWorker desk = h.worker("desk", 2, 0);
        JobSnapshot job = h.submit(SquaresJob.class, Map.of("n", "2"), 1); // one attempt only: a failure would end it
        desk.credit(2);
        List<Messages.Assignment> taken = desk.assignments();
        assertThat(taken).hasSize(2);
        h.scheduler.onMessage(desk.session, new Messages.Inbound(0, List.of(), -1, List.of(), List.of(), false,
                List.of(), List.of(), taken.stream().map(Messages.Assignment::key).toList())); // they started

        h.scheduler.owner(desk.session, true, "outside the hours 18:00-08:00");
        h.scheduler.onMessage(desk.session, new Messages.Inbound(0, List.of(), -1, List.of(),
                taken.stream().map(Messages.Assignment::key).toList(), false)); // vacated: released

        Harness.FakeWorker spare = h.worker("spare", 2, 0);
        spare.credit(2);
        assertThat(spare.assignments()).hasSize(2);
        spare.assignments().forEach(spare::succeed);
        h.commit();
        JobSnapshot done = h.job(job.id());
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.failed()).isZero();
        assertThat(done.retried()).isZero();
    }

    @Test
    void aRegistrationWithoutAPolicyClearsAnEarlierIncarnationsBusyOwner() {
        Harness.FakeWorker w1 = h.worker("w1", 2, 0);
        h.scheduler.owner(w1.session, true, "owner busy");
        assertThat(worker("w1").state()).isEqualTo(WorkerState.OWNER_BUSY);
        h.scheduler.owner(w1.id, false, false, "");
        assertThat(worker("w1").state()).isEqualTo(WorkerState.ALIVE);
        assertThat(worker("w1").whenIdle()).isFalse();
    }
}
