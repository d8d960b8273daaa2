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
 * Quartz jar ships for H2 ({@code org/quartz/impl/jdbcjobstore/tables_h2.sql}), so they always match the Quartz
 * version on the class path when they are first created.
 */
public class V5__Quartz_job_store extends BaseJavaMigration {

    static final String SCHEMA = "org/quartz/impl/jdbcjobstore/tables_h2.sql";

    @Override
    public void migrate(Context context) throws Exception {
        try (Statement statement = context.getConnection().createStatement()) {
            for (String sql : statements(read())) {
                statement.execute(sql);
            }
        }
    }

    private static String read() throws IOException {
        try (InputStream in = org.quartz.Scheduler.class.getClassLoader().getResourceAsStream(SCHEMA)) {
            if (in == null) {
                throw new IllegalStateException("the Quartz jar has no " + SCHEMA);
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
