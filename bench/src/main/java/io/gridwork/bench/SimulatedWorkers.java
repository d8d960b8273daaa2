package io.gridwork.bench;

import io.gridwork.api.v1.Heartbeat;
import io.gridwork.api.v1.Hello;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.ProbeRequest;
import io.gridwork.api.v1.ProbeResult;
import io.gridwork.api.v1.RegisterRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskResult;
import io.gridwork.api.v1.WorkerMessage;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.internal.NamedThreads;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many light workers in one JVM, for the scale figure: each registers, holds its own stream to the master (all
 * multiplexed on a few connections), heartbeats every second, runs empty tasks at once, and answers the master's
 * indirect health probes about its peers truthfully. {@code kill} ends some of them abruptly: their streams are
 * cancelled and nobody reports them reachable any more, as if their machines had died.
 *
 * <p>Driven through files in {@code dir}: it writes {@code ready} once all are connected; a file {@code kill}
 * holding a number makes it kill that many.
 */
final class SimulatedWorkers {

    private final List<Sim> sims = new ArrayList<>();
    private final Map<String, Sim> byId = new ConcurrentHashMap<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, new NamedThreads("sim-timer", true));
    private final AtomicLong tasks = new AtomicLong();

    static void run(String master, int count, Path dir) throws Exception {
        new SimulatedWorkers().go(master, count, dir);
    }

    private void go(String master, int count, Path dir) throws Exception {
        for (int c = 0; c < 4; c++) {
            channels.add(Grpc.newChannelBuilder(master, InsecureChannelCredentials.create()).build());
        }
        for (int i = 0; i < count; i++) {
            Sim s = new Sim("sim-" + i, channels.get(i % channels.size()));
            s.register();
            sims.add(s);
            byId.put(s.id, s);
        }
        for (Sim s : sims) {
            s.connect();
        }
        timer.scheduleAtFixedRate(() -> {
            for (Sim s : sims) {
                s.heartbeat();
            }
        }, 200, 1000, TimeUnit.MILLISECONDS);
        Files.writeString(dir.resolve("ready"), Integer.toString(count));
        while (true) {
            Path kill = dir.resolve("kill");
            if (Files.exists(kill)) {
                int n = Integer.parseInt(Files.readString(kill).trim());
                Files.delete(kill);
                int killed = 0;
                for (Sim s : sims) {
                    if (killed < n && s.alive) {
                        s.kill();
                        killed++;
                    }
                }
                Files.writeString(dir.resolve("killed"), Integer.toString(killed));
            }
            Thread.sleep(20);
        }
    }

    /** One simulated worker. */
    private final class Sim {
        final String name;
        final ManagedChannel channel;
        String id;
        long incarnation;
        volatile boolean alive = true;
        volatile ClientCallStreamObserver<WorkerMessage> requests;
        private long seq;

        Sim(String name, ManagedChannel channel) {
            this.name = name;
            this.channel = channel;
        }

        void register() {
            RegisterResponse r = WorkerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .register(RegisterRequest.newBuilder().setName(name).setSlots(1).setPrefetch(1).build());
            id = r.getWorkerId();
            incarnation = r.getIncarnation();
        }

        void connect() {
            WorkerServiceGrpc.newStub(channel).connect(new ClientResponseObserver<WorkerMessage, MasterMessage>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<WorkerMessage> stream) {
                    requests = stream;
                }

                @Override
                public void onNext(MasterMessage m) {
                    handle(m);
                }

                @Override
                public void onError(Throwable t) {
                    alive = false;
                }

                @Override
                public void onCompleted() {
                    alive = false;
                }
            });
            send(WorkerMessage.newBuilder().setHello(Hello.newBuilder().setWorkerId(id).setIncarnation(incarnation))
                    .setCredit(2).build());
        }

        private void handle(MasterMessage m) {
            if (!alive) {
                return;
            }
            WorkerMessage.Builder reply = WorkerMessage.newBuilder();
            for (TaskAssignment a : m.getAssignmentsList()) {
                reply.addResults(TaskResult.newBuilder().setRef(a.getRef()).setOutput(com.google.protobuf.ByteString.EMPTY));
                tasks.incrementAndGet();
            }
            reply.setCredit(m.getAssignmentsCount());
            for (ProbeRequest p : m.getProbesList()) {
                Sim target = byId.get(p.getTargetWorkerId());
                boolean up = target != null && target.alive;
                reply.addProbeResults(ProbeResult.newBuilder().setProbeId(p.getProbeId()).setReachable(up)
                        .setDetail(up ? "serving" : "connection refused"));
            }
            if (reply.getResultsCount() > 0 || reply.getProbeResultsCount() > 0) {
                send(reply.build());
            }
        }

        void heartbeat() {
            if (alive) {
                send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSeq(++seq).setFreeSlots(1)).build());
            }
        }

        private void send(WorkerMessage message) {
            ClientCallStreamObserver<WorkerMessage> r = requests;
            if (r != null) {
                synchronized (this) {
                    try {
                        r.onNext(message);
                    } catch (RuntimeException e) {
                        alive = false;
                    }
                }
            }
        }

        /** Dies: the stream is cut, and its peers no longer find it. */
        void kill() {
            alive = false;
            ClientCallStreamObserver<WorkerMessage> r = requests;
            if (r != null) {
                synchronized (this) {
                    r.cancel("killed", null);
                }
            }
        }
    }
}
