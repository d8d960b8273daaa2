package io.gridwork.bench;

import io.gridwork.internal.tls.Certificates;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling: how many small messages one gRPC bidirectional stream carries between two JVMs on this machine, over
 * TLS as the master's streams are. The echo side runs in its own JVM ({@code grid bench stream-echo}); the client sends
 * as fast as flow control lets it and counts the echoes.
 */
final class RawStream {

    static final String SERVICE = "gridwork.bench.Echo";

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Echo"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private RawStream() {}

    /**
     * Serves the echo on a free loopback port with a fresh self-signed certificate; writes the port and the certificate
     * (PEM) to {@code dir}, then serves until the process ends.
     */
    static void serve(Path dir) throws Exception {
        KeyPair caKeys = Certificates.newKeyPair();
        X509Certificate ca = Certificates.newCa(caKeys, Duration.ofDays(1));
        KeyPair keys = Certificates.newKeyPair();
        X509Certificate cert = Certificates.issue(keys.getPublic(), "echo", ca, caKeys.getPrivate(), Duration.ofDays(1),
                true, false, java.util.List.of("localhost", "127.0.0.1"));
        ServerServiceDefinition echo = ServerServiceDefinition.builder(SERVICE)
                .addMethod(ECHO, ServerCalls.asyncBidiStreamingCall(responses -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        responses.onNext(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        // the client went away
                    }

                    @Override
                    public void onCompleted() {
                        responses.onCompleted();
                    }
                }))
                .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                        TlsServerCredentials.newBuilder().keyManager(Certificates.keyManagers(keys.getPrivate(), cert, ca)).build())
                .addService(echo)
                .build()
                .start();
        Files.writeString(dir.resolve("echo.pem"), Certificates.pem(ca));
        Files.writeString(dir.resolve("echo.port.tmp"), Integer.toString(server.getPort()));
        Files.move(dir.resolve("echo.port.tmp"), dir.resolve("echo.port"));
        server.awaitTermination();
    }

    /** A channel to the echo side, trusting its certificate. */
    static ManagedChannel connect(Path dir) throws IOException {
        int port = Integer.parseInt(Files.readString(dir.resolve("echo.port")).trim());
        byte[] ca = Files.readAllBytes(dir.resolve("echo.pem"));
        return NettyChannelBuilder.forAddress("127.0.0.1", port,
                        TlsChannelCredentials.newBuilder().trustManager(new ByteArrayInputStream(ca)).build())
                .overrideAuthority("localhost")
                .build();
    }

    /** The median round trip of one message on one stream (the next is sent when the echo is back), in nanoseconds. */
    static long pingPong(ManagedChannel channel, int rounds) throws InterruptedException {
        java.util.concurrent.BlockingQueue<byte[]> echoes = new java.util.concurrent.LinkedBlockingQueue<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(ECHO, CallOptions.DEFAULT),
                new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        echoes.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        long[] nanos = new long[rounds];
        byte[] payload = new byte[32];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            requests.onNext(payload);
            if (echoes.poll(10, TimeUnit.SECONDS) == null) {
                throw new IllegalStateException("no echo");
            }
            nanos[i] = System.nanoTime() - start;
        }
        requests.onCompleted();
        java.util.Arrays.sort(nanos);
        return nanos[rounds / 2];
    }

    /**
     * Sends {@code messages} messages of {@code size} bytes on one stream, as fast as flow control allows, and
     * returns the echoes received per second.
     */
    static double rate(ManagedChannel channel, long messages, int size) throws InterruptedException {
        byte[] payload = new byte[size];
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong received = new AtomicLong();
        long[] startNanos = new long[1];
        ClientResponseObserver<byte[], byte[]> observer = new ClientResponseObserver<>() {
            private long sent;

            @Override
            public void beforeStart(ClientCallStreamObserver<byte[]> requests) {
                requests.setOnReadyHandler(() -> {
                    while (requests.isReady() && sent < messages) {
                        requests.onNext(payload);
                        sent++;
                    }
                    if (sent == messages) {
                        sent++;
                        requests.onCompleted();
                    }
                });
            }

            @Override
            public void onNext(byte[] value) {
                received.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        };
        startNanos[0] = System.nanoTime();
        ClientCalls.asyncBidiStreamingCall(channel.newCall(ECHO, CallOptions.DEFAULT), observer);
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("the echo stream did not finish");
        }
        double seconds = (System.nanoTime() - startNanos[0]) / 1e9;
        if (received.get() != messages) {
            throw new IllegalStateException("sent " + messages + " messages, " + received.get() + " came back");
        }
        return messages / seconds;
    }
}
