package io.gridwork.master.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.FetchJarRequest;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.GetTaskLogsRequest;
import io.gridwork.api.v1.GetTaskLogsResponse;
import io.gridwork.api.v1.ListJobsRequest;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.client.GridClient;
import io.gridwork.client.GridException;
import io.gridwork.client.JobSubmission;
import io.gridwork.internal.NamedThreads;
import io.gridwork.master.code.JarRepository;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.core.SchedulerOptions;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.TokenRegistry;
import io.gridwork.master.store.Store;
import io.gridwork.master.testjobs.PowersJob;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.testing.TestJars;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The services over in-process gRPC, with a real scheduler and store: validation, statuses, upload once. */
class ClientServiceTest {

    @RegisterExtension
    final GrpcCleanup cleanup = new GrpcCleanup();

    @TempDir
    Path dir;

    private final AtomicInteger uploads = new AtomicInteger();
    private GridClient client;
    private ClientServiceGrpc.ClientServiceBlockingStub stub;
    private WorkerServiceGrpc.WorkerServiceBlockingStub workerStub;
    private WorkerServiceGrpc.WorkerServiceStub workerAsync;
    private Path jar;

    @BeforeEach
    void start() throws Exception {
        Store store = cleanup.register(Store.inMemory("rpc-" + UUID.randomUUID()));
        JarRepository jars = new JarRepository(dir.resolve("jars"), store.jars(), Clock.systemUTC(), 1 << 20);
        ExecutorService loop = Executors.newSingleThreadExecutor(new NamedThreads("test-loop", true));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(new NamedThreads("test-timer", true));
        ExecutorService code = Executors.newCachedThreadPool(new NamedThreads("test-code", true));
        cleanup.register(() -> {
            loop.shutdownNow();
            timer.shutdownNow();
            code.shutdownNow();
        });
        Scheduler scheduler = new Scheduler(SchedulerOptions.defaults(), store, jars, Clock.systemUTC(), loop, timer, code,
                (host, port, timeout) -> CompletableFuture.completedFuture(new io.gridwork.master.core.Prober.Outcome(false, "test")));
        scheduler.start();
        cleanup.register(scheduler);
        ServerInterceptor countUploads = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                if (call.getMethodDescriptor().getBareMethodName().equals("UploadJar")) {
                    uploads.incrementAndGet();
                }
                return next.startCall(call, headers);
            }
        };
        String name = InProcessServerBuilder.generateName();
        var server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new ClientServiceImpl(scheduler, jars, 64 << 10,
                        new TokenRegistry(store.tokens(), Clock.systemUTC()),
                        new Audit(store.audit(), Clock.systemUTC()), null), countUploads))
                .addService(ServerInterceptors.intercept(new WorkerServiceImpl(scheduler, jars, Clock.systemUTC(), null,
                        new Audit(store.audit(), Clock.systemUTC())), new PeerAddress()))
                .build().start();
        cleanup.register(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        cleanup.register(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        client = GridClient.over(channel);
        stub = ClientServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        workerStub = WorkerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        workerAsync = WorkerServiceGrpc.newStub(channel);
        jar = TestJars.of(dir.resolve("in"), "jobs.jar", SquaresJob.class);
    }

    private static JobSubmission squares(Path jar, String n) {
        return JobSubmission.builder().jar(jar).jobClass(SquaresJob.class.getName()).arg("n", n).build();
    }

    @Test
    void theSameJarIsSentOnlyOnce() throws Exception {
        String first = client.submit(squares(jar, "3"));
        String second = client.submit(squares(jar, "4"));
        assertThat(first).isNotEqualTo(second);
        assertThat(uploads).hasValue(1);
        assertThat(client.status(second).getTasks().getTotal()).isEqualTo(4);
    }

    @Test
    void aFileThatIsNotAJarIsRefusedAndNothingIsKept() throws Exception {
        Path bad = TestJars.file(dir.resolve("in"), "bad.jar", "not a zip".getBytes());
        assertThatThrownBy(() -> client.submit(JobSubmission.builder().jar(bad).jobClass("a.B").build()))
                .isInstanceOf(GridException.class)
                .satisfies(e -> assertThat(((GridException) e).code()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .hasMessageStartingWith("jar: file is not a jar");
        try (Stream<Path> files = Files.list(dir.resolve("jars"))) {
            assertThat(files).isEmpty();
        }
        assertThat(client.jobs(10)).isEmpty();
    }

    @Test
    void badSubmissionsNameTheFieldAndStoreNothing() throws Exception {
        String sha = client.uploadJar(jar);
        assertCode(() -> client.submit(JobSubmission.builder().jarSha256(sha).jobClass("no.Such").build()),
                Status.Code.INVALID_ARGUMENT, "job_class: no class no.Such in the jar"
                        + " (the jar's job classes: io.gridwork.master.testjobs.SquaresJob)");
        assertCode(() -> client.submit(JobSubmission.builder().jarSha256(sha).jobClass("SquaresJob").build()),
                Status.Code.INVALID_ARGUMENT, "job_class: no class SquaresJob in the jar; did you mean"
                        + " io.gridwork.master.testjobs.SquaresJob? (the jar's job classes: io.gridwork.master.testjobs.SquaresJob)");
        assertCode(() -> client.submit(squares(jar, "lots")), Status.Code.INVALID_ARGUMENT,
                "args: argument 'n' must be an integer, got 'lots'");
        assertCode(() -> stub.submitJob(SubmitJobRequest.newBuilder().setJarSha256("xyz").setJobClass("a.B").build()),
                Status.Code.INVALID_ARGUMENT, "jar_sha256 must be 64 lower-case hex digits, got 'xyz'");
        assertCode(() -> stub.submitJob(SubmitJobRequest.newBuilder().setJarSha256(sha).setJobClass("not a class").build()),
                Status.Code.INVALID_ARGUMENT, "job_class is not a Java class name: 'not a class'");
        assertCode(() -> stub.submitJob(SubmitJobRequest.newBuilder().setJarSha256("0".repeat(64)).setJobClass("a.B").build()),
                Status.Code.NOT_FOUND, "jar_sha256: the master holds no jar " + "0".repeat(64) + "; upload it first");
        assertCode(() -> stub.submitJob(SubmitJobRequest.newBuilder().setJarSha256(sha).setJobClass("a.B")
                .putArgs("k", "x".repeat(70_000)).build()), Status.Code.RESOURCE_EXHAUSTED,
                "args take 70001 characters, over the master's limit of 65536 (its option --max-args-size)");
        assertThat(client.jobs(10)).isEmpty();
    }

    @Test
    void submitAndWatchAnswersOnceTheJobIsStoredThenFollowsItToItsEnd() throws Exception {
        String sha = client.uploadJar(jar);
        java.util.Iterator<io.gridwork.api.v1.JobStatus> updates = stub.submitAndWatch(SubmitJobRequest.newBuilder()
                .setJarSha256(sha).setJobClass(SquaresJob.class.getName()).putArgs("n", "3").build());

        io.gridwork.api.v1.JobStatus first = updates.next();
        assertThat(first.getState()).isEqualTo(io.gridwork.api.v1.JobStatus.State.QUEUED); // no worker here
        assertThat(client.status(first.getId()).getTasks().getTotal()).as("stored before the first status").isEqualTo(3);
        client.cancel(first.getId(), "test");
        io.gridwork.api.v1.JobStatus last = first;
        while (updates.hasNext()) {
            last = updates.next();
        }
        assertThat(last.getId()).isEqualTo(first.getId());
        assertThat(last.getState()).as("the last status, then the call completes")
                .isEqualTo(io.gridwork.api.v1.JobStatus.State.CANCELLED);
    }

    @Test
    void submitAndAwaitReturnsTheFinalStatus() throws Exception {
        java.util.List<io.gridwork.api.v1.JobStatus> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<io.gridwork.api.v1.JobStatus> done = CompletableFuture.supplyAsync(() -> {
            try {
                return client.submitAndAwait(squares(jar, "2"), java.time.Duration.ofSeconds(30), seen::add);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        client.cancel(seen.get(0).getId(), "enough");

        io.gridwork.api.v1.JobStatus last = done.get(10, TimeUnit.SECONDS);
        assertThat(last.getId()).isEqualTo(seen.get(0).getId());
        assertThat(last.getState().name()).isEqualTo("CANCELLED");
        assertThat(client.jobs(10)).hasSize(1);
    }

    @Test
    void submitAndWatchRefusesWhatSubmitJobRefusesAndStoresNothing() throws Exception {
        String sha = client.uploadJar(jar);
        assertCode(() -> stub.submitAndWatch(SubmitJobRequest.newBuilder().setJarSha256("xyz").setJobClass("a.B").build())
                .next(), Status.Code.INVALID_ARGUMENT, "jar_sha256 must be 64 lower-case hex digits, got 'xyz'");
        assertCode(() -> client.submitAndAwait(squares(jar, "lots"), java.time.Duration.ofSeconds(10), s -> { }),
                Status.Code.INVALID_ARGUMENT, "args: argument 'n' must be an integer, got 'lots'");
        assertCode(() -> client.submitAndAwait(JobSubmission.builder().jarSha256(sha).jobClass("no.Such").build(),
                java.time.Duration.ofSeconds(10), s -> { }), Status.Code.INVALID_ARGUMENT,
                "job_class: no class no.Such in the jar (the jar's job classes: io.gridwork.master.testjobs.SquaresJob)");
        assertThat(client.jobs(10)).isEmpty();
    }

    @Test
    void badQuorumOptionsNameTheFieldAndAQuorumJobShowsItsQuorum() throws Exception {
        String sha = client.uploadJar(jar);
        SubmitJobRequest.Builder r = SubmitJobRequest.newBuilder().setJarSha256(sha)
                .setJobClass("io.gridwork.master.testjobs.SquaresJob").putArgs("n", "2");
        assertCode(() -> stub.submitJob(r.clone().setOptions(io.gridwork.api.v1.JobOptions.newBuilder().setQuorum(-1))
                .build()), Status.Code.INVALID_ARGUMENT, "options.quorum must be from 0 to 16, got -1");
        assertCode(() -> stub.submitJob(r.clone().setOptions(io.gridwork.api.v1.JobOptions.newBuilder().setQuorum(3)
                .setQuorumMax(2)).build()), Status.Code.INVALID_ARGUMENT, "options.quorum_max: 2 is below options.quorum 3");
        assertCode(() -> stub.submitJob(r.clone().setOptions(io.gridwork.api.v1.JobOptions.newBuilder().setQuorum(2)
                .setQuorumMax(33)).build()), Status.Code.INVALID_ARGUMENT, "options.quorum_max must be from 0 to 32, got 33");
        assertThat(client.jobs(10)).isEmpty();
        String id = stub.submitJob(r.clone().setOptions(io.gridwork.api.v1.JobOptions.newBuilder().setQuorum(2)).build())
                .getJobId();
        io.gridwork.api.v1.JobStatus s = client.status(id);
        assertThat(s.getQuorum()).isEqualTo(2);
        assertThat(s.getQuorumMax()).isEqualTo(4);
        assertThat(s.getWaitingReason()).isEqualTo("quorum 2 needs workers on 2 different hosts; none has a connected, "
                + "trusted worker");
        assertCode(() -> stub.resetTrust(io.gridwork.api.v1.ResetTrustRequest.newBuilder().setWorker("nobody").build()),
                Status.Code.NOT_FOUND, "worker: no worker or trust record named nobody");
        assertCode(() -> stub.resetTrust(io.gridwork.api.v1.ResetTrustRequest.getDefaultInstance()),
                Status.Code.INVALID_ARGUMENT, "worker: give a worker's name or id");
    }

    @Test
    void readsNameTheFieldOrIdAtFault() {
        assertCode(() -> stub.getJob(GetJobRequest.newBuilder().setJobId("job-7").build()), Status.Code.NOT_FOUND,
                "job_id: no job job-7");
        assertCode(() -> stub.getJob(GetJobRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "job_id is required");
        assertCode(() -> stub.listJobs(ListJobsRequest.newBuilder().setLimit(5000).build()), Status.Code.INVALID_ARGUMENT,
                "limit must be from 0 to 1000, got 5000");
        assertCode(() -> client.result("job-9"), Status.Code.NOT_FOUND, "job_id: no job job-9");
        assertCode(() -> workerStub.fetchJar(FetchJarRequest.newBuilder().setSha256("0".repeat(64)).build()).hasNext(),
                Status.Code.NOT_FOUND, "sha256: the master holds no jar " + "0".repeat(64));
    }

    @Test
    void taskLogsNameTheFieldOrIdAtFault() throws Exception {
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.newBuilder().setJobId("job-7").build()),
                Status.Code.NOT_FOUND, "job_id: no job job-7");
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
                "job_id is required");
        String id = client.submit(squares(jar, "3"));
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setTask(-1).build()),
                Status.Code.INVALID_ARGUMENT, "task must be 0 or more, got -1");
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setAttempt(2).build()),
                Status.Code.INVALID_ARGUMENT, "attempt needs task: an attempt number is a task's");
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setTask(0).setAttempt(-3).build()),
                Status.Code.INVALID_ARGUMENT, "attempt must be 1 or more (0: every attempt), got -3");
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setAfterSeq(-1).build()),
                Status.Code.INVALID_ARGUMENT, "after_seq must be 0 or more, got -1");
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setLimit(5000).build()),
                Status.Code.INVALID_ARGUMENT, "limit must be from 0 to 1000, got 5000");
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setTask(7).build()),
                Status.Code.NOT_FOUND, "task: job " + id + " has no task 7 (it has 3, numbered from 0)");
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setTask(1).setAttempt(2).build()),
                Status.Code.NOT_FOUND, "attempt: task 1 of job " + id + " has no attempt 2 yet");
        GetTaskLogsResponse none = client.taskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).build());
        assertThat(none.getAttemptsList()).isEmpty();
        assertThat(none.getJobEnded()).isFalse();
        assertThat(none.getNextAfterSeq()).isZero();
        client.cancel(id, "test");
        assertThat(client.taskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setTask(2).build()).getJobEnded()).isTrue();
        assertCode(() -> stub.getTaskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setTask(1).setAttempt(1).build()),
                Status.Code.NOT_FOUND, "attempt: task 1 of job " + id + " has no attempt 1");
    }

    @Test
    void aResultIsOnlyForAJobThatSucceeded() throws Exception {
        String id = client.submit(squares(jar, "2"));
        assertCode(() -> client.result(id), Status.Code.FAILED_PRECONDITION, "job " + id + " has no result: it is QUEUED");
        assertThat(client.cancel(id, "test").getState().name()).isEqualTo("CANCELLED");
        assertCode(() -> client.cancel(id, "again"), Status.Code.FAILED_PRECONDITION, "job " + id + " has already ended (CANCELLED)");
    }

    @Test
    void workersAreCheckedToo() throws Exception {
        assertCode(() -> workerStub.register(RegisterRequest.newBuilder().setName("bad name").setSlots(1).build()),
                Status.Code.INVALID_ARGUMENT, "name must be 1-200 letters, digits or ._@:- starting with a letter or digit, got 'bad name'");
        assertCode(() -> workerStub.register(RegisterRequest.newBuilder().setName("w").setSlots(0).build()),
                Status.Code.INVALID_ARGUMENT, "slots must be from 1 to 4096, got 0");
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        StreamObserver<WorkerMessage> stream = workerAsync.connect(new StreamObserver<MasterMessage>() {
            public void onNext(MasterMessage value) { }
            public void onError(Throwable t) { ended.complete(t); }
            public void onCompleted() { ended.complete(null); }
        });
        stream.onNext(WorkerMessage.newBuilder().setCredit(3).build());
        Throwable t = ended.get(10, TimeUnit.SECONDS);
        assertThat(Status.fromThrowable(t).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(Status.fromThrowable(t).getDescription()).isEqualTo("hello: the first message of a stream must say hello");
    }

    private interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void anArgumentAJobDoesNotDeclareIsRefusedWithTheClosestDeclaredName() throws Exception {
        Path powers = TestJars.of(dir.resolve("powers"), "powers.jar", PowersJob.class);
        assertCode(() -> client.submit(JobSubmission.builder().jar(powers).jobClass(PowersJob.class.getName())
                        .arg("n", "3").arg("powr", "3").build()), Status.Code.INVALID_ARGUMENT,
                "args: unknown argument 'powr' for io.gridwork.master.testjobs.PowersJob (did you mean 'power'?);"
                        + " it takes n, power");
        assertCode(() -> client.submit(JobSubmission.builder().jar(powers).jobClass(PowersJob.class.getName())
                        .arg("n", "3").arg("seed", "7").build()), Status.Code.INVALID_ARGUMENT,
                "args: unknown argument 'seed' for io.gridwork.master.testjobs.PowersJob; it takes n, power");
        assertThat(client.jobs(10)).as("nothing stored").isEmpty();

        // declared arguments pass; a job that declares none (SquaresJob) still takes any
        String declared = client.submit(JobSubmission.builder().jar(powers).jobClass(PowersJob.class.getName())
                .arg("n", "3").arg("power", "3").build());
        assertThat(client.status(declared).getTasks().getTotal()).isEqualTo(3);
        String undeclared = client.submit(JobSubmission.builder().jar(jar).jobClass(SquaresJob.class.getName())
                .arg("n", "2").arg("anything", "goes").build());
        assertThat(client.status(undeclared).getTasks().getTotal()).isEqualTo(2);
    }

    private static void assertCode(ThrowingCall call, Status.Code code, String description) {
        assertThatThrownBy(call::run).satisfies(e -> {
            Status status = e instanceof GridException ? ((StatusRuntimeException) e.getCause()).getStatus()
                    : Status.fromThrowable(e);
            assertThat(status.getCode()).isEqualTo(code);
            assertThat(status.getDescription()).isEqualTo(description);
        });
    }
}
