package io.gridwork.client;

import java.net.InetSocketAddress;

/** Parses {@code host:port} addresses given by people, with a clear message when one is malformed. */
public final class Addresses {

    private Addresses() {}

    /**
     * The address {@code hostAndPort} names; {@code what} names the option or field for the error message.
     *
     * @throws IllegalArgumentException if it is not {@code HOST:PORT} with a port from 1 to 65535
     */
    public static InetSocketAddress parse(String hostAndPort, String what) {
        String text = hostAndPort == null ? "" : hostAndPort.trim();
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(what + " must be HOST:PORT, got '" + hostAndPort + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be HOST:PORT, got '" + hostAndPort + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + ": port must be from 1 to 65535, got " + port);
        }
        return InetSocketAddress.createUnresolved(host, port);
    }
}
