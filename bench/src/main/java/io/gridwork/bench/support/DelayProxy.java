package io.gridwork.bench.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP proxy on loopback between two processes, for fault injection: it can be cut (every connection reset,
 * new ones refused) and restored on the same port, and it can add a fixed latency to every byte in each
 * direction (a delay line: throughput is not limited, each chunk is held back by the same time).
 */
public final class DelayProxy implements AutoCloseable {

    private record Chunk(byte[] data, long dueNanos) {}

    private final InetSocketAddress target;
    private final long delayNanos;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final int port;
    private volatile ServerSocket server;

    /**
     * @param port the port to listen on (0: a free one)
     * @param delayMillis latency added in each direction
     */
    public DelayProxy(int port, InetSocketAddress target, long delayMillis) throws IOException {
        this.target = target;
        this.delayNanos = delayMillis * 1_000_000L;
        this.port = listen(port);
    }

    public int port() {
        return port;
    }

    private int listen(int onPort) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
        server = s;
        daemon("proxy-accept-" + s.getLocalPort(), () -> acceptLoop(s));
        return s.getLocalPort();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream;
                try {
                    upstream = new Socket(target.getAddress(), target.getPort());
                } catch (IOException refused) {
                    client.close();
                    continue;
                }
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                forward(client, upstream);
                forward(upstream, client);
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void forward(Socket from, Socket to) {
        BlockingQueue<Chunk> line = new LinkedBlockingQueue<>();
        daemon("proxy-read", () -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    line.add(new Chunk(java.util.Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos));
                }
            } catch (IOException e) {
                // the connection ended
            } finally {
                line.add(new Chunk(null, System.nanoTime() + delayNanos));
            }
        });
        daemon("proxy-write", () -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk c = line.take();
                    long wait = c.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    }
                    if (c.data() == null) {
                        break;
                    }
                    out.write(c.data());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    /** Breaks the link: every connection is reset and new ones are refused. */
    public void cut() {
        closeQuietly(server);
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
            } catch (IOException ignored) {
                // closing anyway
            }
            closeQuietly(s);
        }
        sockets.clear();
    }

    /** Heals the link, on the same port. */
    public void restore() throws IOException {
        listen(port);
    }

    @Override
    public void close() {
        cut();
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception ignored) {
            // already closed
        }
    }
}
