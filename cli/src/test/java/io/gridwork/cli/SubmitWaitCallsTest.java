package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.HasJarRequest;
import io.gridwork.api.v1.HasJarResponse;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.SubmitJobResponse;
import io.gridwork.api.v1.WatchJobRequest;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grid submit --wait} talks to the master on one call from the submission to the end (SubmitAndWatch): no
 * SubmitJob, GetJob or WatchJob. A fake master on loopback (plaintext) records the calls it gets and answers with
 * scripted statuses, so that what the command prints from them can be checked too.
 */
class SubmitWaitCallsTest {

    @TempDir
    Path dir;

    /** The client service's calls, by name, in the order they came. */
    final List<String> calls = new CopyOnWriteArrayList<>();
    /** What SubmitAndWatch answers: these statuses in order, then the end of the call. */
    volatile List<JobStatus> script = List.of();
    Server server;
    Path jar;

    @BeforeEach
    void start() throws Exception {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(new FakeMaster())
                .build().start();
        jar = Files.write(dir.resolve("job.jar"), new byte[] {1, 2, 3});
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private GridRun submit(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("submit", "--jar", jar.toString(), "--job", "x.Job",
                "--master", "127.0.0.1:" + server.getPort(), "--insecure"));
        args.addAll(List.of(more));
        return LocalGrid.run(args.toArray(String[]::new));
    }

    private static JobStatus status(JobStatus.State state) {
        return JobStatus.newBuilder().setId("job-7").setState(state).build();
    }

    @Test
    void submitWaitMakesOneCallAndPrintsTheResult() {
        script = List.of(status(JobStatus.State.QUEUED), status(JobStatus.State.RUNNING),
                status(JobStatus.State.SUCCEEDED).toBuilder().setResult("42").build());

        GridRun run = submit("--wait");

        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).isEqualTo("42\n");
        assertThat(run.err()).contains("SUCCEEDED").doesNotContain("warning: job");
        assertThat(calls).as("the jar checked, then one call to the end").containsExactly("HasJar", "SubmitAndWatch");
    }

    @Test
    void aJobNoWorkerCanRunIsWarnedOfFromTheCallsFirstStatus() {
        script = List.of(status(JobStatus.State.QUEUED).toBuilder().setWaitingReason("no worker connected").build(),
                status(JobStatus.State.FAILED).toBuilder().setError("cancelled by hand").build());

        GridRun run = submit("--wait");

        assertThat(run.code()).isEqualTo(ExitCodes.JOB_FAILED);
        assertThat(run.err()).contains("grid submit: warning: job job-7 waits: no worker connected; it starts once a "
                + "worker that can run it connects (grid cancel job-7 to drop it)")
                .contains("grid: job job-7 FAILED: cancelled by hand");
        assertThat(run.err().indexOf("warning")).as("the warning comes before the progress")
                .isLessThan(run.err().indexOf("QUEUED"));
        assertThat(calls).containsExactly("HasJar", "SubmitAndWatch");
    }

    @Test
    void aWaitTimeoutNamesTheStoredJobAndExitsSix() {
        script = List.of(status(JobStatus.State.QUEUED)); // then nothing: the job never ends

        GridRun run = submit("--wait", "--wait-timeout", "300ms");

        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.WAIT_TIMEOUT);
        assertThat(run.err()).contains("grid submit: job job-7 did not end within 300ms (--wait-timeout); it goes on: "
                + "wait again with grid wait job-7, or cancel it with grid cancel job-7");
        assertThat(calls).containsExactly("HasJar", "SubmitAndWatch");
    }

    @Test
    void aRefusedSubmissionIsOneLineAndNoWait() {
        script = null; // refused

        GridRun run = submit("--wait");

        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err().strip()).isEqualTo("grid submit: job_class: no class x.Job in the jar");
        assertThat(calls).containsExactly("HasJar", "SubmitAndWatch");
    }

    @Test
    void withoutWaitItIsSubmitJobAndTheStatus() {
        GridRun run = submit();

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("job-7\n");
        assertThat(calls).containsExactly("HasJar", "SubmitJob", "GetJob");
    }

    /** Records each call; SubmitAndWatch plays the script (null: refuses the job). */
    final class FakeMaster extends ClientServiceGrpc.ClientServiceImplBase {
        @Override
        public void hasJar(HasJarRequest request, StreamObserver<HasJarResponse> observer) {
            calls.add("HasJar");
            observer.onNext(HasJarResponse.newBuilder().setPresent(true).build());
            observer.onCompleted();
        }

        @Override
        public void submitAndWatch(SubmitJobRequest request, StreamObserver<JobStatus> observer) {
            calls.add("SubmitAndWatch");
            List<JobStatus> statuses = script;
            if (statuses == null) {
                observer.onError(Status.INVALID_ARGUMENT.withDescription("job_class: no class x.Job in the jar")
                        .asRuntimeException());
                return;
            }
            statuses.forEach(observer::onNext);
            if (!statuses.isEmpty() && statuses.get(statuses.size() - 1).getState() != JobStatus.State.QUEUED) {
                observer.onCompleted();
            }
        }

        @Override
        public void submitJob(SubmitJobRequest request, StreamObserver<SubmitJobResponse> observer) {
            calls.add("SubmitJob");
            observer.onNext(SubmitJobResponse.newBuilder().setJobId("job-7").build());
            observer.onCompleted();
        }

        @Override
        public void getJob(GetJobRequest request, StreamObserver<JobStatus> observer) {
            calls.add("GetJob");
            observer.onNext(status(JobStatus.State.QUEUED));
            observer.onCompleted();
        }

        @Override
        public void watchJob(WatchJobRequest request, StreamObserver<JobStatus> observer) {
            calls.add("WatchJob");
            observer.onError(Status.UNIMPLEMENTED.asRuntimeException());
        }
    }
}
