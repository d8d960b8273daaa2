package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.MasterInfoRepository;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Named values in {@code master_info}, such as the epoch. */
public final class JdbcMasterInfoRepository implements MasterInfoRepository {

    private final Jdbc jdbc;

    public JdbcMasterInfoRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public long nextEpoch() {
        return jdbc.inTransaction(c -> {
            long epoch = read(c, "epoch", true).map(Long::parseLong).orElse(0L) + 1;
            write(c, "epoch", Long.toString(epoch));
            return epoch;
        });
    }

    /** The value of {@code name}, locked until the transaction ends if {@code forUpdate}. */
    private static Optional<String> read(Connection c, String name, boolean forUpdate) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT val FROM master_info WHERE name = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private void write(Connection c, String name, String value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(jdbc.dialect().upsert("master_info", List.of("name"),
                List.of("name", "val")))) {
            s.setString(1, name);
            s.setString(2, value);
            s.executeUpdate();
        }
    }
}
