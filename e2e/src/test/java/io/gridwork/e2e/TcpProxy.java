package io.gridwork.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that a test can cut (every connection reset, new ones refused) and restore on the
 * same port, to break one link while both ends stay up. It can also delay every chunk it forwards.
 */
final class TcpProxy implements AutoCloseable {

    private final InetSocketAddress target;
    private final long delayMs;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private final int port;

    TcpProxy(int port, InetSocketAddress target, long delayMs) throws IOException {
        this.target = target;
        this.delayMs = delayMs;
        this.port = listen(port);
    }

    int port() {
        return port;
    }

    private int listen(int onPort) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
        server = s;
        Thread accept = new Thread(() -> acceptLoop(s), "proxy-accept");
        accept.setDaemon(true);
        accept.start();
        return s.getLocalPort();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                // closed, or the target refused: the client sees its connection drop
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (delayMs > 0) {
                        Thread.sleep(delayMs);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Breaks the link: every connection is reset and new ones are refused. */
    void cut() {
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

    /** Heals the link on the same port. */
    void restore() throws IOException {
        listen(port);
    }

    @Override
    public void close() {
        cut();
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
