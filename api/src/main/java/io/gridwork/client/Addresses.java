package io.gridwork.client;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * The addresses of a comma-separated list ({@code m1:7070,m2:7070}; one address is a list of one), trimmed, in
     * order, each once.
     *
     * @throws IllegalArgumentException naming {@code what} if the list is empty or an entry is not {@code HOST:PORT}
     */
    public static List<String> parseList(String list, String what) {
        String text = list == null ? "" : list.trim();
        if (text.isEmpty()) {
            throw new IllegalArgumentException(what + " must be HOST:PORT or a comma-separated list of them, got ''");
        }
        List<String> addresses = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String address = part.trim();
            if (address.isEmpty()) {
                throw new IllegalArgumentException(what + ": empty address in '" + list + "'");
            }
            parse(address, what);
            if (!addresses.contains(address)) {
                addresses.add(address);
            }
        }
        return List.copyOf(addresses);
    }
}
