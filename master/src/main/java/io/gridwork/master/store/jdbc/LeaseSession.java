package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.StoreConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A master's own PostgreSQL session, outside the connection pool, holding a session-level advisory lock keyed by the
 * master's id for as long as the master lives: when its process dies, PostgreSQL ends the session and drops the
 * lock at once, which the other masters see in {@code pg_locks} (see {@link JdbcMasterRepository#sessionAlive}). A
 * session lost with its connection (PostgreSQL restarted, the network cut) is opened again by {@link #ensure()}.
 * Thread-safe.
 */
final class LeaseSession implements AutoCloseable {

    /** Seconds to wait for the database when (re)connecting: a renewal must not hang on a store that is down. */
    private static final int CONNECT_TIMEOUT_SECONDS = 2;

    private final StoreConfig config;
    private final long key;
    private Connection connection;
    private boolean closed;

    LeaseSession(StoreConfig config, String masterId) {
        this.config = config;
        this.key = key(masterId);
    }

    /** The advisory lock key of a master: the first 8 bytes of the SHA-256 of its id. */
    static long key(String masterId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(masterId.getBytes(StandardCharsets.UTF_8));
            long k = 0;
            for (int i = 0; i < 8; i++) {
                k = (k << 8) | (h[i] & 0xff);
            }
            return k;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Makes sure the session is open and holds the lock: checks the connection, and if it is gone opens a new one and
     * takes the lock again.
     *
     * @return whether the lock is held now (false if the database cannot be reached, or an old session of this
     *     master still holds the lock until PostgreSQL notices its connection is gone)
     */
    synchronized boolean ensure() {
        if (closed) {
            return false;
        }
        try {
            if (connection != null && connection.isValid(CONNECT_TIMEOUT_SECONDS)) {
                return true;
            }
            closeConnection();
            Properties p = new Properties();
            if (config.user() != null) {
                p.setProperty("user", config.user());
            }
            if (config.password() != null) {
                p.setProperty("password", config.password());
            }
            p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
            p.setProperty("tcpKeepAlive", "true");
            p.setProperty("ApplicationName", "gridwork-master-lease");
            connection = DriverManager.getConnection(config.jdbcUrl(), p);
            try (PreparedStatement s = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                s.setLong(1, key);
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return true;
                    }
                }
            }
            closeConnection();
            return false;
        } catch (SQLException e) {
            closeConnection();
            return false;
        }
    }

    /** Ends the session, which drops the lock (a clean shutdown, or a master declared DEAD). */
    @Override
    public synchronized void close() {
        closed = true;
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the session is gone either way
            }
            connection = null;
        }
    }
}
