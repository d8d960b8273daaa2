package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.JarRow;
import io.gridwork.master.store.JarRowRepository;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;

/** Jars in the {@code jar} table. */
public final class JdbcJarRowRepository implements JarRowRepository {

    private final Jdbc jdbc;

    public JdbcJarRowRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void put(JarRow jar) {
        jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(jdbc.dialect().upsert("jar", List.of("sha256"),
                    List.of("sha256", "size", "file_name", "uploaded_at")))) {
                s.setString(1, jar.sha256());
                s.setLong(2, jar.size());
                s.setString(3, jar.fileName());
                s.setTimestamp(4, Timestamp.from(jar.uploadedAt()));
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<JarRow> find(String sha256) {
        return jdbc.query("SELECT sha256, size, file_name, uploaded_at FROM jar WHERE sha256 = ?",
                s -> s.setString(1, sha256),
                rs -> new JarRow(rs.getString(1), rs.getLong(2), rs.getString(3), Jdbc.instant(rs, 4))).stream()
                .findFirst();
    }
}
