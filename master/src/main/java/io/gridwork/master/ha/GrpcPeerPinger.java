package io.gridwork.master.ha;

import io.gridwork.api.v1.MasterServiceGrpc;
import io.gridwork.api.v1.PingRequest;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Pings other masters over gRPC with the grid's trust (TLS with the grid's CA, or plaintext on an insecure grid) and
 * the peer secret ({@code authorization: Peer <secret>}). One channel per address, kept.
 */
public final class GrpcPeerPinger implements PeerPinger {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ChannelCredentials credentials;
    private final Supplier<String> secret;
    private final Supplier<PingRequest> request;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    /**
     * @param credentials how to reach masters (the same trust as the master's health probes)
     * @param secret the grid's peer secret
     * @param request what this master says of itself in each ping
     */
    public GrpcPeerPinger(ChannelCredentials credentials, Supplier<String> secret, Supplier<PingRequest> request) {
        this.credentials = credentials;
        this.secret = secret;
        this.request = request;
    }

    @Override
    public CompletableFuture<Boolean> ping(String address, Duration deadline) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            ManagedChannel channel = channels.computeIfAbsent(address, a -> Grpc.newChannelBuilder(a, credentials).build());
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Peer " + secret.get());
            MasterServiceGrpc.newStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(Math.max(1, deadline.toMillis()), TimeUnit.MILLISECONDS)
                    .ping(request.get(), new StreamObserver<>() {
                        @Override
                        public void onNext(io.gridwork.api.v1.PingResponse value) {
                            done.complete(true);
                        }

                        @Override
                        public void onError(Throwable t) {
                            // reconnect at the next ping, not after gRPC's growing backoff: a peer that is back
                            // must be seen at once
                            channel.resetConnectBackoff();
                            done.complete(false);
                        }

                        @Override
                        public void onCompleted() {
                            done.complete(true);
                        }
                    });
        } catch (RuntimeException e) {
            done.complete(false);
        }
        return done;
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
