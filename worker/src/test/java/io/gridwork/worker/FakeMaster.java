package io.gridwork.worker;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.FetchJarRequest;
import io.gridwork.api.v1.JarChunk;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.MasterEndpoint;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.client.GridClient;
import io.gridwork.internal.NamedThreads;
import io.gridwork.sdk.Codecs;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A master as a worker sees it, in a few lines: answers registrations (keeping every task the worker says it holds),
 * records what the worker sends, lets the test send any message, and (if given ready tasks) assigns them as credits
 * come, saying its demand with every assignment, as a real master does.
 */
final class FakeMaster implements AutoCloseable {

    final String id;
    final long epoch;
    final List<RegisterRequest> registrations = new CopyOnWriteArrayList<>();
    final List<WorkerMessage> received = new CopyOnWriteArrayList<>();
    final List<TaskResult> results = new CopyOnWriteArrayList<>();
    final AtomicInteger credits = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    volatile List<MasterEndpoint> masters = List.of();
    private final Server server;
    private final ExecutorService executor;
    private final byte[] jar;
    private final String sha256;
    private final AtomicLong incarnation = new AtomicLong();
    private final AtomicLong nextAttempt;
    /** Every assignment this master sent. */
    final List<TaskAssignment> assigned = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private ServerCallStreamObserver<MasterMessage> stream; // guarded by this
    private int creditsHeld; // guarded by this
    private int ready; // guarded by this
    private String readyJob; // guarded by this
    private long taskMs;
    private boolean specSent;

    FakeMaster(String id, long epoch, Path jarFile) throws IOException {
        this.id = id;
        this.epoch = epoch;
        this.jar = Files.readAllBytes(jarFile);
        this.sha256 = GridClient.sha256(jarFile);
        this.nextAttempt = new AtomicLong(epoch << 32);
        this.executor = Executors.newFixedThreadPool(4, new NamedThreads("fake-master-" + id, true));
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
                .executor(executor).addService(new Service()).build().start();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    MasterEndpoint endpoint() {
        return MasterEndpoint.newBuilder().setId(id).setAddress(address()).setEpoch(epoch).build();
    }

    JobSpec spec(String jobId, long ms) {
        return JobSpec.newBuilder().setJobId(jobId).setJarSha256(sha256).setJobClass(SleepJob.class.getName())
                .setLeaseEpoch(epoch).putArgs("ms", Long.toString(ms)).putArgs("n", "1").build();
    }

    TaskAssignment assignment(String jobId, long index) {
        return TaskAssignment.newBuilder().setRef(TaskRef.newBuilder().setJobId(jobId).setIndex(index)
                .setAttemptId(nextAttempt.incrementAndGet())).setAttempt(1)
                .setInput(ByteString.copyFrom(Codecs.LONG.encode(index))).setSlots(1).build();
    }

    /** Gives this master {@code n} ready tasks of a job (each sleeping {@code ms}) to assign as credits come. */
    synchronized void ready(String jobId, int n, long ms) {
        readyJob = jobId;
        ready = n;
        taskMs = ms;
        send(MasterMessage.newBuilder().setDemand(n).build());
        dispatch();
    }

    synchronized boolean connected() {
        return stream != null && !stream.isCancelled();
    }

    synchronized void send(MasterMessage m) {
        if (stream != null) {
            stream.onNext(m);
        }
    }

    /** Breaks the worker's stream (as a master that dies does), keeping the server up. */
    synchronized void killStream() {
        if (stream != null) {
            try {
                stream.onError(Status.UNAVAILABLE.withDescription("killed by the test").asRuntimeException());
            } catch (IllegalStateException closedAlready) {
                // the worker ended it first
            }
            stream = null;
        }
    }

    synchronized int creditsHeld() {
        return creditsHeld;
    }

    private synchronized void dispatch() {
        if (readyJob == null || stream == null) {
            return;
        }
        MasterMessage.Builder b = MasterMessage.newBuilder();
        while (creditsHeld > 0 && ready > 0) {
            TaskAssignment a = assignment(readyJob, ready);
            b.addAssignments(a);
            assigned.add(a);
            creditsHeld--;
            ready--;
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        }
        if (b.getAssignmentsCount() > 0) {
            if (!specSent) {
                b.addJobs(spec(readyJob, taskMs));
                specSent = true;
            }
            b.setDemand(ready);
            stream.onNext(b.build());
        }
    }

    private final class Service extends WorkerServiceGrpc.WorkerServiceImplBase {
        @Override
        public void register(RegisterRequest request, StreamObserver<RegisterResponse> observer) {
            registrations.add(request);
            observer.onNext(RegisterResponse.newBuilder().setWorkerId("w-" + id).setIncarnation(incarnation.incrementAndGet())
                    .setHeartbeatIntervalMs(1000).addAllKeep(request.getHeldList()).setMasterId(id).setMasterEpoch(epoch)
                    .addAllMasters(masters).build());
            observer.onCompleted();
        }

        @Override
        public StreamObserver<WorkerMessage> connect(StreamObserver<MasterMessage> observer) {
            ServerCallStreamObserver<MasterMessage> call = (ServerCallStreamObserver<MasterMessage>) observer;
            return new StreamObserver<>() {
                @Override
                public void onNext(WorkerMessage m) {
                    received.add(m);
                    synchronized (FakeMaster.this) {
                        if (m.hasHello()) {
                            stream = call;
                            creditsHeld = 0;
                            specSent = false;
                        }
                        if (stream != call) {
                            return;
                        }
                        credits.addAndGet(m.getCredit());
                        creditsHeld += m.getCredit();
                        for (TaskResult r : m.getResultsList()) {
                            results.add(r);
                            inFlight.decrementAndGet();
                        }
                        if (m.getResultsCount() > 0) {
                            stream.onNext(MasterMessage.newBuilder().addAllAcks(m.getResultsList().stream()
                                    .map(TaskResult::getRef).toList()).build());
                        }
                        dispatch();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    ended();
                }

                @Override
                public void onCompleted() {
                    ended();
                    call.onCompleted();
                }

                private void ended() {
                    synchronized (FakeMaster.this) {
                        if (stream == call) {
                            stream = null;
                        }
                    }
                }
            };
        }

        @Override
        public void fetchJar(FetchJarRequest request, StreamObserver<JarChunk> observer) {
            observer.onNext(JarChunk.newBuilder().setData(ByteString.copyFrom(jar)).setTotalSize(jar.length).build());
            observer.onCompleted();
        }
    }

    /** Every task ref this master got a result for. */
    List<TaskRef> resultRefs() {
        List<TaskRef> refs = new ArrayList<>();
        results.forEach(r -> refs.add(r.getRef()));
        return refs;
    }

    @Override
    public void close() {
        killStream();
        server.shutdownNow();
        try {
            server.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
