package io.gridwork.master.rpc;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One channel per other master, by address, made on first use and kept: how this master forwards a client's call
 * about a job another master runs. Channels reconnect by themselves when a master comes back; whoever made this
 * closes it (and with it every channel).
 */
public final class PeerChannels implements AutoCloseable {

    private final Function<String, ManagedChannel> factory;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param factory makes the channel to one address (host:port, or an in-process name in tests) */
    public PeerChannels(Function<String, ManagedChannel> factory) {
        this.factory = factory;
    }

    /**
     * Channels over the network with {@code credentials}: TLS trusting the grid's CA for the master's name (as a client
     * checks a master), or plaintext on an insecure grid.
     */
    public static PeerChannels over(ChannelCredentials credentials) {
        return new PeerChannels(address -> Grpc.newChannelBuilder(address, credentials)
                .keepAliveTime(20, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .build());
    }

    /** The channel to the master at {@code address}. */
    public ManagedChannel channel(String address) {
        if (closed) {
            throw new IllegalStateException("the peer channels are closed");
        }
        return channels.computeIfAbsent(address, factory);
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        channels.clear();
    }
}
