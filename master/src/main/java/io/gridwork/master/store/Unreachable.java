package io.gridwork.master.store;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;

/** Says why a database could not be reached, from the exception its driver threw. */
final class Unreachable {

    /** H2: the database file is locked by another process. */
    private static final int H2_DATABASE_ALREADY_OPEN = 90020;

    private Unreachable() {}

    static StoreException describe(StoreConfig config, Throwable failure) {
        String where = "cannot open the store at " + redact(config.jdbcUrl()) + ": ";
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnknownHostException) {
                return new StoreUnavailableException(where + "unknown host " + t.getMessage(), failure);
            }
            if (t instanceof ConnectException) {
                return new StoreUnavailableException(where + "connection refused (is the database running?)", failure);
            }
            if (t instanceof NoRouteToHostException || t instanceof SocketTimeoutException) {
                return new StoreUnavailableException(where + "the host cannot be reached: " + t.getMessage(), failure);
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState() == null ? "" : sql.getSQLState();
                if (state.startsWith("28")) {
                    return new StoreUnavailableException(where + "authentication failed for user '" + config.user()
                            + "' (check --store-user and the password)", failure);
                }
                if (state.equals("3D000")) {
                    return new StoreUnavailableException(where + "the database does not exist", failure);
                }
                if (sql.getErrorCode() == H2_DATABASE_ALREADY_OPEN) {
                    return new StoreUnavailableException(where + "the database is already in use by another process",
                            failure);
                }
                if (state.startsWith("08")) {
                    return new StoreUnavailableException(where + firstLine(sql.getMessage()), failure);
                }
            }
        }
        return new StoreException(where + firstLine(String.valueOf(failure.getMessage())), failure);
    }

    /** The URL without its parameters, which may hold a password. */
    static String redact(String jdbcUrl) {
        int q = jdbcUrl.indexOf('?');
        return q < 0 ? jdbcUrl : jdbcUrl.substring(0, q);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.split("\n")[0];
    }
}
