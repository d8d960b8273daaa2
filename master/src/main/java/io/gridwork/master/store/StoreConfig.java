package io.gridwork.master.store;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Where the master's store lives: a JDBC URL of H2 ({@code jdbc:h2:}, the embedded default) or PostgreSQL
 * ({@code jdbc:postgresql://HOST:PORT/DB}), and the credentials. Validated when built; {@link #toString()} hides
 * the password.
 *
 * @param user the database user, or null for the driver's default
 * @param password the password, or null for none
 */
public record StoreConfig(String jdbcUrl, String user, String password) {

    /** The option that names the store on the command line, used in error messages. */
    public static final String OPTION = "--store";

    public StoreConfig {
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw new IllegalArgumentException(OPTION + ": a JDBC URL is required, such as jdbc:postgresql://HOST:PORT/DB");
        }
        jdbcUrl = jdbcUrl.strip();
        Dialect.of(jdbcUrl);
    }

    /**
     * The embedded H2 store in {@code dataDir/gridwork.mv.db}, as the master uses by default. Each connection keeps
     * {@value #H2_QUERY_CACHE} parsed statements (H2's default is 8: the journal's connection alone runs more kinds of
     * statement than that in one group commit, and parsed each one anew every time).
     */
    public static StoreConfig h2(Path dataDir) {
        return new StoreConfig("jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("gridwork")
                + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;MAX_COMPACT_TIME=2000;QUERY_CACHE_SIZE=" + H2_QUERY_CACHE, "sa", "");
    }

    /** Parsed statements each H2 connection keeps. */
    static final int H2_QUERY_CACHE = 128;

    /** A private in-memory H2 store, kept until the JVM ends; for tests. */
    public static StoreConfig h2InMemory(String name) {
        return new StoreConfig("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "");
    }

    /**
     * A store from user input (an option, the configuration file or the environment).
     *
     * @throws IllegalArgumentException naming {@code --store} if the URL is missing or of another database
     */
    public static StoreConfig parse(String jdbcUrl, String user, String password) {
        return new StoreConfig(jdbcUrl, blankToNull(user), password);
    }

    /** The database this configuration names. */
    public Dialect dialect() {
        return Dialect.of(jdbcUrl);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public String toString() {
        return "StoreConfig[" + jdbcUrl + ", user=" + user + (password == null || password.isEmpty() ? "" : ", password=***")
                + "]";
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
