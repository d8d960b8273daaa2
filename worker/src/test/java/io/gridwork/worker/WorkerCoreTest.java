package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.sdk.Codecs;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The worker's core and its link against a master in this JVM (in-process transport), on a direct loop and a manual
 * timer: heartbeats, ticks and retries happen only when the test moves time. Tasks run on the task runner's real
 * threads (the test waits for their messages).
 */
class WorkerCoreTest extends CoreTestBase {

    private void start(int slots, int prefetch) throws Exception {
        start(options(slots, prefetch).build());
    }

    private static boolean hasResults(WorkerMessage m) {
        return m.getResultsCount() > 0;
    }

    @Test
    void registersOffersItsSlotsPlusPrefetchRunsAnAssignmentAndSendsItsResultWithTheCreditBack() throws Exception {
        start(2, 1);
        WorkerMessage hello = master.next();
        assertThat(hello.hasHello()).isTrue();
        assertThat(hello.getHello().getWorkerId()).isEqualTo("w-1");
        assertThat(hello.getCredit()).isEqualTo(3);

        TaskAssignment a = assignment("job-1", 7);
        master.send(MasterMessage.newBuilder().addJobs(spec("job-1", 0)).addAssignments(a).build());
        WorkerMessage done = master.next(WorkerCoreTest::hasResults);
        TaskResult r = done.getResults(0);
        assertThat(r.getRef()).isEqualTo(a.getRef());
        assertThat(Codecs.LONG.decode(r.getOutput().toByteArray())).isEqualTo(7L);
        // the slot is free again: its credit goes back in the same message
        assertThat(done.getCredit()).isEqualTo(1);
        assertThat(core.completedTasks()).isEqualTo(1);
        assertThat(core.heldTasks()).isZero();
    }

    @Test
    void aResultNotAcknowledgedIsListedAtTheNextRegistrationAndSentAgainAndAnAcknowledgedOneIsNot() throws Exception {
        start(1, 0);
        master.next();
        TaskAssignment a = assignment("job-1", 3);
        master.send(MasterMessage.newBuilder().addJobs(spec("job-1", 0)).addAssignments(a).build());
        master.next(WorkerCoreTest::hasResults);

        master.killStream();
        // the link reconnects on the timer, not by itself
        assertThat(master.registrations).hasSize(1);
        timer.advance(Duration.ofMillis(150));
        assertThat(master.registrations).hasSize(2);
        assertThat(master.registrations.get(1).getHeldList()).containsExactly(a.getRef());
        WorkerMessage again = master.next();
        assertThat(again.hasHello()).isTrue();
        assertThat(again.getResultsList()).extracting(TaskResult::getRef).containsExactly(a.getRef());

        master.send(MasterMessage.newBuilder().addAcks(a.getRef()).build());
        master.killStream();
        timer.advance(Duration.ofMillis(150));
        assertThat(master.registrations).hasSize(3);
        assertThat(master.registrations.get(2).getHeldList()).isEmpty();
        assertThat(master.next().getResultsList()).isEmpty();
    }

    @Test
    void aRefusedRegistrationIsRetriedOnTheTimerWithABackoffThatDoubles() throws Exception {
        master.refuse = Status.UNAVAILABLE.withDescription("not yet");
        start(1, 0);
        assertThat(master.registrations).hasSize(1);
        List<Long> at = new ArrayList<>();
        at.add(timer.clock.millis());
        while (at.size() < 4) {
            timer.advance(Duration.ofMillis(1));
            if (master.registrations.size() > at.size()) {
                at.add(timer.clock.millis());
            }
            assertThat(master.registrations).as("one attempt per retry").hasSizeLessThanOrEqualTo(at.size());
        }
        // 100 ms, then 200, then 400, each with up to half of it again as jitter
        assertThat(at.get(1) - at.get(0)).isBetween(100L, 150L);
        assertThat(at.get(2) - at.get(1)).isBetween(200L, 300L);
        assertThat(at.get(3) - at.get(2)).isBetween(400L, 600L);

        master.refuse = null;
        timer.advance(Duration.ofMillis(1200));
        assertThat(master.registrations).hasSize(5);
        assertThat(master.next().hasHello()).isTrue();
        assertThat(loop.call(core::connectedMasters, Duration.ofSeconds(5))).containsExactly("m1:7070");
    }

    @Test
    void heartbeatsComeOnTheTimerWithTheFreeSlots() throws Exception {
        start(2, 0);
        assertThat(master.next().hasHello()).isTrue();
        assertThat(master.received).isEmpty();
        // the first heartbeat is due as the stream opens, the next one interval later
        timer.advance(Duration.ZERO);
        WorkerMessage first = master.next(WorkerMessage::hasHeartbeat);
        assertThat(first.getHeartbeat().getFreeSlots()).isEqualTo(2);
        timer.advance(Duration.ofMillis(999));
        assertThat(master.received).noneMatch(WorkerMessage::hasHeartbeat);
        timer.advance(Duration.ofMillis(1));
        WorkerMessage second = master.next(WorkerMessage::hasHeartbeat);
        assertThat(second.getHeartbeat().getSeq()).isEqualTo(first.getHeartbeat().getSeq() + 1);
    }

    @Test
    void aDrainFromTheMasterHandsBackTheTasksNotStarted() throws Exception {
        start(1, 3);
        master.next();
        TaskAssignment running = assignment("job-1", 0);
        List<TaskAssignment> waiting = List.of(assignment("job-1", 1), assignment("job-1", 2));
        master.send(MasterMessage.newBuilder().addJobs(spec("job-1", 60_000)).addAssignments(running)
                .addAllAssignments(waiting).build());
        // the first takes the only slot; the tick tells the master once it started
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            timer.advance(WorkerCore.TICK);
            return master.received.stream().anyMatch(m -> m.getStartedList().contains(running.getRef()));
        });
        master.send(MasterMessage.newBuilder().setReleaseUnstarted(true).build());
        WorkerMessage released = master.next(m -> m.getReleasedCount() > 0);
        assertThat(released.getReleasedList()).containsExactlyInAnyOrderElementsOf(
                waiting.stream().map(TaskAssignment::getRef).toList());
        master.send(MasterMessage.newBuilder().addCancels(running.getRef()).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> core.heldTasks() == 0);
        assertThat(core.completedTasks()).as("cancelled and handed back tasks have no result").isZero();
    }

    @Test
    void aTaskThatRunsLongOnTheClockShrinksTheAutomaticWindowAndHandsBackWhatIsHeldBeyondIt() throws Exception {
        start(1, WorkerOptions.AUTO_PREFETCH);
        master.next();
        // tiny tasks first: the window grows far beyond its minimum
        master.send(MasterMessage.newBuilder().addJobs(spec("tiny", 0)).build());
        // (the first one's time includes loading the jar: the mean needs a few dozen to come down)
        for (int i = 0; i < 1000 && core.prefetchWindow() < 8; i++) {
            master.send(MasterMessage.newBuilder().addAssignments(assignment("tiny", i)).build());
            master.next(WorkerCoreTest::hasResults);
        }
        assertThat(core.prefetchWindow()).isGreaterThanOrEqualTo(8);

        TaskAssignment running = assignment("long", 0);
        List<TaskRef> waiting = new ArrayList<>();
        MasterMessage.Builder m = MasterMessage.newBuilder().addJobs(spec("long", 60_000)).addAssignments(running);
        for (int i = 1; i <= 5; i++) {
            TaskAssignment a = assignment("long", i);
            waiting.add(a.getRef());
            m.addAssignments(a);
        }
        master.send(m.build());
        // time moves only on the manual clock: once the task has run 250 ms of it, it counts as long
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            timer.advance(WorkerCore.TICK);
            return core.prefetchWindow() == WorkerOptions.AUTO_PREFETCH_MIN;
        });
        // 6 held, room for 1 + 2: the 3 newest not started go back, and every credit held is withdrawn
        assertThat(core.givenBackTasks()).isEqualTo(3);
        List<TaskRef> released = new ArrayList<>();
        while (released.size() < 3) {
            released.addAll(master.next(x -> x.getReleasedCount() > 0).getReleasedList());
        }
        assertThat(released).containsExactlyInAnyOrderElementsOf(waiting.subList(2, 5));
        assertThat(core.heldTasks()).isEqualTo(3);
    }

    // ------------------------------------------------------------------------------------------ checkpoints

    private JobSpec checkpointSpec(String jobId, long size) {
        JobSpec.Builder b = JobSpec.newBuilder().setJobId(jobId).setJarSha256(sha256)
                .setJobClass(CheckpointJob.class.getName()).setLeaseEpoch(1);
        if (size >= 0) {
            b.putArgs("size", Long.toString(size));
        }
        return b.build();
    }

    private static io.gridwork.api.v1.CheckpointAck answer(io.gridwork.api.v1.TaskCheckpoint c, boolean ok,
            String reason) {
        return io.gridwork.api.v1.CheckpointAck.newBuilder().setRef(c.getRef()).setSeq(c.getSeq()).setOk(ok)
                .setReason(reason).build();
    }

    @Test
    void saveCheckpointReturnsOnlyOnceTheMasterSaysItIsStoredAndTheNextAttemptIsGivenIt() throws Exception {
        start(1, 0);
        master.next(); // hello
        TaskAssignment a = assignment("job-1", 7);
        master.send(MasterMessage.newBuilder().addJobs(checkpointSpec("job-1", -1)).addAssignments(a).build());
        WorkerMessage saved = master.next(m -> m.getCheckpointsCount() > 0);
        io.gridwork.api.v1.TaskCheckpoint c = saved.getCheckpoints(0);
        assertThat(c.getRef()).isEqualTo(a.getRef());
        assertThat(c.getSeq()).isEqualTo(1);
        assertThat(c.getState().toStringUtf8()).isEqualTo("after none");
        Thread.sleep(100);
        assertThat(core.completedTasks()).as("the task waits for the answer").isZero();

        master.send(MasterMessage.newBuilder().addCheckpointAcks(answer(c, true, "")).build());
        TaskResult r = master.next(WorkerCoreTest::hasResults).getResults(0);
        assertThat(Codecs.LONG.decode(r.getOutput().toByteArray())).isEqualTo(70L);

        // the next attempt of the task starts from the state saved (the first result acknowledged: else the worker
        // would answer the new attempt with it)
        master.send(MasterMessage.newBuilder().addAcks(a.getRef()).build());
        TaskAssignment again = assignment("job-1", 7).toBuilder().setAttempt(2)
                .setCheckpoint(c.getState()).build();
        master.send(MasterMessage.newBuilder().addAssignments(again).build());
        io.gridwork.api.v1.TaskCheckpoint c2 = master.next(m -> m.getCheckpointsCount() > 0).getCheckpoints(0);
        assertThat(c2.getState().toStringUtf8()).isEqualTo("after after none");
        master.send(MasterMessage.newBuilder().addCheckpointAcks(answer(c2, true, "")).build());
        TaskResult r2 = master.next(WorkerCoreTest::hasResults).getResults(0);
        assertThat(Codecs.LONG.decode(r2.getOutput().toByteArray())).isEqualTo(71L);
    }

    @Test
    void aCheckpointTheMasterRefusesAsTooLargeFailsTheTaskWithTheReason() throws Exception {
        start(1, 0);
        master.next(); // hello
        TaskAssignment a = assignment("job-1", 1);
        master.send(MasterMessage.newBuilder().addJobs(checkpointSpec("job-1", 100)).addAssignments(a).build());
        io.gridwork.api.v1.TaskCheckpoint c = master.next(m -> m.getCheckpointsCount() > 0).getCheckpoints(0);
        assertThat(c.getState().size()).isEqualTo(100);
        master.send(MasterMessage.newBuilder().addCheckpointAcks(answer(c, false,
                "the checkpoint of 100 bytes exceeds the limit max-checkpoint-size=10")).build());
        TaskResult r = master.next(WorkerCoreTest::hasResults).getResults(0);
        assertThat(r.hasFailure()).isTrue();
        assertThat(r.getFailure().getExceptionType()).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(r.getFailure().getMessage()).contains("max-checkpoint-size=10");
    }

    @Test
    void aCheckpointNotAnsweredIsSentAgainOnTheNextStream() throws Exception {
        start(1, 0);
        master.next(); // hello
        TaskAssignment a = assignment("job-1", 2);
        master.send(MasterMessage.newBuilder().addJobs(checkpointSpec("job-1", -1)).addAssignments(a).build());
        io.gridwork.api.v1.TaskCheckpoint c = master.next(m -> m.getCheckpointsCount() > 0).getCheckpoints(0);
        master.killStream();
        timer.advance(Duration.ofMillis(150)); // it reconnects and registers the task again
        io.gridwork.api.v1.TaskCheckpoint again = master.next(m -> m.getCheckpointsCount() > 0).getCheckpoints(0);
        assertThat(again).isEqualTo(c);
        master.send(MasterMessage.newBuilder().addCheckpointAcks(answer(again, true, "")).build());
        TaskResult r = master.next(WorkerCoreTest::hasResults).getResults(0);
        assertThat(Codecs.LONG.decode(r.getOutput().toByteArray())).isEqualTo(20L);
    }

    @Test
    void aLargeCheckpointIsUploadedInPiecesToTheJobsMasterAndSavedByReference() throws Exception {
        start(1, 0);
        master.next(); // hello
        TaskAssignment a = assignment("job-1", 3);
        int size = TaskRunner.INLINE_CHECKPOINT_BYTES + io.gridwork.internal.data.DataLayout.PIECE_SIZE + 1;
        master.send(MasterMessage.newBuilder().addJobs(checkpointSpec("job-1", size)).addAssignments(a).build());
        io.gridwork.api.v1.TaskCheckpoint c = master.next(m -> m.getCheckpointsCount() > 0).getCheckpoints(0);
        assertThat(c.getState().isEmpty()).as("not inline").isTrue();
        assertThat(c.getData().getSize()).isEqualTo(size);
        assertThat(master.uploaded.get(c.getData().getId())).isEqualTo(new byte[size]);
        List<io.gridwork.api.v1.CheckpointPiece> pieces = master.checkpointUploads.get(0);
        assertThat(pieces).hasSize(2);
        assertThat(pieces.get(0).getRef()).isEqualTo(a.getRef());
        assertThat(pieces.get(0).getSeq()).isEqualTo(c.getSeq());
        assertThat(pieces.get(0).getSize()).isEqualTo(size);
        assertThat(pieces).allSatisfy(p -> assertThat(p.getData().size())
                .isLessThanOrEqualTo(io.gridwork.internal.data.DataLayout.PIECE_SIZE));
        assertThat(core.completedTasks()).as("the task waits for the stream's answer").isZero();

        master.send(MasterMessage.newBuilder().addCheckpointAcks(answer(c, true, "")).build());
        TaskResult r = master.next(WorkerCoreTest::hasResults).getResults(0);
        assertThat(Codecs.LONG.decode(r.getOutput().toByteArray())).isEqualTo(30L);

        // a state at the inline limit still goes on the stream
        master.send(MasterMessage.newBuilder().addAcks(a.getRef()).build());
        TaskAssignment b = assignment("job-2", 1);
        master.send(MasterMessage.newBuilder().addJobs(checkpointSpec("job-2", TaskRunner.INLINE_CHECKPOINT_BYTES))
                .addAssignments(b).build());
        io.gridwork.api.v1.TaskCheckpoint inline = master.next(m -> m.getCheckpointsCount() > 0).getCheckpoints(0);
        assertThat(inline.getState().size()).isEqualTo(TaskRunner.INLINE_CHECKPOINT_BYTES);
        assertThat(inline.hasData()).isFalse();
        assertThat(master.checkpointUploads).hasSize(1);
    }

    @Test
    void aLargeCheckpointTheMasterRefusesFailsTheTaskWithTheReasonAndNothingIsSaved() throws Exception {
        start(1, 0);
        master.next(); // hello
        master.refuseCheckpoints = io.grpc.Status.FAILED_PRECONDITION.withDescription(
                "attempt 100 of task 1 of job job-1 is not current (it was superseded, or the job ended)");
        TaskAssignment a = assignment("job-1", 1);
        master.send(MasterMessage.newBuilder().addJobs(checkpointSpec("job-1", 300 << 10)).addAssignments(a).build());
        TaskResult r = master.next(WorkerCoreTest::hasResults).getResults(0);
        assertThat(r.hasFailure()).isTrue();
        assertThat(r.getFailure().getExceptionType()).isEqualTo(IllegalStateException.class.getName());
        assertThat(r.getFailure().getMessage()).contains("checkpoint refused by the master").contains("not current");
        assertThat(master.checkpointUploads).hasSize(1);
    }
}
