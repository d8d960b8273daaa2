package io.gridwork.master.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.api.v1.CancelJobRequest;
import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.CreateScheduleRequest;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListJobsRequest;
import io.gridwork.api.v1.ListMastersRequest;
import io.gridwork.api.v1.ListMastersResponse;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.api.v1.MasterServiceGrpc;
import io.gridwork.api.v1.PingRequest;
import io.gridwork.api.v1.PingResponse;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.WatchJobRequest;
import io.gridwork.client.BearerToken;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.internal.NamedThreads;
import io.gridwork.master.code.JarRepository;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.core.SchedulerOptions;
import io.gridwork.master.ha.MasterDirectory;
import io.gridwork.master.model.Role;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.TokenRegistry;
import io.gridwork.master.store.Store;
import io.gridwork.master.testjobs.SquaresJob;
import io.gridwork.testing.TestJars;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two masters over in-process gRPC on one store: "self", the master the client calls, and "owner", the master that
 * runs the job (the store's master id is the owner's, so every stored job is the owner's). Each sees the other through
 * a fake directory. Checks the peer ping's secret, ListMasters, forwarding to the owner with the caller's own token,
 * the answers when the owner is down, and a standby's refusals.
 */
class ConcurrentAccessTest {

    static final String SECRET = "the-grids-peer-secret";
    static final String SELF = "master-self";

    @RegisterExtension
    final GrpcCleanup cleanup = new GrpcCleanup();

    @TempDir
    Path dir;

    /** What the owner saw of each call that reached it: method, authorization header, forwarded-by header. */
    record Seen(String method, String authorization, String forwardedBy) {}

    private final List<Seen> ownerSaw = new CopyOnWriteArrayList<>();
    private Store store;
    private String ownerId;
    private String ownerName;
    private Server ownerServer;
    private FakeDirectory selfView;
    private ManagedChannel selfChannel;
    private ManagedChannel ownerChannel;
    private String alice;
    private String viewer;
    private String joiner;
    private Path jar;

    /** The masters as a test sets them. */
    static final class FakeDirectory implements MasterDirectory {
        final String self;
        volatile List<Peer> peers = List.of();
        volatile List<Event> events = List.of();
        volatile boolean standby;

        FakeDirectory(String self) {
            this.self = self;
        }

        @Override
        public String selfId() {
            return self;
        }

        @Override
        public long selfEpoch() {
            return 7;
        }

        @Override
        public boolean standby() {
            return standby;
        }

        @Override
        public List<Peer> masters() {
            return peers;
        }

        @Override
        public Optional<Peer> master(String id) {
            return peers.stream().filter(p -> p.id().equals(id)).findFirst();
        }

        @Override
        public List<Event> events(int limit) {
            return events.subList(Math.max(0, events.size() - limit), events.size());
        }

        @Override
        public String peerSecret() {
            return SECRET;
        }
    }

    @BeforeEach
    void start() throws Exception {
        store = cleanup.register(Store.inMemory("ha-rpc-" + UUID.randomUUID()));
        ownerId = store.masterId();
        ownerName = "owner-" + InProcessServerBuilder.generateName();
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
        TokenRegistry tokens = new TokenRegistry(store.tokens(), Clock.systemUTC());
        Audit audit = new Audit(store.audit(), Clock.systemUTC());
        alice = tokens.create("alice", Role.SUBMITTER, Duration.ZERO, "the test").secret();
        viewer = tokens.create("val", Role.VIEWER, Duration.ZERO, "the test").secret();
        joiner = tokens.create("joiners", Role.WORKER, Duration.ZERO, "the test").secret();

        Instant started = Instant.parse("2026-01-01T00:00:00Z");
        MasterDirectory.Peer self = new MasterDirectory.Peer(SELF, "self-address", "self-http", "ACTIVE", 7, 0, 12,
                started, true);
        MasterDirectory.Peer owner = new MasterDirectory.Peer(ownerId, ownerName, null, "ACTIVE", 5, 1, 40, started, false);
        selfView = new FakeDirectory(SELF);
        selfView.peers = List.of(self, owner);
        selfView.events = List.of(new MasterDirectory.Event(1, started, "JOINED", ownerId, ownerId, 0, 0, ""),
                new MasterDirectory.Event(2, started.plusSeconds(1), "TAKEOVER", "gone", SELF, 3, 812, "lease expired"));
        FakeDirectory ownerView = new FakeDirectory(ownerId);
        ownerView.peers = List.of(new MasterDirectory.Peer(ownerId, ownerName, null, "ACTIVE", 5, 1, 0, started, true),
                new MasterDirectory.Peer(SELF, "self-address", null, "ACTIVE", 7, 0, 12, started, false));

        PeerChannels peers = cleanup.register(new PeerChannels(
                address -> InProcessChannelBuilder.forName(address).directExecutor().build()));
        ServerInterceptor record = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                ownerSaw.add(new Seen(call.getMethodDescriptor().getBareMethodName(), headers.get(BearerToken.AUTHORIZATION),
                        headers.get(Authenticator.FORWARDED_BY)));
                return next.startCall(call, headers);
            }
        };
        ownerServer = InProcessServerBuilder.forName(ownerName).directExecutor()
                .addService(ServerInterceptors.intercept(new ClientServiceImpl(scheduler, null, Clock.systemUTC(), jars,
                        64 << 10, tokens, audit, null, Runnable::run, ownerView, store.jobs(), peers),
                        new Authenticator(tokens, false, ownerView::peerSecret), record))
                .build().start();
        cleanup.register(() -> ownerServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        String selfName = InProcessServerBuilder.generateName();
        Authenticator selfAuth = new Authenticator(tokens, false, selfView::peerSecret);
        Server selfServer = InProcessServerBuilder.forName(selfName).directExecutor()
                .addService(ServerInterceptors.intercept(new ClientServiceImpl(scheduler, null, Clock.systemUTC(), jars,
                        64 << 10, tokens, audit, null, Runnable::run, selfView, store.jobs(), peers), selfAuth))
                .addService(ServerInterceptors.intercept(new MasterServiceImpl(request -> PingResponse.newBuilder()
                        .setId(SELF).setEpoch(7).setState(MasterInfo.State.ACTIVE).setWorkers(3).build()), selfAuth))
                .build().start();
        cleanup.register(() -> selfServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        selfChannel = InProcessChannelBuilder.forName(selfName).directExecutor().build();
        cleanup.register(() -> selfChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        ownerChannel = InProcessChannelBuilder.forName(ownerName).directExecutor().build();
        cleanup.register(() -> ownerChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        jar = TestJars.of(dir.resolve("in"), "jobs.jar", SquaresJob.class);
    }

    private ClientServiceGrpc.ClientServiceBlockingStub client(ManagedChannel channel, String token) {
        return ClientServiceGrpc.newBlockingStub(channel).withCallCredentials(new BearerToken(token))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** A job of alice's, submitted to (and so stored as run by) the owner; it stays queued: no worker runs it. */
    private String alicesJobOnTheOwner() throws Exception {
        try (GridClient owner = GridClient.over(ownerChannel, alice)) {
            return owner.submit(JobSubmission.builder().jar(jar).jobClass(SquaresJob.class.getName()).arg("n", "3").build());
        }
    }

    private static Status status(Runnable call) {
        try {
            call.run();
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    private List<Seen> forwarded() {
        List<Seen> out = new ArrayList<>();
        for (Seen s : ownerSaw) {
            if (s.forwardedBy() != null) {
                out.add(s);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------- ping

    @Test
    void aPingNeedsTheGridsPeerSecretAndNoTokenOrCertificate() {
        MasterServiceGrpc.MasterServiceBlockingStub ping = MasterServiceGrpc.newBlockingStub(selfChannel)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        PingRequest request = PingRequest.newBuilder().setFromId(ownerId).setFromEpoch(5).setFromAddress(ownerName).build();

        Status missing = status(() -> ping.ping(request));
        assertThat(missing.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(missing.getDescription()).contains("authorization: Peer <secret>");
        Status wrong = status(() -> ping.withInterceptors(peer("not-the-secret")).ping(request));
        assertThat(wrong.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(wrong.getDescription()).isEqualTo("authorization: the peer secret is not this grid's");
        Status prefix = status(() -> ping.withInterceptors(peer(SECRET.substring(0, 5))).ping(request));
        assertThat(prefix.getCode()).as("a prefix of the secret").isEqualTo(Status.Code.UNAUTHENTICATED);
        Status token = status(() -> ping.withCallCredentials(new BearerToken(alice)).ping(request));
        assertThat(token.getCode()).as("a person's token").isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(token.getDescription()).contains("authorization: Peer <secret>");

        PingResponse answer = ping.withInterceptors(peer(SECRET)).ping(request);
        assertThat(answer.getId()).isEqualTo(SELF);
        assertThat(answer.getWorkers()).isEqualTo(3);
        Status noId = status(() -> ping.withInterceptors(peer(SECRET)).ping(PingRequest.getDefaultInstance()));
        assertThat(noId.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(noId.getDescription()).startsWith("from_id");
    }

    private static io.grpc.ClientInterceptor peer(String secret) {
        Metadata headers = new Metadata();
        headers.put(BearerToken.AUTHORIZATION, "Peer " + secret);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    // ---------------------------------------------------------------------------------------------------- masters

    @Test
    void listMastersShowsTheDirectoryAndItsRecentEventsToPeople() {
        ListMastersResponse all = client(selfChannel, viewer).listMasters(ListMastersRequest.newBuilder().setEvents(10).build());
        assertThat(all.getMastersList()).extracting(MasterInfo::getId).containsExactly(SELF, ownerId);
        MasterInfo owner = all.getMasters(1);
        assertThat(owner.getAddress()).isEqualTo(ownerName);
        assertThat(owner.getState()).isEqualTo(MasterInfo.State.ACTIVE);
        assertThat(owner.getEpoch()).isEqualTo(5);
        assertThat(owner.getJobs()).isEqualTo(1);
        assertThat(owner.getLeaseAgeMs()).isEqualTo(40);
        assertThat(owner.getSelf()).isFalse();
        assertThat(all.getMasters(0).getSelf()).isTrue();
        assertThat(all.getMasters(0).getHttpAddress()).isEqualTo("self-http");
        assertThat(all.getEventsList()).extracting(MasterEvent::getType)
                .containsExactly(MasterEvent.Type.JOINED, MasterEvent.Type.TAKEOVER);
        MasterEvent takeover = all.getEvents(1);
        assertThat(takeover.getMasterId()).isEqualTo("gone");
        assertThat(takeover.getByMasterId()).isEqualTo(SELF);
        assertThat(takeover.getJobs()).isEqualTo(3);
        assertThat(takeover.getDurationMs()).isEqualTo(812);

        assertThat(client(selfChannel, viewer).listMasters(ListMastersRequest.getDefaultInstance()).getEventsCount())
                .as("no events unless asked for").isZero();
        assertThat(client(selfChannel, viewer).listMasters(ListMastersRequest.newBuilder().setEvents(1).build())
                .getEventsList()).extracting(MasterEvent::getSeq).containsExactly(2L);
        Status negative = status(() -> client(selfChannel, viewer).listMasters(ListMastersRequest.newBuilder().setEvents(-1).build()));
        assertThat(negative.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(negative.getDescription()).startsWith("events");
        assertThat(status(() -> client(selfChannel, joiner).listMasters(ListMastersRequest.getDefaultInstance())).getCode())
                .as("a join token").isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status(() -> ClientServiceGrpc.newBlockingStub(selfChannel).listMasters(ListMastersRequest.getDefaultInstance()))
                .getCode()).as("no credential").isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    // ---------------------------------------------------------------------------------------------------- forwarding

    @Test
    void getJobAndCancelJobOfAnotherMastersJobAreForwardedToItWithTheCallersOwnToken() throws Exception {
        String job = alicesJobOnTheOwner();
        ownerSaw.clear();

        JobStatus status = client(selfChannel, alice).getJob(GetJobRequest.newBuilder().setJobId(job).build());
        assertThat(status.getId()).isEqualTo(job);
        assertThat(status.getMaster()).isEqualTo(ownerId);
        assertThat(status.getMasterAddress()).as("as the owner knows itself").isEqualTo(ownerName);
        assertThat(forwarded()).containsExactly(new Seen("GetJob", "Bearer " + alice, SELF));

        Status othersJob = status(() -> client(selfChannel, viewer).cancelJob(CancelJobRequest.newBuilder().setJobId(job).build()));
        assertThat(othersJob.getCode()).as("a viewer may not cancel").isEqualTo(Status.Code.PERMISSION_DENIED);

        JobStatus cancelled = client(selfChannel, alice).cancelJob(CancelJobRequest.newBuilder().setJobId(job)
                .setReason("from the other master").build());
        assertThat(cancelled.getState()).isEqualTo(JobStatus.State.CANCELLED);
        assertThat(cancelled.getMaster()).isEqualTo(ownerId);
        assertThat(forwarded()).extracting(Seen::method).containsExactly("GetJob", "CancelJob");
        assertThat(forwarded().get(1).authorization()).isEqualTo("Bearer " + alice);

        // ended: answered from the store by the master called, the owner not asked
        ownerSaw.clear();
        assertThat(client(selfChannel, viewer).getJob(GetJobRequest.newBuilder().setJobId(job).build()).getState())
                .isEqualTo(JobStatus.State.CANCELLED);
        assertThat(ownerSaw).isEmpty();
    }

    @Test
    void aForwardedCallIsAnsweredWhereItArrivesNeverForwardedAgain() throws Exception {
        String job = alicesJobOnTheOwner();
        ownerSaw.clear();
        Metadata headers = new Metadata();
        headers.put(Authenticator.FORWARDED_BY, "some-master");
        JobStatus status = client(selfChannel, alice).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .getJob(GetJobRequest.newBuilder().setJobId(job).build());
        assertThat(status.getId()).isEqualTo(job);
        assertThat(ownerSaw).isEmpty();
    }

    @Test
    void aWatchIsForwardedAndEndsUnavailableNamingTheOwnerWhenTheOwnerDies() throws Exception {
        String job = alicesJobOnTheOwner();
        LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        ClientServiceGrpc.newStub(selfChannel).withCallCredentials(new BearerToken(alice))
                .watchJob(WatchJobRequest.newBuilder().setJobId(job).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(JobStatus value) {
                        events.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        events.add(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        events.add("completed");
                    }
                });
        Object first = events.poll(10, TimeUnit.SECONDS);
        assertThat(first).isInstanceOf(JobStatus.class);
        assertThat(((JobStatus) first).getMaster()).isEqualTo(ownerId);
        assertThat(forwarded()).extracting(Seen::method).containsExactly("WatchJob");

        ownerServer.shutdownNow();
        Object last = events.poll(10, TimeUnit.SECONDS);
        while (last instanceof JobStatus) {
            last = events.poll(10, TimeUnit.SECONDS);
        }
        assertThat(last).isInstanceOf(Status.class);
        Status ended = (Status) last;
        assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(ended.getDescription()).isEqualTo("the master that runs job " + job + " (" + ownerId + ", " + ownerName
                + ") is unreachable; retry: another master takes its jobs over");
    }

    @Test
    void withTheOwnerDownReadsComeFromTheStoreAndCancelAndWatchAreUnavailableNamingIt() throws Exception {
        String job = alicesJobOnTheOwner();
        ownerServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        String unreachable = "the master that runs job " + job + " (" + ownerId + ", " + ownerName
                + ") is unreachable; retry: another master takes its jobs over";

        JobStatus stored = client(selfChannel, alice).getJob(GetJobRequest.newBuilder().setJobId(job).build());
        assertThat(stored.getId()).isEqualTo(job);
        assertThat(stored.getState()).isIn(JobStatus.State.QUEUED, JobStatus.State.RUNNING);
        assertThat(stored.getMaster()).isEqualTo(ownerId);
        assertThat(client(selfChannel, viewer).listJobs(ListJobsRequest.getDefaultInstance()).getJobsList())
                .filteredOn(j -> j.getId().equals(job))
                .singleElement().satisfies(j -> {
                    assertThat(j.getMaster()).isEqualTo(ownerId);
                    assertThat(j.getMasterAddress()).as("as this master's directory has it").isEqualTo(ownerName);
                });

        Status cancel = status(() -> client(selfChannel, alice).cancelJob(CancelJobRequest.newBuilder().setJobId(job).build()));
        assertThat(cancel.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(cancel.getDescription()).isEqualTo(unreachable);
        Status watch = status(() -> client(selfChannel, alice).watchJob(WatchJobRequest.newBuilder().setJobId(job).build())
                .hasNext());
        assertThat(watch.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(watch.getDescription()).isEqualTo(unreachable);

        // the directory has concluded it dead (nobody has taken its jobs over yet): no forwarding attempted
        selfView.peers = List.of(selfView.peers.get(0), new MasterDirectory.Peer(ownerId, ownerName, null, "DEAD", 5, 1,
                3000, Instant.EPOCH, false));
        assertThat(client(selfChannel, alice).getJob(GetJobRequest.newBuilder().setJobId(job).build()).getId()).isEqualTo(job);
        Status cancelDead = status(() -> client(selfChannel, alice).cancelJob(CancelJobRequest.newBuilder().setJobId(job).build()));
        assertThat(cancelDead.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(cancelDead.getDescription()).isEqualTo(unreachable);
    }

    // ---------------------------------------------------------------------------------------------------- standby

    @Test
    void aStandbyRefusesSubmissionsAndSchedulesNamingTheActiveMasters() throws Exception {
        selfView.standby = true;
        selfView.peers = List.of(new MasterDirectory.Peer(SELF, "self-address", null, "STANDBY", 7, 0, 0, Instant.EPOCH, true),
                new MasterDirectory.Peer(ownerId, "a:1", null, "ACTIVE", 5, 0, 0, Instant.EPOCH, false),
                new MasterDirectory.Peer("m3", "b:2", null, "ACTIVE", 6, 0, 0, Instant.EPOCH, false),
                new MasterDirectory.Peer("m4", "c:3", null, "DEAD", 4, 0, 0, Instant.EPOCH, false));
        Status submit = status(() -> client(selfChannel, alice).submitJob(SubmitJobRequest.newBuilder()
                .setJarSha256("0".repeat(64)).setJobClass("a.B").build()));
        assertThat(submit.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(submit.getDescription()).isEqualTo("this master is a standby; active masters: a:1, b:2");
        Status schedule = status(() -> client(selfChannel, alice).createSchedule(CreateScheduleRequest.newBuilder()
                .setName("nightly").setCron("0 0 3 * * ?").setJarSha256("0".repeat(64)).setJobClass("a.B").build()));
        assertThat(schedule.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(schedule.getDescription()).isEqualTo("this master is a standby; active masters: a:1, b:2");
        // reads go on
        assertThat(client(selfChannel, viewer).listJobs(ListJobsRequest.getDefaultInstance())).isNotNull();

        selfView.standby = false;
        assertThatThrownBy(() -> client(selfChannel, alice).submitJob(SubmitJobRequest.newBuilder()
                .setJarSha256("0".repeat(64)).setJobClass("a.B").build()))
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
                        .as("an active master takes it (and refuses the unknown jar)").isNotEqualTo(Status.Code.UNAVAILABLE));
    }
}
