package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.DependencyRepository;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Dependencies between jobs in the {@code job_after} table (migration V16). */
public final class JdbcDependencyRepository implements DependencyRepository {

    /** Ids per query of the batched reads (a list of jobs reads at most 1000). */
    private static final int IN_CHUNK = 200;

    private final Jdbc jdbc;

    public JdbcDependencyRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** Stores that {@code jobId} runs after {@code after}, in the caller's transaction (the job's insert). */
    static void insert(Connection c, String jobId, List<String> after) throws SQLException {
        if (after.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO job_after (job_id, upstream_id, position) VALUES (?, ?, ?)")) {
            int position = 0;
            for (String upstream : after) {
                s.setString(1, jobId);
                s.setString(2, upstream);
                s.setInt(3, position++);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    @Override
    public List<String> upstream(String jobId) {
        return jdbc.query("SELECT upstream_id FROM job_after WHERE job_id = ? ORDER BY position",
                s -> s.setString(1, jobId), rs -> rs.getString(1));
    }

    @Override
    public Map<String, List<String>> upstream(Collection<String> jobIds) {
        return grouped("SELECT job_id, upstream_id FROM job_after WHERE job_id IN (%s) ORDER BY job_id, position",
                jobIds);
    }

    @Override
    public List<String> downstream(String jobId) {
        // ids are job-<seq>: the job's seq orders them by age
        return jdbc.query("SELECT a.job_id FROM job_after a JOIN job j ON j.id = a.job_id WHERE a.upstream_id = ? "
                + "ORDER BY j.seq", s -> s.setString(1, jobId), rs -> rs.getString(1));
    }

    @Override
    public Map<String, List<String>> downstream(Collection<String> jobIds) {
        return grouped("SELECT a.upstream_id, a.job_id FROM job_after a JOIN job j ON j.id = a.job_id "
                + "WHERE a.upstream_id IN (%s) ORDER BY a.upstream_id, j.seq", jobIds);
    }

    /** Runs {@code sql} (its IN list as %s) over the ids in chunks; the first column keys, the second the values. */
    private Map<String, List<String>> grouped(String sql, Collection<String> ids) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> all = new ArrayList<>(ids);
        for (int from = 0; from < all.size(); from += IN_CHUNK) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + IN_CHUNK));
            String marks = chunk.stream().map(id -> "?").collect(Collectors.joining(", "));
            jdbc.query(String.format(sql, marks), s -> {
                for (int i = 0; i < chunk.size(); i++) {
                    s.setString(i + 1, chunk.get(i));
                }
            }, rs -> {
                out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                return null;
            });
        }
        return out;
    }
}
