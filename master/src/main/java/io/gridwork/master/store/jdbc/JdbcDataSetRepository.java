package io.gridwork.master.store.jdbc;

import io.gridwork.internal.data.DataLayout;
import io.gridwork.master.store.DataSetRepository;
import io.gridwork.master.store.DataSetRow;
import io.gridwork.master.store.KeyValues;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Data sets in the {@code data_set} and {@code data_chunk} tables; the jobs reading them in {@code job.data_sets}. */
public final class JdbcDataSetRepository implements DataSetRepository {

    private static final String COLUMNS = "id, name, size, chunk_size, chunks, replicas_wanted, owner, created_at, "
            + "jar_sha256";
    private static final int CHUNK_ROWS_PER_STATEMENT = 256;

    private final Jdbc jdbc;

    public JdbcDataSetRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public DataSetRow put(DataSetRow d) {
        return jdbc.inTransaction(c -> {
            Optional<DataSetRow> existing = find(c, d.id());
            if (existing.isPresent()) {
                DataSetRow old = existing.get();
                if (d.replicasWanted() > old.replicasWanted()) {
                    try (PreparedStatement s = c.prepareStatement(
                            "UPDATE data_set SET replicas_wanted = ? WHERE id = ? AND replicas_wanted < ?")) {
                        s.setInt(1, d.replicasWanted());
                        s.setString(2, d.id());
                        s.setInt(3, d.replicasWanted());
                        s.executeUpdate();
                    }
                    return old.withReplicas(d.replicasWanted());
                }
                return old;
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO data_set (" + COLUMNS + ") "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, d.id());
                s.setString(2, Jdbc.truncate(d.name(), 500));
                s.setLong(3, d.size());
                s.setInt(4, d.chunkSize());
                s.setInt(5, d.chunks());
                s.setInt(6, d.replicasWanted());
                s.setString(7, Jdbc.truncate(d.owner(), 200));
                s.setTimestamp(8, Timestamp.from(d.createdAt()));
                s.setString(9, d.jarSha256());
                s.executeUpdate();
            }
            List<byte[]> hashes = d.chunkHashes();
            for (int from = 0; from < hashes.size(); from += CHUNK_ROWS_PER_STATEMENT) {
                int to = Math.min(hashes.size(), from + CHUNK_ROWS_PER_STATEMENT);
                try (PreparedStatement s = c.prepareStatement("INSERT INTO data_chunk (data_id, idx, sha256) VALUES (?, ?, ?)")) {
                    for (int i = from; i < to; i++) {
                        s.setString(1, d.id());
                        s.setInt(2, i);
                        s.setString(3, DataLayout.hex(hashes.get(i)));
                        s.addBatch();
                    }
                    s.executeBatch();
                }
            }
            return d;
        });
    }

    @Override
    public Optional<DataSetRow> find(String id) {
        return jdbc.inTransaction(c -> find(c, id));
    }

    @Override
    public Optional<DataSetRow> findByJar(String jarSha256) {
        return jdbc.inTransaction(c -> {
            String id;
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM data_set WHERE jar_sha256 = ? ORDER BY id")) {
                s.setString(1, jarSha256);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    id = rs.getString(1);
                }
            }
            return find(c, id);
        });
    }

    @Override
    public List<DataSetRow> all() {
        return jdbc.inTransaction(c -> {
            List<Header> headers = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM data_set ORDER BY created_at, id");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    headers.add(header(rs));
                }
            }
            Map<String, List<byte[]>> chunks = new LinkedHashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT data_id, sha256 FROM data_chunk ORDER BY data_id, idx");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    chunks.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(HEX.parseHex(rs.getString(2)));
                }
            }
            List<DataSetRow> rows = new ArrayList<>(headers.size());
            for (Header h : headers) {
                rows.add(h.row(chunks.getOrDefault(h.id, List.of())));
            }
            return rows;
        });
    }

    @Override
    public boolean referencedByCheckpoint(String id) {
        return !jdbc.query("SELECT 1 FROM task_checkpoint WHERE data_id = ?", s -> s.setString(1, id), rs -> 1)
                .isEmpty();
    }

    @Override
    public boolean delete(String id) {
        return jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM data_chunk WHERE data_id = ?")) {
                s.setString(1, id);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM data_set WHERE id = ?")) {
                s.setString(1, id);
                return s.executeUpdate() > 0;
            }
        });
    }

    @Override
    public void addCounters(Map<String, long[]> deltas) {
        if (deltas.isEmpty()) {
            return;
        }
        jdbc.inTransaction(c -> {
            for (Map.Entry<String, long[]> e : new java.util.TreeMap<>(deltas).entrySet()) {
                long[] d = e.getValue();
                int updated;
                try (PreparedStatement s = c.prepareStatement("UPDATE job_data_counters SET bytes_local = bytes_local + ?, "
                        + "bytes_from_peers = bytes_from_peers + ?, bytes_from_master = bytes_from_master + ? "
                        + "WHERE job_id = ?")) {
                    s.setLong(1, d[0]);
                    s.setLong(2, d[1]);
                    s.setLong(3, d[2]);
                    s.setString(4, e.getKey());
                    updated = s.executeUpdate();
                }
                if (updated == 0) {
                    try (PreparedStatement s = c.prepareStatement("INSERT INTO job_data_counters (job_id, bytes_local, "
                            + "bytes_from_peers, bytes_from_master) VALUES (?, ?, ?, ?)")) {
                        s.setString(1, e.getKey());
                        s.setLong(2, d[0]);
                        s.setLong(3, d[1]);
                        s.setLong(4, d[2]);
                        s.executeUpdate();
                    }
                }
            }
            return null;
        });
    }

    @Override
    public long[] counters(String jobId) {
        return jdbc.query("SELECT bytes_local, bytes_from_peers, bytes_from_master FROM job_data_counters "
                + "WHERE job_id = ?", s -> s.setString(1, jobId),
                rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}).stream().findFirst()
                .orElse(new long[3]);
    }

    @Override
    public Map<String, String> unfinishedJobsReading(String id) {
        // ids are 64 hex digits, so "=<id>" matches only a value equal to it (names are URL-encoded, no bare '=')
        Map<String, String> jobs = new LinkedHashMap<>();
        jdbc.query("SELECT id, data_sets FROM job WHERE state IN " + JdbcJobRepository.UNFINISHED
                + " AND data_sets LIKE ? ORDER BY seq", s -> s.setString(1, "%=" + id + "%"),
                rs -> {
                    String job = rs.getString(1);
                    KeyValues.decode(rs.getString(2)).forEach((name, dataId) -> {
                        if (dataId.equals(id)) {
                            jobs.putIfAbsent(job, name);
                        }
                    });
                    return null;
                });
        return jobs;
    }

    private static final HexFormat HEX = HexFormat.of();

    private Optional<DataSetRow> find(Connection c, String id) throws SQLException {
        Header h;
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM data_set WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                h = header(rs);
            }
        }
        List<byte[]> hashes = new ArrayList<>(h.chunks);
        try (PreparedStatement s = c.prepareStatement("SELECT sha256 FROM data_chunk WHERE data_id = ? ORDER BY idx")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    hashes.add(HEX.parseHex(rs.getString(1)));
                }
            }
        }
        return Optional.of(h.row(hashes));
    }

    private static Header header(ResultSet rs) throws SQLException {
        return new Header(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4), rs.getInt(5), rs.getInt(6),
                rs.getString(7), Jdbc.instant(rs, 8), rs.getString(9));
    }

    private record Header(String id, String name, long size, int chunkSize, int chunks, int replicas, String owner,
            java.time.Instant createdAt, String jar) {
        DataSetRow row(List<byte[]> hashes) {
            if (hashes.size() != chunks) {
                throw new IllegalStateException("data set " + id + " has " + hashes.size() + " chunk rows, not " + chunks);
            }
            return new DataSetRow(id, name, size, chunkSize, hashes, replicas, owner, createdAt, jar);
        }
    }
}
