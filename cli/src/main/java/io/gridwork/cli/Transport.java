package io.gridwork.cli;

import io.gridwork.client.GridException;
import io.grpc.Status;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says in plain words why the master could not be reached, from the transport's failure: "connection refused: is the
 * master running?" rather than "io exception", and an HTTP port (the master's dashboard) named as such.
 */
final class Transport {

    /** The start of the message the client gives to a master it cannot reach, or whose TLS handshake failed. */
    private static final Pattern TARGET =
            Pattern.compile("^(?:cannot reach the master at (\\S+?): |TLS with the master at (\\S+?) failed)");
    /** "HTTP/1." in hex, as Netty shows the first bytes of a reply that is not TLS or HTTP/2. */
    private static final String HTTP_HEX = "485454502f312e";

    private Transport() {}

    /**
     * The one-line message for a failed call, in plain words where the transport's own are obscure; {@code target}
     * is the address the command called (null if not known), for messages that do not name it.
     */
    static String describe(GridException e, String target) {
        if (e.code() != Status.Code.UNAVAILABLE && e.code() != Status.Code.INTERNAL && e.code() != Status.Code.UNKNOWN) {
            return e.getMessage();
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        Matcher m = TARGET.matcher(message);
        boolean named = m.find();
        if (named) {
            target = m.group(1) != null ? m.group(1) : m.group(2);
        } else if (target == null || target.contains(",")) {
            target = null; // several masters: the message names the one at fault, if any
        }
        if (answeredHttp(e)) {
            return (target == null ? "the master" : "the master at " + target) + " answered HTTP, not gRPC: this "
                    + "looks like the master's dashboard (HTTP) port; give the master's gRPC port (the master's --port, "
                    + "default " + defaultPort() + ") with --master HOST:PORT";
        }
        if (!named || e.isTlsFailure()) {
            // several masters: "no master of A,B answered ...; last: cannot reach the master at B: io exception"
            boolean refused = chain(e).stream().anyMatch(t -> t instanceof ConnectException);
            return refused ? message.replace(": io exception", ": connection refused") : message;
        }
        for (Throwable t : chain(e)) {
            if (t instanceof ConnectException) {
                return "cannot reach the master at " + target + ": connection refused: is the master running?";
            }
            if (t instanceof UnknownHostException) {
                return "cannot reach the master at " + target + ": unknown host " + host(target);
            }
            if (t instanceof NoRouteToHostException) {
                return "cannot reach the master at " + target + ": no route to host " + host(target);
            }
            if (t instanceof SocketTimeoutException
                    || t.getClass().getSimpleName().equals("ConnectTimeoutException")) {
                return "cannot reach the master at " + target + ": the connection timed out (is the host up, and "
                        + "does a firewall let the port through?)";
            }
        }
        if (message.endsWith(": Network closed for unknown reason")) {
            return message.substring(0, message.length() - "Network closed for unknown reason".length())
                    + "the connection was closed at once (a master that uses TLS closes plaintext connections: "
                    + "leave out --insecure)";
        }
        if (e.code() == Status.Code.UNAVAILABLE && message.endsWith(": io exception")) {
            return message.substring(0, message.length() - "io exception".length())
                    + "the connection failed (" + rootMessage(e) + ")";
        }
        return message;
    }

    /** Whether the call failed because the address is an HTTP port (the master's dashboard), not the master's. */
    static boolean answeredHttp(GridException e) {
        return (e.code() == Status.Code.UNAVAILABLE || e.code() == Status.Code.INTERNAL
                || e.code() == Status.Code.UNKNOWN) && looksLikeHttp(e);
    }

    /** Whether the other side spoke HTTP/1 (a dashboard, a web server) rather than gRPC over HTTP/2. */
    private static boolean looksLikeHttp(Throwable e) {
        for (Throwable t : chain(e)) {
            String text = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (text.contains(HTTP_HEX) || text.contains("http/1.") || text.contains("alpn")
                    || text.contains("first received frame was not settings")) {
                return true;
            }
        }
        return false;
    }

    private static List<Throwable> chain(Throwable e) {
        List<Throwable> all = new ArrayList<>();
        for (Throwable t = e; t != null && all.size() < 20; t = t.getCause() == t ? null : t.getCause()) {
            all.add(t);
        }
        return all;
    }

    private static String rootMessage(Throwable e) {
        List<Throwable> all = chain(e);
        Throwable root = all.get(all.size() - 1);
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage().split("\n")[0];
    }

    private static String host(String target) {
        int colon = target.lastIndexOf(':');
        return colon > 0 ? target.substring(0, colon) : target;
    }

    private static int defaultPort() {
        return ClientOptions.DEFAULT_PORT;
    }
}
