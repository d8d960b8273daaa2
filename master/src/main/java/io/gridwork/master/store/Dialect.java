package io.gridwork.master.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The databases the store runs on, with what differs in their SQL: upserts ({@code MERGE ... KEY} in H2, {@code
 * INSERT ... ON CONFLICT} in PostgreSQL), reading a sequence, and returning a generated key. Row locks ({@code
 * SELECT ... FOR UPDATE}), {@code LIMIT} and the types the store binds are the same in both; binary columns are
 * {@code VARBINARY}/{@code BLOB} in H2 and {@code BYTEA} in PostgreSQL, read and written as bytes in both.
 */
public enum Dialect {
    H2("jdbc:h2:", "h2"),
    POSTGRES("jdbc:postgresql:", "postgresql");

    private final String urlPrefix;
    private final String vendor;

    Dialect(String urlPrefix, String vendor) {
        this.urlPrefix = urlPrefix;
        this.vendor = vendor;
    }

    /**
     * The dialect of a JDBC URL.
     *
     * @throws IllegalArgumentException naming {@code --store} for a URL of another database
     */
    public static Dialect of(String jdbcUrl) {
        String url = StoreConfig.lower(jdbcUrl.strip());
        for (Dialect d : values()) {
            if (url.startsWith(d.urlPrefix)) {
                return d;
            }
        }
        throw new IllegalArgumentException(StoreConfig.OPTION + ": unsupported database URL '" + jdbcUrl
                + "': use jdbc:postgresql://HOST:PORT/DB, or jdbc:h2:... for the embedded store");
    }

    public boolean isPostgres() {
        return this == POSTGRES;
    }

    /**
     * Inserts a row, or updates the row with the same key: parameters are the {@code columns} in order.
     *
     * @param keys the columns of the primary key (or a unique constraint), a prefix of {@code columns}
     */
    public String upsert(String table, List<String> keys, List<String> columns) {
        String placeholders = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
        String cols = String.join(", ", columns);
        if (this == H2) {
            return "MERGE INTO " + table + " (" + cols + ") KEY (" + String.join(", ", keys) + ") VALUES (" + placeholders
                    + ")";
        }
        String updates = columns.stream().filter(c -> !keys.contains(c)).map(c -> c + " = EXCLUDED." + c)
                .collect(Collectors.joining(", "));
        return "INSERT INTO " + table + " (" + cols + ") VALUES (" + placeholders + ") ON CONFLICT ("
                + String.join(", ", keys) + ") " + (updates.isEmpty() ? "DO NOTHING" : "DO UPDATE SET " + updates);
    }

    /** A query of one row and column: the next value of a sequence. */
    public String nextValue(String sequence) {
        return this == H2 ? "SELECT NEXT VALUE FOR " + sequence : "SELECT nextval('" + sequence + "')";
    }

    /** The next {@code count} values of {@code sequence}, one row each (bound parameter: the count). */
    public String nextValues(String sequence) {
        return this == H2 ? "SELECT NEXT VALUE FOR " + sequence + " FROM SYSTEM_RANGE(1, ?)"
                : "SELECT nextval('" + sequence + "') FROM generate_series(1, ?)";
    }

    /** An insert whose {@link Statement#getGeneratedKeys()} holds the generated value of {@code column}. */
    public PreparedStatement prepareInsertReturning(Connection c, String sql, String column) throws SQLException {
        // pgjdbc returns every column for RETURN_GENERATED_KEYS; named, it returns just this one.
        return this == H2 ? c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)
                : c.prepareStatement(sql, new String[] {column});
    }

    /**
     * The store's clock, as an SQL expression of a {@code TIMESTAMP WITH TIME ZONE}: leases are timed by it, so the
     * masters' own clocks need not agree. PostgreSQL's {@code clock_timestamp()} moves within a transaction; H2's
     * {@code CURRENT_TIMESTAMP} is the transaction's start, which is as good for the short transactions of leases.
     */
    public String now() {
        return this == H2 ? "CURRENT_TIMESTAMP" : "clock_timestamp()";
    }

    /** An SQL expression of the milliseconds from the timestamp {@code column} to {@link #now()}, as a BIGINT. */
    public String millisSince(String column) {
        return this == H2 ? "DATEDIFF(MILLISECOND, " + column + ", CURRENT_TIMESTAMP)"
                : "CAST(EXTRACT(EPOCH FROM (clock_timestamp() - " + column + ")) * 1000 AS BIGINT)";
    }

    /** The folder of this database's own migrations, beside the common ones (Flyway's {@code {vendor}}). */
    public String vendor() {
        return vendor;
    }
}
