package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.MasterInfoRepository;
import io.gridwork.master.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Named values in {@code master_info}: the epoch and the master's id. */
public final class JdbcMasterInfoRepository implements MasterInfoRepository {

    private static final String MASTER_ID = "master_id";

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

    /** The master's id, created (a random UUID) if it has none yet. */
    @Override
    public String masterId() {
        Optional<String> id = jdbc.query("SELECT val FROM master_info WHERE name = ?", s -> s.setString(1, MASTER_ID),
                rs -> rs.getString(1)).stream().findFirst();
        if (id.isPresent()) {
            return id.get();
        }
        try {
            String created = UUID.randomUUID().toString();
            jdbc.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO master_info (name, val) VALUES (?, ?)")) {
                    s.setString(1, MASTER_ID);
                    s.setString(2, created);
                    s.executeUpdate();
                }
                return null;
            });
            return created;
        } catch (StoreException e) {
            // Another master created it at the same moment: its id is the one.
            return jdbc.query("SELECT val FROM master_info WHERE name = ?", s -> s.setString(1, MASTER_ID),
                    rs -> rs.getString(1)).stream().findFirst().orElseThrow(() -> e);
        }
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
