package db.migration;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * The tables of Quartz's JDBC job store, where the master keeps its schedules. They are created from the schema the
 * Quartz jar ships for the database ({@code org/quartz/impl/jdbcjobstore/tables_h2.sql} or {@code
 * tables_postgres.sql}), so they always match the Quartz version on the class path when they are first created.
 *
 * <p>The store passes this migration to Flyway itself (it is not found by scanning), so it keeps the class name, and
 * the history entry, that H2 stores created before PostgreSQL support recorded.
 */
public class V5__Quartz_job_store extends BaseJavaMigration {

    static final String SCHEMA = "org/quartz/impl/jdbcjobstore/tables_h2.sql";
    static final String POSTGRES_SCHEMA = "org/quartz/impl/jdbcjobstore/tables_postgres.sql";

    @Override
    public void migrate(Context context) throws Exception {
        String product = context.getConnection().getMetaData().getDatabaseProductName();
        String schema = product.toLowerCase(java.util.Locale.ROOT).contains("postgres") ? POSTGRES_SCHEMA : SCHEMA;
        try (Statement statement = context.getConnection().createStatement()) {
            for (String sql : statements(read(schema))) {
                statement.execute(sql);
            }
        }
    }

    private static String read(String schema) throws IOException {
        try (InputStream in = org.quartz.Scheduler.class.getClassLoader().getResourceAsStream(schema)) {
            if (in == null) {
                throw new IllegalStateException("the Quartz jar has no " + schema);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The script's statements: comment lines dropped, split at semicolons, its closing COMMIT left to Flyway. */
    static List<String> statements(String script) {
        StringBuilder text = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.trim().startsWith("--")) {
                text.append(line).append('\n');
            }
        }
        List<String> out = new ArrayList<>();
        for (String part : text.toString().split(";")) {
            String sql = part.trim();
            if (!sql.isEmpty() && !sql.equalsIgnoreCase("COMMIT")) {
                out.add(sql);
            }
        }
        return out;
    }
}
