package io.gridwork.master.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.api.v1.CancelJobRequest;
import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.CreateTokenRequest;
import io.gridwork.api.v1.FetchJarRequest;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.GetResultRequest;
import io.gridwork.api.v1.HasJarRequest;
import io.gridwork.api.v1.JoinRequest;
import io.gridwork.api.v1.ListAuditRequest;
import io.gridwork.api.v1.ListJobsRequest;
import io.gridwork.api.v1.ListTokensRequest;
import io.gridwork.api.v1.ListWorkersRequest;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RevokeTokenRequest;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.Token;
import io.gridwork.api.v1.UploadJarRequest;
import io.gridwork.api.v1.UploadJarResponse;
import io.gridwork.api.v1.WatchJobRequest;
import io.gridwork.api.v1.WatchWorkersRequest;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.client.BearerToken;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.GridException;
import io.gridwork.client.JobSubmission;
import io.gridwork.internal.tls.Certificates;
import io.gridwork.internal.tls.GridTrust;
import io.gridwork.internal.tls.TokenText;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.gridwork.master.core.SchedulerOptions;
import io.gridwork.master.model.Role;
import io.gridwork.master.rpc.Authenticator;
import io.gridwork.master.store.Store;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.testing.TestJars;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security of a real master on loopback with TLS: credentials on every RPC, the role matrix in full, transport
 * checks, and garbage on the wire.
 */
class SecurityTest {

    @TempDir
    static Path dir;

    static GridMaster master;
    static String address;
    static X509Certificate ca;
    static String admin;
    static final List<ManagedChannel> channels = new ArrayList<>();

    /** A principal for the matrix: how it authenticates. */
    enum Who { ADMIN, SUBMITTER, VIEWER, JOIN_TOKEN, WORKER_CERTIFICATE, NOBODY }

    static final Map<Who, ManagedChannel> CHANNELS = new LinkedHashMap<>();
    static final Map<Who, String> TOKENS = new LinkedHashMap<>();

    /** gRPC logs every unparseable request at SEVERE with a stack trace: quiet here, where they are the point. */
    static final java.util.logging.Logger GRPC_PARSE_ERRORS = java.util.logging.Logger.getLogger("io.grpc.internal.SerializingExecutor");

    @BeforeAll
    static void start() throws Exception {
        GRPC_PARSE_ERRORS.setLevel(java.util.logging.Level.OFF);
        master = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0).dataDir(dir.resolve("m"))
                .scheduler(SchedulerOptions.builder().maxQueuedJobsPerUser(3).build()).build());
        address = "127.0.0.1:" + master.port();
        Credentials creds = Credentials.read(master.credentialsFile());
        ca = creds.ca().orElseThrow();
        admin = creds.token().orElseThrow();
        TOKENS.put(Who.ADMIN, admin);
        TOKENS.put(Who.SUBMITTER, create("alice", Token.Role.SUBMITTER, 0).getSecret());
        TOKENS.put(Who.VIEWER, create("val", Token.Role.VIEWER, 0).getSecret());
        String join = create("joiners", Token.Role.WORKER, 0).getSecret();
        TOKENS.put(Who.JOIN_TOKEN, TokenText.join(join).token().toString());
        for (Who who : List.of(Who.ADMIN, Who.SUBMITTER, Who.VIEWER, Who.JOIN_TOKEN, Who.NOBODY)) {
            CHANNELS.put(who, channel(tls()));
        }
        CHANNELS.put(Who.WORKER_CERTIFICATE, channel(workerTls("matrix-worker", ca, null)));
    }

    @AfterAll
    static void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        master.close();
    }

    static ChannelCredentials tls() {
        return TlsChannelCredentials.newBuilder().trustManager(GridTrust.master(ca)).build();
    }

    /** mTLS with a worker certificate from {@code signer} (the grid's CA unless another is given). */
    static ChannelCredentials workerTls(String name, X509Certificate trust, KeyPair otherCa) throws Exception {
        KeyPair keys = Certificates.newKeyPair();
        X509Certificate cert;
        X509Certificate issuer;
        if (otherCa == null) {
            CertificateAuthority grid = CertificateAuthority.open(dir.resolve("m").resolve("tls"), List.of());
            cert = grid.signWorker(Certificates.csr(keys, name), name);
            issuer = grid.certificate();
        } else {
            issuer = Certificates.newCa(otherCa, Duration.ofDays(1));
            cert = Certificates.issue(keys.getPublic(), Certificates.WORKER_CN_PREFIX + name, issuer, otherCa.getPrivate(),
                    Duration.ofDays(1), true, true, List.of());
        }
        return TlsChannelCredentials.newBuilder().keyManager(Certificates.keyManagers(keys.getPrivate(), cert, issuer))
                .trustManager(GridTrust.master(trust)).build();
    }

    static ManagedChannel channel(ChannelCredentials credentials) {
        ManagedChannel c = Grpc.newChannelBuilder(address, credentials).build();
        channels.add(c);
        return c;
    }

    static io.gridwork.api.v1.CreateTokenResponse create(String name, Token.Role role, long ttlSeconds) {
        ManagedChannel c = channel(tls());
        return ClientServiceGrpc.newBlockingStub(c).withCallCredentials(new BearerToken(admin))
                .createToken(CreateTokenRequest.newBuilder().setName(name).setRole(role).setTtlSeconds(ttlSeconds).build());
    }

    // ------------------------------------------------------------------------------------------ one probe per RPC

    /** Calls one RPC with a harmless request and returns the status it ended with (OK if it succeeded). */
    private static final Map<String, Function<StubPair, Status>> RPCS = new LinkedHashMap<>();

    record StubPair(ClientServiceGrpc.ClientServiceBlockingStub client, ClientServiceGrpc.ClientServiceStub clientAsync,
            WorkerServiceGrpc.WorkerServiceBlockingStub worker) {}

    static {
        RPCS.put("HasJar", s -> status(() -> s.client().hasJar(HasJarRequest.newBuilder().setSha256("0".repeat(64)).build())));
        RPCS.put("UploadJar", s -> {
            CompletableFuture<Status> done = new CompletableFuture<>();
            StreamObserver<UploadJarRequest> up = s.clientAsync().uploadJar(new StreamObserver<UploadJarResponse>() {
                public void onNext(UploadJarResponse value) { }
                public void onError(Throwable t) { done.complete(Status.fromThrowable(t)); }
                public void onCompleted() { done.complete(Status.OK); }
            });
            up.onCompleted();
            return done.join();
        });
        RPCS.put("SubmitJob", s -> status(() -> s.client().submitJob(SubmitJobRequest.newBuilder()
                .setJarSha256("0".repeat(64)).setJobClass("a.B").build())));
        RPCS.put("SubmitAndWatch", s -> status(() -> s.client().submitAndWatch(SubmitJobRequest.newBuilder()
                .setJarSha256("0".repeat(64)).setJobClass("a.B").build()).hasNext()));
        RPCS.put("GetJob", s -> status(() -> s.client().getJob(GetJobRequest.newBuilder().setJobId("job-999").build())));
        RPCS.put("ListJobs", s -> status(() -> s.client().listJobs(ListJobsRequest.getDefaultInstance())));
        RPCS.put("WatchJob", s -> status(() -> s.client().watchJob(WatchJobRequest.newBuilder().setJobId("job-999").build()).hasNext()));
        RPCS.put("CancelJob", s -> status(() -> s.client().cancelJob(CancelJobRequest.newBuilder().setJobId("job-999").build())));
        RPCS.put("GetResult", s -> status(() -> s.client().getResult(GetResultRequest.newBuilder().setJobId("job-999").build()).hasNext()));
        RPCS.put("GetTaskLogs", s -> status(() -> s.client().getTaskLogs(io.gridwork.api.v1.GetTaskLogsRequest.newBuilder()
                .setJobId("job-999").build())));
        RPCS.put("ListWorkers", s -> status(() -> s.client().listWorkers(ListWorkersRequest.getDefaultInstance())));
        RPCS.put("WatchWorkers", s -> status(() -> s.client().withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                .watchWorkers(WatchWorkersRequest.getDefaultInstance()).hasNext()));
        RPCS.put("ListMasters", s -> status(() -> s.client().listMasters(io.gridwork.api.v1.ListMastersRequest.newBuilder()
                .setEvents(5).build())));
        RPCS.put("CreateToken", s -> status(() -> s.client().createToken(CreateTokenRequest.newBuilder().setName("x")
                .setRole(Token.Role.VIEWER).build())));
        RPCS.put("ListTokens", s -> status(() -> s.client().listTokens(ListTokensRequest.getDefaultInstance())));
        RPCS.put("RevokeToken", s -> status(() -> s.client().revokeToken(RevokeTokenRequest.newBuilder().setIdOrName("nobody").build())));
        RPCS.put("ListAudit", s -> status(() -> s.client().listAudit(ListAuditRequest.getDefaultInstance())));
        RPCS.put("DrainWorker", s -> status(() -> s.client().drainWorker(io.gridwork.api.v1.DrainWorkerRequest.newBuilder()
                .setWorker("nobody").setDrain(true).build())));
        RPCS.put("ResetTrust", s -> status(() -> s.client().resetTrust(io.gridwork.api.v1.ResetTrustRequest.newBuilder()
                .setWorker("nobody").build())));
        RPCS.put("CreateSchedule", s -> status(() -> s.client().createSchedule(io.gridwork.api.v1.CreateScheduleRequest
                .newBuilder().setName("matrix").setCron("0 0 3 * * ?").setJarSha256("0".repeat(64)).setJobClass("x.Y").build())));
        RPCS.put("ListSchedules", s -> status(() -> s.client().listSchedules(
                io.gridwork.api.v1.ListSchedulesRequest.getDefaultInstance())));
        RPCS.put("GetSchedule", s -> status(() -> s.client().getSchedule(
                io.gridwork.api.v1.GetScheduleRequest.newBuilder().setName("nothing").build())));
        RPCS.put("PauseSchedule", s -> status(() -> s.client().pauseSchedule(
                io.gridwork.api.v1.ScheduleRequest.newBuilder().setName("nothing").build())));
        RPCS.put("ResumeSchedule", s -> status(() -> s.client().resumeSchedule(
                io.gridwork.api.v1.ScheduleRequest.newBuilder().setName("nothing").build())));
        RPCS.put("DeleteSchedule", s -> status(() -> s.client().deleteSchedule(
                io.gridwork.api.v1.ScheduleRequest.newBuilder().setName("nothing").build())));
        RPCS.put("Join", s -> status(() -> s.worker().join(JoinRequest.newBuilder().setName("joiner").setCsrPem("x").build())));
        RPCS.put("Register", s -> status(() -> s.worker().register(RegisterRequest.newBuilder().setName("matrix-worker")
                .setSlots(1).build())));
        RPCS.put("FetchJar", s -> status(() -> s.worker().fetchJar(FetchJarRequest.newBuilder().setSha256("0".repeat(64)).build()).hasNext()));
        RPCS.put("PutData", s -> {
            CompletableFuture<Status> done = new CompletableFuture<>();
            StreamObserver<io.gridwork.api.v1.PutDataRequest> put = s.clientAsync().putData(
                    new StreamObserver<io.gridwork.api.v1.DataSet>() {
                        public void onNext(io.gridwork.api.v1.DataSet value) { }
                        public void onError(Throwable t) { done.complete(Status.fromThrowable(t)); }
                        public void onCompleted() { done.complete(Status.OK); }
                    });
            put.onCompleted();
            return done.join();
        });
        RPCS.put("ListData", s -> status(() -> s.client().listData(io.gridwork.api.v1.ListDataRequest.getDefaultInstance())));
        RPCS.put("GetData", s -> status(() -> s.client().getData(io.gridwork.api.v1.GetDataRequest.newBuilder()
                .setId("0".repeat(64)).build()).hasNext()));
        RPCS.put("DeleteData", s -> status(() -> s.client().deleteData(io.gridwork.api.v1.DeleteDataRequest.newBuilder()
                .setId("0".repeat(64)).build())));
        RPCS.put("GetUsage", s -> status(() -> s.client().getUsage(io.gridwork.api.v1.GetUsageRequest.getDefaultInstance())));
        RPCS.put("SetQuota", s -> status(() -> s.client().setQuota(io.gridwork.api.v1.SetQuotaRequest.newBuilder()
                .setUser("nobody-at-all").setMaxSlots(1).build())));
        RPCS.put("ListQuotas", s -> status(() -> s.client().listQuotas(io.gridwork.api.v1.ListQuotasRequest.getDefaultInstance())));
        RPCS.put("DeleteQuota", s -> status(() -> s.client().deleteQuota(io.gridwork.api.v1.DeleteQuotaRequest.newBuilder()
                .setUser("nobody-at-all").build())));
        RPCS.put("LocateChunks", s -> status(() -> s.worker().locateChunks(io.gridwork.api.v1.LocateChunksRequest
                .newBuilder().setDataId("0".repeat(64)).build())));
        RPCS.put("FetchChunk", s -> status(() -> s.worker().fetchChunk(io.gridwork.api.v1.FetchChunkRequest.newBuilder()
                .setDataId("0".repeat(64)).build()).hasNext()));
        RPCS.put("PutCheckpoint", s -> {
            CompletableFuture<Status> done = new CompletableFuture<>();
            var stub = WorkerServiceGrpc.newStub(s.worker().getChannel()).withDeadlineAfter(10, TimeUnit.SECONDS);
            if (s.worker().getCallOptions().getCredentials() != null) {
                stub = stub.withCallCredentials(s.worker().getCallOptions().getCredentials());
            }
            StreamObserver<io.gridwork.api.v1.CheckpointPiece> put = stub.putCheckpoint(
                    new StreamObserver<io.gridwork.api.v1.DataSetRef>() {
                        public void onNext(io.gridwork.api.v1.DataSetRef value) { }
                        public void onError(Throwable t) { done.complete(Status.fromThrowable(t)); }
                        public void onCompleted() { done.complete(Status.OK); }
                    });
            put.onCompleted();
            return done.join();
        });
    }

    private static Status status(Runnable call) {
        try {
            call.run();
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    private static StubPair stubs(ManagedChannel channel, String token) {
        var client = ClientServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        var async = ClientServiceGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        var worker = WorkerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        if (token != null) {
            BearerToken bearer = new BearerToken(token);
            client = client.withCallCredentials(bearer);
            async = async.withCallCredentials(bearer);
            worker = worker.withCallCredentials(bearer);
        }
        return new StubPair(client, async, worker);
    }

    /** Who may call what: the whole matrix. */
    static final Map<String, Set<Who>> ALLOWED = new LinkedHashMap<>();

    static {
        Set<Who> people = EnumSet.of(Who.ADMIN, Who.SUBMITTER, Who.VIEWER);
        Set<Who> submitters = EnumSet.of(Who.ADMIN, Who.SUBMITTER);
        Set<Who> admins = EnumSet.of(Who.ADMIN);
        ALLOWED.put("HasJar", submitters);
        ALLOWED.put("UploadJar", submitters);
        ALLOWED.put("SubmitJob", submitters);
        ALLOWED.put("SubmitAndWatch", submitters);
        ALLOWED.put("GetJob", people);
        ALLOWED.put("ListJobs", people);
        ALLOWED.put("WatchJob", people);
        ALLOWED.put("CancelJob", submitters);
        ALLOWED.put("GetResult", people);
        ALLOWED.put("GetTaskLogs", people);
        ALLOWED.put("ListWorkers", people);
        ALLOWED.put("WatchWorkers", people);
        ALLOWED.put("ListMasters", people);
        ALLOWED.put("CreateToken", admins);
        ALLOWED.put("ListTokens", admins);
        ALLOWED.put("RevokeToken", admins);
        ALLOWED.put("ListAudit", admins);
        ALLOWED.put("DrainWorker", admins);
        ALLOWED.put("ResetTrust", admins);
        ALLOWED.put("CreateSchedule", submitters);
        ALLOWED.put("ListSchedules", people);
        ALLOWED.put("GetSchedule", people);
        ALLOWED.put("PauseSchedule", submitters);
        ALLOWED.put("ResumeSchedule", submitters);
        ALLOWED.put("DeleteSchedule", submitters);
        ALLOWED.put("Join", EnumSet.of(Who.JOIN_TOKEN));
        ALLOWED.put("Register", EnumSet.of(Who.WORKER_CERTIFICATE));
        ALLOWED.put("FetchJar", EnumSet.of(Who.WORKER_CERTIFICATE));
        ALLOWED.put("PutData", submitters);
        ALLOWED.put("ListData", people);
        ALLOWED.put("GetData", people);
        ALLOWED.put("DeleteData", submitters);
        ALLOWED.put("GetUsage", people);
        ALLOWED.put("SetQuota", admins);
        ALLOWED.put("ListQuotas", admins);
        ALLOWED.put("DeleteQuota", admins);
        ALLOWED.put("LocateChunks", EnumSet.of(Who.WORKER_CERTIFICATE));
        ALLOWED.put("FetchChunk", EnumSet.of(Who.WORKER_CERTIFICATE));
        ALLOWED.put("PutCheckpoint", EnumSet.of(Who.WORKER_CERTIFICATE));
    }

    @Test
    void theRoleMatrixInFull() {
        assertThat(ALLOWED.keySet()).isEqualTo(RPCS.keySet());
        List<String> every = new ArrayList<>();
        ClientServiceGrpc.getServiceDescriptor().getMethods().forEach(m -> every.add(m.getBareMethodName()));
        WorkerServiceGrpc.getServiceDescriptor().getMethods().forEach(m -> every.add(m.getBareMethodName()));
        every.remove("Connect"); // the worker stream: checked by its own tests
        assertThat(RPCS.keySet()).as("every RPC is in the matrix").containsExactlyInAnyOrderElementsOf(every);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Function<StubPair, Status>> rpc : RPCS.entrySet()) {
            for (Who who : Who.values()) {
                Status s = rpc.getValue().apply(stubs(CHANNELS.get(who), TOKENS.get(who)));
                boolean refused = s.getCode() == Status.Code.UNAUTHENTICATED || s.getCode() == Status.Code.PERMISSION_DENIED;
                boolean allowed = ALLOWED.get(rpc.getKey()).contains(who);
                if (allowed == refused) {
                    wrong.add(rpc.getKey() + " by " + who + ": " + s);
                }
                if (who == Who.NOBODY && s.getCode() != Status.Code.UNAUTHENTICATED) {
                    wrong.add(rpc.getKey() + " without a credential: " + s + " (expected UNAUTHENTICATED)");
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void everyRpcRejectsAWrongAndARevokedCredential() throws Exception {
        String wrong = new TokenText.Token("0badc0de", "f".repeat(64)).toString();
        var revokedToken = create("gone", Token.Role.ADMIN, 0);
        ClientServiceGrpc.newBlockingStub(channel(tls())).withCallCredentials(new BearerToken(admin))
                .revokeToken(RevokeTokenRequest.newBuilder().setIdOrName(revokedToken.getToken().getId()).build());
        Map<String, String> expected = Map.of(wrong, "the token is not valid for this master",
                revokedToken.getSecret(), "token gone (" + revokedToken.getToken().getId() + ") was revoked",
                "garbage", "the token is malformed");
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> credential : expected.entrySet()) {
            problems.addAll(unauthenticatedEverywhere(CHANNELS.get(Who.NOBODY), credential.getKey(), credential.getValue()));
        }
        assertThat(problems).isEmpty();
    }

    /**
     * Expiry by the token registry's clock, a settable one, in front of the same services: the master's authenticator
     * over an in-process server whose services are left unimplemented (a call that gets through says UNIMPLEMENTED).
     */
    @Test
    void everyRpcRejectsAnExpiredCredential() throws Exception {
        SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
        Store store = Store.inMemory("expiry-" + System.nanoTime());
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new ClientServiceGrpc.ClientServiceImplBase() { },
                        new Authenticator(new TokenRegistry(store.tokens(), clock), false)))
                .addService(ServerInterceptors.intercept(new WorkerServiceGrpc.WorkerServiceImplBase() { },
                        new Authenticator(new TokenRegistry(store.tokens(), clock), false)))
                .build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            TokenRegistry tokens = new TokenRegistry(store.tokens(), clock);
            TokenRegistry.Created expiring = tokens.create("short-lived", Role.ADMIN,
                    Duration.ofSeconds(1), "the test");
            clock.advance(Duration.ofMillis(999));
            assertThat(RPCS.get("ListJobs").apply(stubs(channel, expiring.secret())).getCode())
                    .as("still valid a moment before it expires").isEqualTo(Status.Code.UNIMPLEMENTED);
            clock.advance(Duration.ofMillis(1));
            assertThat(unauthenticatedEverywhere(channel, expiring.secret(),
                    "token short-lived (" + TokenText.token(expiring.secret()).id() + ") expired at 2026-01-01T00:00:01Z"))
                    .isEmpty();
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
            store.close();
        }
    }

    /** Every RPC that takes a token, called with {@code token}: the problems, if any did not answer UNAUTHENTICATED {@code why}. */
    private static List<String> unauthenticatedEverywhere(ManagedChannel channel, String token, String why) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Function<StubPair, Status>> rpc : RPCS.entrySet()) {
            if (rpc.getKey().equals("Register") || rpc.getKey().equals("FetchJar") || rpc.getKey().equals("LocateChunks")
                    || rpc.getKey().equals("FetchChunk") || rpc.getKey().equals("PutCheckpoint")) {
                continue; // these take no token at all: a worker certificate
            }
            Status s = rpc.getValue().apply(stubs(channel, token));
            if (s.getCode() != Status.Code.UNAUTHENTICATED || !s.getDescription().startsWith(why)) {
                problems.add(rpc.getKey() + " with " + why + ": " + s);
            }
        }
        return problems;
    }

    @Test
    void aSubmitterSeesAndCancelsOnlyItsOwnJobs() throws Exception {
        Path jar = TestJars.of(dir.resolve("in"), "jobs.jar", SquaresJob.class);
        String bobToken = create("bob", Token.Role.SUBMITTER, 0).getSecret();
        try (GridClient alice = client(TOKENS.get(Who.SUBMITTER)); GridClient bob = client(bobToken);
             GridClient viewer = client(TOKENS.get(Who.VIEWER)); GridClient root = client(admin)) {
            String alicesJob = alice.submit(JobSubmission.builder().jar(jar).jobClass(SquaresJob.class.getName()).arg("n", "3").build());
            assertThat(alice.status(alicesJob).getOwner()).isEqualTo("alice");
            assertRefused(() -> bob.status(alicesJob), Status.Code.PERMISSION_DENIED, "belongs to another user");
            assertRefused(() -> bob.cancel(alicesJob, "mine now"), Status.Code.PERMISSION_DENIED, "belongs to another user");
            assertThat(bob.jobs(100)).extracting(j -> j.getId()).doesNotContain(alicesJob);
            assertThat(viewer.jobs(100)).extracting(j -> j.getId()).contains(alicesJob);
            assertRefused(() -> viewer.cancel(alicesJob, "no"), Status.Code.PERMISSION_DENIED, "role viewer may not cancel jobs");
            assertThat(root.cancel(alicesJob, "admin says so").getState().name()).isEqualTo("CANCELLED");
            var audit = root.call(stub -> stub.listAudit(ListAuditRequest.getDefaultInstance())).getEntriesList();
            assertThat(audit).anyMatch(e -> e.getAction().equals("job.submit") && e.getTarget().equals(alicesJob)
                    && e.getActor().equals("alice (submitter)"));
            assertThat(audit).anyMatch(e -> e.getAction().equals("job.cancel") && e.getActor().equals("admin (admin)"));
        }
    }

    @Test
    void aSubmitterSeesAndChangesOnlyItsOwnSchedules() throws Exception {
        Path jar = TestJars.of(dir.resolve("in"), "jobs.jar", SquaresJob.class);
        String bobToken = create("bob-scheduler", Token.Role.SUBMITTER, 0).getSecret();
        try (GridClient alice = client(TOKENS.get(Who.SUBMITTER)); GridClient bob = client(bobToken);
             GridClient viewer = client(TOKENS.get(Who.VIEWER)); GridClient root = client(admin)) {
            io.gridwork.api.v1.Schedule created = alice.createSchedule(io.gridwork.client.ScheduleSubmission.builder()
                    .name("alices-nightly").cron("0 0 3 * * ?").job(JobSubmission.builder().jar(jar)
                            .jobClass(SquaresJob.class.getName()).arg("n", "3").build()).build());
            assertThat(created.getOwner()).isEqualTo("alice");
            assertThat(bob.schedules()).extracting(io.gridwork.api.v1.Schedule::getName).doesNotContain("alices-nightly");
            assertRefused(() -> bob.pauseSchedule("alices-nightly"), Status.Code.PERMISSION_DENIED, "belongs to another user");
            assertRefused(() -> bob.removeSchedule("alices-nightly"), Status.Code.PERMISSION_DENIED, "belongs to another user");
            assertThat(viewer.schedules()).extracting(io.gridwork.api.v1.Schedule::getName).contains("alices-nightly");
            assertRefused(() -> viewer.pauseSchedule("alices-nightly"), Status.Code.PERMISSION_DENIED,
                    "role viewer may not change schedules");
            assertThat(root.removeSchedule("alices-nightly").getName()).isEqualTo("alices-nightly");
            var audit = root.call(stub -> stub.listAudit(ListAuditRequest.getDefaultInstance())).getEntriesList();
            assertThat(audit).anyMatch(e -> e.getAction().equals("schedule.create") && e.getTarget().equals("alices-nightly")
                    && e.getActor().equals("alice (submitter)"));
            assertThat(audit).anyMatch(e -> e.getAction().equals("schedule.remove") && e.getActor().equals("admin (admin)"));
        }
    }

    @Test
    void aUserCannotQueueMoreJobsThanTheLimit() throws Exception {
        Path jar = TestJars.of(dir.resolve("in"), "jobs.jar", SquaresJob.class);
        String carol = create("carol", Token.Role.SUBMITTER, 0).getSecret();
        try (GridClient c = client(carol)) {
            for (int i = 0; i < 3; i++) {
                c.submit(JobSubmission.builder().jar(jar).jobClass(SquaresJob.class.getName()).arg("n", "1").build());
            }
            assertRefused(() -> c.submit(JobSubmission.builder().jar(jar).jobClass(SquaresJob.class.getName()).arg("n", "1").build()),
                    Status.Code.RESOURCE_EXHAUSTED, "user carol has 3 jobs queued or running, the limit max-queued-jobs-per-user");
        }
    }

    @Test
    void aPlaintextClientIsRefusedByATlsMaster() {
        ManagedChannel plain = channel(InsecureChannelCredentials.create());
        Status s = status(() -> ClientServiceGrpc.newBlockingStub(plain).withDeadlineAfter(5, TimeUnit.SECONDS)
                .listWorkers(ListWorkersRequest.getDefaultInstance()));
        assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void aWorkerWithACertificateFromAnotherCaIsRefused() throws Exception {
        ManagedChannel impostor = channel(workerTls("impostor", ca, Certificates.newKeyPair()));
        Status s = status(() -> WorkerServiceGrpc.newBlockingStub(impostor).withDeadlineAfter(5, TimeUnit.SECONDS)
                .register(RegisterRequest.newBuilder().setName("impostor").setSlots(1).build()));
        assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE); // the TLS handshake fails
        assertThat(master.port()).isPositive();
    }

    @Test
    void aWorkerCannotRegisterUnderAnotherWorkersName() {
        Status s = status(() -> WorkerServiceGrpc.newBlockingStub(CHANNELS.get(Who.WORKER_CERTIFICATE))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .register(RegisterRequest.newBuilder().setName("someone-else").setSlots(1).build()));
        assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(s.getDescription()).isEqualTo("name: this certificate is for worker matrix-worker, not someone-else");
    }

    @Test
    void aClientChecksItIsTalkingToTheGridsMaster() throws Exception {
        X509Certificate otherCa = Certificates.newCa(Certificates.newKeyPair(), Duration.ofDays(1));
        try (GridClient wrongCa = GridClient.builder().target(address).token(admin).trustCa(otherCa).build()) {
            assertThat(catchGrid(() -> wrongCa.workers(false)).isTlsFailure()).isTrue();
        }
        try (GridClient pinned = GridClient.builder().target(address).token(admin)
                .caFingerprint(Certificates.fingerprint(ca)).build()) {
            assertThat(pinned.workers(true)).isNotNull();
        }
    }

    @Test
    void randomAndTruncatedMessagesAndOversizedInputsDoNotHarmTheMaster() throws Exception {
        Path jar = TestJars.of(dir.resolve("in"), "jobs.jar", SquaresJob.class);
        String before;
        try (GridClient root = client(admin)) {
            before = root.submit(JobSubmission.builder().jar(jar).jobClass(SquaresJob.class.getName()).arg("n", "2").build());
        }
        Random random = new Random(42);
        ManagedChannel c = CHANNELS.get(Who.ADMIN);
        List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
        methods.addAll(ClientServiceGrpc.getServiceDescriptor().getMethods());
        methods.addAll(WorkerServiceGrpc.getServiceDescriptor().getMethods());
        int calls = 0;
        for (MethodDescriptor<?, ?> m : methods) {
            MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(m.getType() == MethodDescriptor.MethodType.BIDI_STREAMING
                            || m.getType() == MethodDescriptor.MethodType.CLIENT_STREAMING
                            ? MethodDescriptor.MethodType.BIDI_STREAMING : MethodDescriptor.MethodType.SERVER_STREAMING)
                    .setFullMethodName(m.getFullMethodName())
                    .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
            for (int i = 0; i < 20; i++) {
                byte[] junk = new byte[random.nextInt(i < 18 ? 200 : 70_000)];
                random.nextBytes(junk);
                if (i % 3 == 0) {
                    // a truncated real message
                    byte[] real = SubmitJobRequest.newBuilder().setJarSha256("0".repeat(64)).setJobClass("a.B")
                            .putArgs("k", "v").build().toByteArray();
                    junk = java.util.Arrays.copyOf(real, random.nextInt(real.length));
                }
                ClientCall<byte[], byte[]> call = c.newCall(raw, CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS)
                        .withCallCredentials(new BearerToken(admin)));
                try {
                    var it = ClientCalls.blockingServerStreamingCall(c, raw,
                            CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS).withCallCredentials(new BearerToken(admin)), junk);
                    while (it.hasNext()) {
                        it.next();
                    }
                } catch (StatusRuntimeException expected) {
                    // refused: what matters is that the master goes on
                }
                call.cancel("done", null);
                calls++;
            }
        }
        // an oversized message
        Status big = status(() -> ClientServiceGrpc.newBlockingStub(c).withCallCredentials(new BearerToken(admin))
                .withDeadlineAfter(20, TimeUnit.SECONDS).submitJob(SubmitJobRequest.newBuilder().setJarSha256("0".repeat(64))
                        .setJobClass("a.B").putArgs("k", "x".repeat(70 << 20)).build()));
        assertThat(big.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(calls).isGreaterThan(300);
        try (GridClient root = client(admin)) {
            assertThat(root.status(before).getTasks().getTotal()).isEqualTo(2);
            String after = root.submit(JobSubmission.builder().jar(jar).jobClass(SquaresJob.class.getName()).arg("n", "2").build());
            assertThat(root.status(after).getJobClass()).isEqualTo(SquaresJob.class.getName());
        }
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    private static GridClient client(String token) {
        return GridClient.builder().target(address).token(token).trustCa(ca).build();
    }

    private static GridException catchGrid(Runnable r) {
        try {
            r.run();
        } catch (GridException e) {
            return e;
        }
        throw new AssertionError("expected a GridException");
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void assertRefused(Call call, Status.Code code, String message) {
        try {
            call.run();
            throw new AssertionError("expected " + code);
        } catch (GridException e) {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unused")
    private static Metadata none() {
        return new Metadata();
    }
}
