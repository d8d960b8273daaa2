package io.gridwork.client;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The network threads of one {@link GridClient}'s channels: Netty's epoll transport where it is available (Linux),
 * as gRPC chooses by default, else NIO; one thread per master the client talks to (a channel keeps to one thread).
 *
 * <p>gRPC's default threads are shared by every channel of the JVM and outlive the last one by a second. A thread
 * left waiting in {@code epoll_wait} (native code) makes {@code System.exit} wait too: the JVM gives threads in
 * native code 300 ms to come back before it exits, which was a third of a short {@code grid} command's wall time.
 * These threads end when the client is closed.
 */
final class EventLoops {

    /** How long {@link #close} waits for the threads to end: they end at once unless a channel is still busy. */
    private static final long CLOSE_TIMEOUT_MS = 2_000;

    private final EventLoopGroup group;
    private final boolean epoll;

    private EventLoops(EventLoopGroup group, boolean epoll) {
        this.group = group;
        this.epoll = epoll;
    }

    /** Threads for {@code channels} channels (daemon threads, named {@code gridwork-client-*}). */
    static EventLoops create(int channels) {
        int threads = Math.max(1, channels);
        DefaultThreadFactory threadFactory = new DefaultThreadFactory("gridwork-client", true);
        if (Epoll.isAvailable()) {
            return new EventLoops(new EpollEventLoopGroup(threads, threadFactory), true);
        }
        return new EventLoops(new NioEventLoopGroup(threads, threadFactory), false);
    }

    /** A channel builder on these threads. */
    NettyChannelBuilder channelBuilder(String target, io.grpc.ChannelCredentials credentials) {
        return NettyChannelBuilder.forTarget(target, credentials).eventLoopGroup(group)
                .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
    }

    /** Ends the threads (after the channels are shut down), waiting for them at most {@value #CLOSE_TIMEOUT_MS} ms. */
    void close() {
        group.shutdownGracefully(0, CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
}
