package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.Takeover;
import io.gridwork.testing.TestJars;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker linked to several masters, against fake masters on loopback (no real master: the protocol only). */
class MultiMasterWorkerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Path jar;
    private final List<FakeMaster> masters = new ArrayList<>();
    private GridWorker worker;

    @BeforeEach
    void jar() {
        jar = TestJars.of(dir.resolve("in"), "sleep.jar", SleepJob.class);
    }

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
        masters.forEach(FakeMaster::close);
    }

    private FakeMaster master(String id, long epoch) throws Exception {
        FakeMaster m = new FakeMaster(id, epoch, jar);
        masters.add(m);
        return m;
    }

    private GridWorker worker(int slots, FakeMaster... seeds) throws Exception {
        List<String> addresses = new ArrayList<>();
        for (FakeMaster m : seeds) {
            addresses.add(m.address());
        }
        worker = GridWorker.start(WorkerOptions.builder().masters(addresses).name("w1").slots(slots).prefetch(0)
                .insecure(true).workDir(dir.resolve("w1")).drainTimeout(Duration.ofSeconds(2))
                .reconnectBackoffMax(Duration.ofMillis(200)).build());
        return worker;
    }

    private static boolean holds(RegisterRequest r, TaskRef ref) {
        return r.getHeldList().stream().anyMatch(h -> h.getAttemptId() == ref.getAttemptId());
    }

    @Test
    void freeSlotsGoToTheMastersWithDemandInProportionAndAnIdleMasterGetsNone() throws Exception {
        // attempt ids carry the epoch in their high bits: unique across masters, as with real ones
        FakeMaster a = master("a", 1);
        FakeMaster b = master("b", 2);
        FakeMaster c = master("c", 3);
        worker(4, a, b, c);
        await().atMost(WAIT).until(() -> a.connected() && b.connected() && c.connected());
        // three masters and none has said its demand: nobody may take every slot
        assertThat(a.credits.get() + b.credits.get() + c.credits.get()).isZero();
        b.send(MasterMessage.newBuilder().setDemand(0).build());
        c.send(MasterMessage.newBuilder().setDemand(0).build());
        a.ready("job-a", 12, 150);
        // a busy master with no competition gets every slot
        await().atMost(WAIT).until(() -> a.maxInFlight.get() == 4);
        b.ready("job-b", 12, 150);
        await().atMost(WAIT).until(() -> a.results.size() == 12 && b.results.size() == 12);
        assertThat(b.maxInFlight.get()).as("slots the second busy master got at once").isGreaterThanOrEqualTo(2);
        assertThat(c.credits.get()).as("credits of the idle master").isZero();
        assertThat(worker.maxHeldTasks()).as("tasks held at once over all masters").isLessThanOrEqualTo(4);
        assertThat(worker.completedTasks()).isEqualTo(24);
        assertThat(worker.failedTasks()).isZero();
    }

    @Test
    void aTakenOverTasksResultGoesToTheNewOwnerOnceAndTheTaskRunsOnce() throws Exception {
        FakeMaster a = master("a", 1);
        FakeMaster b = master("b", 2);
        a.masters = List.of(a.endpoint(), b.endpoint());
        b.masters = a.masters;
        worker(2, a);
        await().atMost(WAIT).until(() -> a.connected() && b.connected());
        b.send(MasterMessage.newBuilder().setDemand(0).build());
        a.ready("job-1", 1, 1500);
        await().atMost(WAIT).until(() -> worker.heldTasks() == 1);
        TaskRef ref = a.assigned.get(0).getRef();
        int aRegistrations = a.registrations.size();
        int bRegistrations = b.registrations.size();
        a.killStream();
        // the worker comes back to a (still its owner as far as it knows), listing the task
        await().atMost(WAIT).until(() -> a.registrations.size() > aRegistrations && a.connected());
        assertThat(holds(a.registrations.get(a.registrations.size() - 1), ref)).isTrue();
        b.send(MasterMessage.newBuilder().addTakeovers(Takeover.newBuilder().setFromMasterId("a").setToMasterId("b")
                .setToAddress(b.address()).setEpoch(2).addJobIds("job-1")).build());
        await().atMost(WAIT).until(() -> b.registrations.size() > bRegistrations);
        assertThat(holds(b.registrations.get(b.registrations.size() - 1), ref)).as("b's new registration lists the task").isTrue();
        await().atMost(WAIT).until(() -> b.results.size() == 1);
        assertThat(b.resultRefs()).extracting(TaskRef::getAttemptId).containsExactly(ref.getAttemptId());
        assertThat(a.results).as("results sent to the master that lost the job").isEmpty();
        assertThat(worker.completedTasks()).isEqualTo(1);
        // a's stream breaks again: it does not get the task back in its registration
        int again = a.registrations.size();
        a.killStream();
        await().atMost(WAIT).until(() -> a.registrations.size() > again);
        assertThat(holds(a.registrations.get(a.registrations.size() - 1), ref)).isFalse();
        assertThat(worker.completedTasks()).isEqualTo(1);
    }

    @Test
    void aTaskThatRanForAFailedMasterIsNotRunAgainWhenItsNewOwnerAssignsItAnew() throws Exception {
        FakeMaster a = master("a", 1);
        FakeMaster b = master("b", 2);
        a.masters = List.of(a.endpoint(), b.endpoint());
        b.masters = a.masters;
        worker(1, a);
        await().atMost(WAIT).until(() -> a.connected() && b.connected());
        b.send(MasterMessage.newBuilder().setDemand(0).build());
        a.ready("job-1", 1, 800);
        await().atMost(WAIT).until(() -> worker.heldTasks() == 1);
        TaskRef first = a.assigned.get(0).getRef();
        a.close(); // the master dies before the task ends: its output is never acknowledged
        await().atMost(WAIT).until(() -> worker.completedTasks() == 1 && worker.heldTasks() == 0);

        // the master that took the job over could not adopt that attempt: it assigns the task anew
        b.ready("job-1", 1, 800);
        await().atMost(WAIT).until(() -> !b.results.isEmpty());
        TaskResult result = b.results.get(0);
        TaskRef again = b.assigned.get(0).getRef();
        assertThat(again.getIndex()).isEqualTo(first.getIndex());
        assertThat(again.getAttemptId()).isNotEqualTo(first.getAttemptId());
        assertThat(result.getRef()).isEqualTo(again);
        assertThat(b.results).as("one result, for the new attempt").hasSize(1);
        assertThat(result.hasOutput()).isTrue();
        assertThat(worker.completedTasks()).as("the task ran once").isEqualTo(1);
        assertThat(worker.reusedResults()).isEqualTo(1);
    }

    @Test
    void messagesAboutAJobFromAMasterOlderThanTheJobsEpochAreRefused() throws Exception {
        FakeMaster a = master("a", 5);
        FakeMaster b = master("b", 7);
        worker(2, a, b);
        await().atMost(WAIT).until(() -> a.connected() && b.connected());
        a.send(MasterMessage.newBuilder().setDemand(0).build());
        b.ready("job-1", 1, 800);
        await().atMost(WAIT).until(() -> worker.heldTasks() == 1);
        TaskRef ref = b.assigned.get(0).getRef();
        TaskAssignment stale = a.assignment("job-1", 99);
        a.send(MasterMessage.newBuilder().addJobs(a.spec("job-1", 10)).addAssignments(stale).addCancels(ref).addAcks(ref)
                .build());
        await().atMost(WAIT).until(() -> worker.staleMessagesRefused() == 4);
        assertThat(worker.heldTasks()).isEqualTo(1);
        await().atMost(WAIT).until(() -> b.results.size() == 1);
        assertThat(b.results.get(0).hasOutput()).as("the task was not cancelled by the stale master").isTrue();
        assertThat(worker.completedTasks()).isEqualTo(1);
        assertThat(a.results).isEmpty();
    }

    @Test
    void mastersNamedByAMasterGetALinkAndASingleMasterStillGetsEverySlot() throws Exception {
        FakeMaster a = master("a", 1);
        FakeMaster b = master("b", 1);
        worker(3, a);
        await().atMost(WAIT).until(() -> a.connected());
        // one master known, demand unknown: every free slot at once, as a worker has always done
        await().atMost(WAIT).until(() -> a.credits.get() == 3);
        a.masters = List.of(a.endpoint(), b.endpoint());
        a.killStream();
        await().atMost(WAIT).until(() -> b.connected() && a.connected());
        assertThat(worker.linkedMasters()).containsExactlyInAnyOrder(a.address(), b.address());
        assertThat(b.registrations).isNotEmpty();
        // b is no longer named and goes away: its link is dropped
        a.masters = List.of(a.endpoint());
        a.send(MasterMessage.newBuilder().addMasters(a.endpoint()).build());
        b.close();
        await().atMost(WAIT).until(() -> worker.linkedMasters().equals(List.of(a.address())));
    }
}
