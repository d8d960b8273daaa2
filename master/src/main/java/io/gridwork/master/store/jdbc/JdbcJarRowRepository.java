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
    public boolean keepsBytes() {
        return jdbc.dialect() == io.gridwork.master.store.Dialect.POSTGRES;
    }

    @Override
    public void putBytes(String sha256, java.nio.file.Path file) {
        if (!keepsBytes()) {
            return;
        }
        jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO jar_bytes (sha256, data) VALUES (?, ?) "
                    + "ON CONFLICT (sha256) DO NOTHING");
                    java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
                s.setString(1, sha256);
                s.setBinaryStream(2, in, java.nio.file.Files.size(file));
                s.executeUpdate();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return null;
        });
    }

    @Override
    public boolean copyBytes(String sha256, java.nio.file.Path target) {
        if (!keepsBytes()) {
            return false;
        }
        return jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT data FROM jar_bytes WHERE sha256 = ?")) {
                s.setString(1, sha256);
                try (java.sql.ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    try (java.io.InputStream in = rs.getBinaryStream(1)) {
                        java.nio.file.Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return true;
                }
            }
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
