package io.gridwork.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;

/**
 * Clients that misbehave towards an HTTP port, for tests of servers that must outlast them: connections that send
 * half a request line and wait, a TLS hello sent to a plain port, a silent connection, and one-off raw requests (a
 * 1 MB URL) whose status line is read back. Everything is on loopback, bounded in count, and closed by {@link #close()}.
 */
public final class SlowClients implements AutoCloseable {

    private final String host;
    private final int port;
    private final List<Socket> sockets = new ArrayList<>();

    public SlowClients(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** {@code n} connections that send the start of a request line, no end of line, and then nothing. */
    public SlowClients halfRequestLines(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Socket s = connect();
            s.getOutputStream().write("GET /api/overvi".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        return this;
    }

    /** {@code n} connections that send a request line and one header, and never the blank line that ends the head. */
    public SlowClients unfinishedHeads(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Socket s = connect();
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        return this;
    }

    /** {@code n} connections that send a TLS ClientHello (to a plain HTTP port) and wait for an answer that never suits them. */
    public SlowClients tlsHellos(int n) throws IOException {
        byte[] hello = clientHello();
        for (int i = 0; i < n; i++) {
            Socket s = connect();
            s.getOutputStream().write(hello);
            s.getOutputStream().flush();
        }
        return this;
    }

    /** {@code n} connections that send nothing at all (to a TLS port: a handshake never begun). */
    public SlowClients silent(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            connect();
        }
        return this;
    }

    /** {@code n} TLS connections that finish the handshake, then send half a request line and wait. */
    public SlowClients halfRequestLinesOverTls(int n, SSLContext tls) throws IOException {
        for (int i = 0; i < n; i++) {
            Socket plain = connect();
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
            sockets.add(s);
            s.startHandshake();
            s.getOutputStream().write("GET /api/overvi".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        return this;
    }

    /** How many of the connections opened the server has closed (a read ends or fails at once). */
    public int closedByServer() {
        int closed = 0;
        for (Socket s : sockets) {
            try {
                s.setSoTimeout(1);
                InputStream in = s.getInputStream();
                // an answer (400 or 408) followed by the end also counts as closed
                while (true) {
                    int b = in.read();
                    if (b < 0) {
                        closed++;
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException e) {
                // still open
            } catch (IOException e) {
                closed++;
            }
        }
        return closed;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(new InetSocketAddress(host, port), 5_000);
        return s;
    }

    @Override
    public void close() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        sockets.clear();
    }

    /**
     * Sends {@code request} on a new connection (from another thread, as the server may answer and close before it has
     * read it all) and returns the head of the answer: the status line and the headers, up to the blank line.
     */
    public static String rawExchange(String host, int port, byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5_000);
            s.setSoTimeout(10_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(request);
                    out.flush();
                } catch (IOException e) {
                    // the server answered and closed before reading it all: the answer is what the test looks at
                }
            }, "raw-request-writer");
            writer.setDaemon(true);
            writer.start();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                String text = head.toString(StandardCharsets.ISO_8859_1);
                if (text.endsWith("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** A request with a request line of about {@code bytes} bytes. */
    public static byte[] longUrl(String path, int bytes) {
        return ("GET " + path + "?pad=" + "a".repeat(bytes) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A request with a header of about {@code bytes} bytes. */
    public static byte[] bigHeader(String path, int bytes) {
        return ("GET " + path + " HTTP/1.1\r\nHost: x\r\nX-Pad: " + "a".repeat(bytes) + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The first flight of a TLS client: what a client configured for HTTPS sends to a port that turns out to be plain. */
    static byte[] clientHello() throws IOException {
        try {
            SSLEngine engine = SSLContext.getDefault().createSSLEngine("localhost", 443);
            engine.setUseClientMode(true);
            engine.beginHandshake();
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), out);
            out.flip();
            byte[] bytes = new byte[out.remaining()];
            out.get(bytes);
            return bytes;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }
}
