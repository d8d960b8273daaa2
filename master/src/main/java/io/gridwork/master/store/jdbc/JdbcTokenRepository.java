package io.gridwork.master.store.jdbc;

import io.gridwork.master.model.Role;
import io.gridwork.master.store.TokenRepository;
import io.gridwork.master.store.TokenRow;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Tokens in the {@code token} table. */
public final class JdbcTokenRepository implements TokenRepository {

    private static final String COLUMNS = "id, name, role, secret_sha256, created_at, expires_at, revoked_at, created_by";

    private final Jdbc jdbc;

    public JdbcTokenRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void insert(TokenRow t) {
        jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO token (" + COLUMNS + ") "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, t.id());
                s.setString(2, t.name());
                s.setString(3, t.role().name());
                s.setString(4, t.secretSha256());
                s.setTimestamp(5, Timestamp.from(t.createdAt()));
                s.setTimestamp(6, Jdbc.timestamp(t.expiresAt()));
                s.setTimestamp(7, Jdbc.timestamp(t.revokedAt()));
                s.setString(8, t.createdBy());
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<TokenRow> find(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM token WHERE id = ?", s -> s.setString(1, id),
                JdbcTokenRepository::row).stream().findFirst();
    }

    @Override
    public List<TokenRow> list(boolean includeRevoked) {
        return jdbc.query("SELECT " + COLUMNS + " FROM token" + (includeRevoked ? "" : " WHERE revoked_at IS NULL")
                + " ORDER BY created_at, id", s -> {}, JdbcTokenRepository::row);
    }

    @Override
    public List<TokenRow> revoke(String idOrName, Instant at) {
        return jdbc.inTransaction(c -> {
            List<TokenRow> targets = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM token WHERE (id = ? OR name = ?) "
                    + "AND revoked_at IS NULL FOR UPDATE")) {
                s.setString(1, idOrName);
                s.setString(2, idOrName);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        targets.add(row(rs));
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE token SET revoked_at = ? WHERE id = ?")) {
                for (TokenRow t : targets) {
                    s.setTimestamp(1, Timestamp.from(at));
                    s.setString(2, t.id());
                    s.addBatch();
                }
                s.executeBatch();
            }
            List<TokenRow> revoked = new ArrayList<>();
            for (TokenRow t : targets) {
                revoked.add(new TokenRow(t.id(), t.name(), t.role(), t.secretSha256(), t.createdAt(), t.expiresAt(), at,
                        t.createdBy()));
            }
            return revoked;
        });
    }

    private static TokenRow row(ResultSet rs) throws SQLException {
        return new TokenRow(rs.getString(1), rs.getString(2), Role.valueOf(rs.getString(3)), rs.getString(4),
                Jdbc.instant(rs, 5), Jdbc.instant(rs, 6), Jdbc.instant(rs, 7), rs.getString(8));
    }
}
