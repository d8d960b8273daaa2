package io.gridwork.cli;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fake master for the CLI tests: {@code service} served over a real plaintext connection on a loopback port of
 * its own, started before the class's tests and stopped after them. Register it on a static field:
 * <pre>{@code
 * static final FakeMaster fake = new FakeMaster();
 * @RegisterExtension static final FakeMasterServer master = new FakeMasterServer(fake);
 * }</pre>
 */
final class FakeMasterServer implements BeforeAllCallback, AfterAllCallback {

    private final BindableService service;
    private Server server;

    FakeMasterServer(BindableService service) {
        this.service = service;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        System.setProperty("gridwork.quiet.insecure", "true");
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build()
                .start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.shutdownNow();
    }

    /** {@code host:port} of the fake master. */
    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    /** {@code ARGS --master THIS --insecure}. */
    String[] withMaster(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 3);
        all[args.length] = "--master";
        all[args.length + 1] = address();
        all[args.length + 2] = "--insecure";
        return all;
    }
}
