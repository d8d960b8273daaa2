package io.gridwork.master.store;

/** The databases the store runs on, with what differs in their SQL. */
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

    /** The folder of this database's own migrations, beside the common ones (Flyway's {@code {vendor}}). */
    public String vendor() {
        return vendor;
    }
}
