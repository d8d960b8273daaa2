package io.gridwork.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.client.GridClientFailoverTest.FakeMaster;
import io.gridwork.client.GridClientFailoverTest.Mode;
import io.gridwork.client.GridClientFailoverTest.SharedStore;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link GridClient#submitAndAwait}: one SubmitAndWatch call from the submission to the end; the two calls (SubmitJob,
 * WatchJob) against a master without it; the wait going on with WatchJob when the call breaks once the job is stored;
 * and a submission that may have been stored never sent again. Fake masters in this JVM, in-process.
 */
class GridClientSubmitAndAwaitTest {

    /** A master with SubmitAndWatch: the first status once "stored", then the shared job's, or a break. */
    static final class StreamingMaster extends FakeMaster {
        enum Behaviour { FOLLOWS, STORES_SLOWLY, BREAKS_AFTER_FIRST, BREAKS_BEFORE_FIRST }

        final Behaviour behaviour;
        final AtomicInteger submitAndWatches = new AtomicInteger();

        StreamingMaster(String id, Behaviour behaviour, SharedStore store) {
            super(id, Mode.ACTIVE, store);
            this.behaviour = behaviour;
        }

        @Override
        public void submitAndWatch(SubmitJobRequest request, StreamObserver<JobStatus> observer) {
            submitAndWatches.incrementAndGet();
            switch (behaviour) {
                case BREAKS_BEFORE_FIRST -> observer.onError(Status.UNAVAILABLE
                        .withDescription("connection reset while answering").asRuntimeException());
                case BREAKS_AFTER_FIRST -> {
                    observer.onNext(store.job.toBuilder().setMaster(id).build());
                    observer.onError(Status.UNAVAILABLE.withDescription("the master is going away").asRuntimeException());
                }
                default -> {
                    if (behaviour == Behaviour.STORES_SLOWLY) {
                        try {
                            Thread.sleep(600); // the store commits slowly: the first status comes late
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    // followed as WatchJob follows it; counted as this call, not as a WatchJob
                    watchJob(io.gridwork.api.v1.WatchJobRequest.newBuilder().setJobId(store.job.getId()).build(), observer);
                    watches.decrementAndGet();
                }
            }
        }
    }

    @RegisterExtension
    final InProcessMasters masters = new InProcessMasters();

    /** The job the masters share (each test's own). */
    final SharedStore store = new SharedStore();

    /** The statuses submitAndAwait handed on. */
    final List<JobStatus> seen = new CopyOnWriteArrayList<>();

    private static JobSubmission job() {
        return JobSubmission.builder().jarSha256("0".repeat(64)).jobClass("x.Job").build();
    }

    /** Runs submitAndAwait in the background, recording each status it sees. */
    private Future<JobStatus> submitAndAwait(GridClient client) {
        return masters.executor().submit(() -> client.submitAndAwait(job(), Duration.ofSeconds(30), seen::add));
    }

    @Test
    void oneCallFromTheStoredJobToItsEnd() throws Exception {
        StreamingMaster master = new StreamingMaster("a", StreamingMaster.Behaviour.FOLLOWS, store);
        GridClient client = masters.client(master);

        Future<JobStatus> done = submitAndAwait(client);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        assertThat(seen.get(0).getId()).as("the first status names the stored job").isEqualTo("job-1");
        assertThat(done.isDone()).isFalse();
        store.update(store.job.toBuilder().setState(JobStatus.State.SUCCEEDED).build());

        assertThat(done.get(10, TimeUnit.SECONDS).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(master.submitAndWatches).hasValue(1);
        assertThat(master.submits).as("no SubmitJob").hasValue(0);
        assertThat(master.watches).as("no WatchJob").hasValue(0);
    }

    @Test
    void aMasterWithoutTheCallGetsSubmitJobThenWatchJob() throws Exception {
        FakeMaster older = new FakeMaster("a", Mode.ACTIVE, store); // SubmitAndWatch: UNIMPLEMENTED
        GridClient client = masters.client(older);

        Future<JobStatus> done = submitAndAwait(client);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> older.watches.get() == 1 && !seen.isEmpty());
        store.update(store.job.toBuilder().setState(JobStatus.State.FAILED).setError("boom").build());

        JobStatus last = done.get(10, TimeUnit.SECONDS);
        assertThat(last.getState()).isEqualTo(JobStatus.State.FAILED);
        assertThat(last.getError()).isEqualTo("boom");
        assertThat(older.submits).hasValue(1);
    }

    @Test
    void aCallThatBreaksOnceTheJobIsStoredGoesOnWatchingIt() throws Exception {
        StreamingMaster master = new StreamingMaster("a", StreamingMaster.Behaviour.BREAKS_AFTER_FIRST, store);
        GridClient client = masters.client(master);

        Future<JobStatus> done = submitAndAwait(client);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> master.watches.get() == 1);
        store.update(store.job.toBuilder().setState(JobStatus.State.SUCCEEDED).build());

        assertThat(done.get(10, TimeUnit.SECONDS).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(master.submitAndWatches).hasValue(1);
        assertThat(master.submits).as("the job is not submitted again").hasValue(0);
        assertThat(seen.get(0).getId()).isEqualTo("job-1");
    }

    @Test
    void aSubmissionThatMayHaveBeenStoredIsNotSentAgain() throws Exception {
        StreamingMaster breaks = new StreamingMaster("a", StreamingMaster.Behaviour.BREAKS_BEFORE_FIRST, store);
        StreamingMaster other = new StreamingMaster("b", StreamingMaster.Behaviour.FOLLOWS, store);
        GridClient client = masters.client(breaks, other);

        assertThatThrownBy(() -> client.submitAndAwait(job(), Duration.ofSeconds(30), s -> { }))
                .isInstanceOfSatisfying(GridException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("connection reset while answering");
                });
        assertThat(other.submitAndWatches.get() + other.submits.get()).as("a job that may exist is not submitted twice")
                .isZero();
    }

    @Test
    void aWaitShorterThanTheCallTimeoutEndsNamingTheStoredJob() throws Exception {
        StreamingMaster master = new StreamingMaster("a", StreamingMaster.Behaviour.STORES_SLOWLY, store);
        GridClient client = masters.client(master);

        // the job is stored after 600 ms and never ends; the wait (300 ms) is shorter than that and than the call's
        // timeout (30 s): the submission still gets its acknowledgement, and the wait ends naming the job
        assertThatThrownBy(() -> client.submitAndAwait(job(), Duration.ofMillis(300), seen::add))
                .isInstanceOfSatisfying(GridException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getMessage()).isEqualTo("job job-1 did not end within PT0.3S");
                });
        assertThat(seen).isNotEmpty();
        assertThat(seen.get(0).getId()).isEqualTo("job-1");
        assertThat(master.submitAndWatches).hasValue(1);
        assertThat(master.watches).as("the wait was over: no WatchJob after it").hasValue(0);
    }

    @Test
    void aCallThatBreaksOnceTheJobIsStoredIsToldAsAReconnect() throws Exception {
        StreamingMaster master = new StreamingMaster("a", StreamingMaster.Behaviour.BREAKS_AFTER_FIRST, store);
        GridClient client = masters.client(master);
        List<GridException> reconnects = new CopyOnWriteArrayList<>();

        Future<JobStatus> done = masters.executor().submit(() -> client.submitAndAwait(job(), Duration.ofSeconds(30),
                s -> { }, reconnects::add));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> master.watches.get() == 1);
        store.update(store.job.toBuilder().setState(JobStatus.State.SUCCEEDED).build());

        assertThat(done.get(10, TimeUnit.SECONDS).getState()).isEqualTo(JobStatus.State.SUCCEEDED);
        assertThat(reconnects).hasSize(1);
        assertThat(reconnects.get(0).code()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(reconnects.get(0).getMessage()).contains("the master is going away");
    }
}
