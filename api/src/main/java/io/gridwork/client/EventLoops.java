package io.gridwork.client;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
    /** The threads the group started: its termination is signalled a moment before they return from run. */
    private final List<Thread> threads;

    private EventLoops(EventLoopGroup group, boolean epoll, List<Thread> threads) {
        this.group = group;
        this.epoll = epoll;
        this.threads = threads;
    }

    /** Threads for {@code channels} channels (daemon threads, named {@code gridwork-client-*}). */
    static EventLoops create(int channels) {
        int count = Math.max(1, channels);
        List<Thread> started = new CopyOnWriteArrayList<>();
        DefaultThreadFactory names = new DefaultThreadFactory("gridwork-client", true);
        java.util.concurrent.ThreadFactory threadFactory = task -> {
            Thread thread = names.newThread(task);
            started.add(thread);
            return thread;
        };
        if (Epoll.isAvailable()) {
            return new EventLoops(new EpollEventLoopGroup(count, threadFactory), true, started);
        }
        return new EventLoops(new NioEventLoopGroup(count, threadFactory), false, started);
    }

    /** A channel builder on these threads. */
    NettyChannelBuilder channelBuilder(String target, io.grpc.ChannelCredentials credentials) {
        return NettyChannelBuilder.forTarget(target, credentials).eventLoopGroup(group)
                .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
    }

    /** Ends the threads (after the channels are shut down), waiting for them at most {@value #CLOSE_TIMEOUT_MS} ms. */
    void close() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_TIMEOUT_MS);
        group.shutdownGracefully(0, CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        boolean interrupted = false;
        for (Thread thread : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0 || thread == Thread.currentThread()) {
                continue;
            }
            try {
                thread.join(left);
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
