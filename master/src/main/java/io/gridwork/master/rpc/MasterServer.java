package io.gridwork.master.rpc;

import io.gridwork.master.MasterOptions;
import io.gridwork.master.code.JarRepository;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.schedule.Schedules;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.CertificateAuthority;
import io.gridwork.master.security.TokenRegistry;
import io.gridwork.internal.NamedThreads;
import io.gridwork.master.ha.MasterDirectory;
import io.gridwork.master.ha.PingHandler;
import io.gridwork.master.store.JobRepository;
import io.grpc.ChannelCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The master's gRPC server: the client, worker and master (peer ping) services and the standard health service,
 * client calls on their own bounded, named pool and the others on the workers' (pings, like heartbeats, must be
 * answered promptly), with keepalive set explicitly.
 */
public final class MasterServer implements AutoCloseable {

    /**
     * The threads the services run on, one pool each, so worker streams (registration, heartbeats, results) are
     * never queued behind client calls (submissions, listings, uploads), nor the reverse. The health service runs
     * with the worker service: both are short and must answer promptly. Whoever builds them shuts them down.
     */
    public record Executors(ExecutorService client, ExecutorService worker) {}

    /**
     * The other masters of the grid: the directory (who they are, the peer secret), what answers their pings, the
     * stored jobs (read for their owning master) and the credentials of the channels this master forwards calls on
     * (TLS trusting the grid's CA for the master's name; plaintext on an insecure grid).
     */
    public record Peers(MasterDirectory directory, PingHandler ping, JobRepository jobRows, ChannelCredentials credentials) {}

    private final Server server;
    private final HealthStatusManager health;
    private final NioEventLoopGroup boss;
    private final NioEventLoopGroup workers;
    private final PeerChannels peerChannels;
    private boolean stopping;

    private MasterServer(Server server, HealthStatusManager health, NioEventLoopGroup boss, NioEventLoopGroup workers,
            PeerChannels peerChannels) {
        this.peerChannels = peerChannels;
        this.server = server;
        this.health = health;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * @param credentials TLS (or, on an insecure master, plaintext)
     * @param ca signs joining workers' certificates; null on an insecure master
     */
    public static MasterServer start(MasterOptions options, Scheduler scheduler, Schedules schedules, JarRepository jars,
            Clock clock, ServerCredentials credentials, TokenRegistry tokens, Audit audit, CertificateAuthority ca,
            Executors executors, Peers peers) throws IOException {
        return start(options, scheduler, schedules, jars, clock, credentials, tokens, audit, ca, executors, peers, null);
    }

    /** @param data the data grid (null: none; its calls are UNAVAILABLE) */
    public static MasterServer start(MasterOptions options, Scheduler scheduler, Schedules schedules, JarRepository jars,
            Clock clock, ServerCredentials credentials, TokenRegistry tokens, Audit audit, CertificateAuthority ca,
            Executors executors, Peers peers, io.gridwork.master.data.DataGrid data) throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        PeerChannels peerChannels = PeerChannels.over(peers.credentials());
        ClientServiceImpl clientService = new ClientServiceImpl(scheduler, schedules, clock, jars,
                options.maxArgsBytes(), tokens, audit, ca == null ? null : ca.fingerprint(), executors.client(),
                peers.directory(), peers.jobRows(), peerChannels);
        WorkerServiceImpl workerService = new WorkerServiceImpl(scheduler, jars, clock, ca, audit);
        if (data != null) {
            clientService.dataGrid(data);
            workerService.dataGrid(data);
        }
        NioEventLoopGroup boss = new NioEventLoopGroup(1, new NamedThreads("gridwork-netty-boss", true));
        NioEventLoopGroup workers = new NioEventLoopGroup(2, new NamedThreads("gridwork-netty", true));
        PeerAddress peer = new PeerAddress();
        Authenticator auth = new Authenticator(tokens, options.insecure(), peers.directory()::peerSecret);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(options.bindHost(), options.port()), credentials)
                .channelType(NioServerSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(executors.client())
                .callExecutor(new ServerCallExecutorSupplier() {
                    @Override
                    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
                        String service = call.getMethodDescriptor().getServiceName();
                        if (io.gridwork.api.v1.MasterServiceGrpc.SERVICE_NAME.equals(service)
                                || io.grpc.health.v1.HealthGrpc.SERVICE_NAME.equals(service)) {
                            // peer pings and health checks answer at once from the transport's thread (they never
                            // block), so a master busy with workers' results is not taken for an unreachable one
                            return Runnable::run;
                        }
                        return io.gridwork.api.v1.ClientServiceGrpc.SERVICE_NAME.equals(service) ? executors.client()
                                : executors.worker();
                    }
                })
                .maxInboundMessageSize(options.maxMessageBytes())
                .keepAliveTime(20, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addService(ServerInterceptors.intercept(clientService, auth, peer))
                .addService(ServerInterceptors.intercept(workerService, auth, peer))
                .addService(ServerInterceptors.intercept(new MasterServiceImpl(peers.ping()), auth, peer))
                .addService(health.getHealthService())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            peerChannels.close();
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("cannot listen on " + options.bindHost() + ":" + options.port() + ": " + e.getMessage(), e);
        }
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(io.gridwork.api.v1.ClientServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        health.setStatus(io.gridwork.api.v1.WorkerServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        health.setStatus(io.gridwork.api.v1.MasterServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        return new MasterServer(server, health, boss, workers, peerChannels);
    }

    public int port() {
        return server.getPort();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Health goes to NOT_SERVING and the server takes no new calls; calls in progress go on. Idempotent. */
    public synchronized void stopAccepting() {
        if (stopping) {
            return;
        }
        stopping = true;
        health.enterTerminalState();
        server.shutdown();
    }

    @Override
    public void close() {
        stopAccepting();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        peerChannels.close();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
