package io.gridwork.client;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fake masters served in-process for a test of the client, and a pool for what the test runs in the background; the
 * servers, their channels and the pool are shut down after each test. Register it on an instance field:
 * {@code @RegisterExtension final InProcessMasters masters = new InProcessMasters();}
 */
final class InProcessMasters implements AfterEachCallback {

    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    /** Serves {@code master} in-process; returns a channel to it. */
    ManagedChannel serve(BindableService master) throws IOException {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).directExecutor().addService(master).build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return channel;
    }

    /** Shuts {@code server} (one the test started itself) down after the test, with the in-process ones. */
    Server shutDownAfter(Server server) {
        servers.add(server);
        return server;
    }

    /** A client of these masters, tried in this order. */
    GridClient client(BindableService... masters) throws IOException {
        List<ManagedChannel> to = new ArrayList<>();
        for (BindableService m : masters) {
            to.add(serve(m));
        }
        return GridClient.over(to, null);
    }

    /** The {@code i}th server this test started, in the order they were started (to stop one: a master dies). */
    Server server(int i) {
        return servers.get(i);
    }

    /** The channel to the {@code i}th master served, in the order they were served. */
    ManagedChannel channel(int i) {
        return channels.get(i);
    }

    /** A pool for calls the test makes in the background. */
    ExecutorService executor() {
        return executor;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
