package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.MasterInfoRepository;
import io.gridwork.master.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Named values in {@code master_info}: the epoch, the shared CA, the peer secret. */
public final class JdbcMasterInfoRepository implements MasterInfoRepository {

    private final Jdbc jdbc;

    public JdbcMasterInfoRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public long nextEpoch() {
        return jdbc.inTransaction(this::nextEpoch);
    }

    /** The same, inside a transaction the caller holds (the epoch's row stays locked until it ends). */
    public long nextEpoch(Connection c) throws SQLException {
        long epoch = read(c, "epoch", true).map(Long::parseLong).orElse(0L) + 1;
        write(c, "epoch", Long.toString(epoch));
        return epoch;
    }

    @Override
    public Optional<String> value(String name) {
        return jdbc.query("SELECT val FROM master_info WHERE name = ?", s -> s.setString(1, name), rs -> rs.getString(1))
                .stream().findFirst();
    }

    @Override
    public String valueIfAbsent(String name, String value) {
        Optional<String> stored = value(name);
        if (stored.isPresent()) {
            return stored.get();
        }
        try {
            // its own transaction: on PostgreSQL a failed insert spoils the transaction it is in
            jdbc.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO master_info (name, val) VALUES (?, ?)")) {
                    s.setString(1, name);
                    s.setString(2, value);
                    s.executeUpdate();
                }
                return null;
            });
            return value;
        } catch (StoreException e) {
            // Another master stored one at the same moment: its value is the one.
            return value(name).orElseThrow(() -> e);
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
