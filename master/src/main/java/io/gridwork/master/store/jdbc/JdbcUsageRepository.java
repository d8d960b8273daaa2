package io.gridwork.master.store.jdbc;

import io.gridwork.master.model.AttemptOutcome;
import io.gridwork.master.store.QuotaPeriod;
import io.gridwork.master.store.QuotaRow;
import io.gridwork.master.store.UsageLine;
import io.gridwork.master.store.UsageQuery;
import io.gridwork.master.store.UsageRepository;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The usage ledger's reports and the quotas ({@code usage_quota}). A ledger record is a {@code task_attempt} row with
 * {@code slots > 0}, or a {@code task} row with {@code usage_slots} set (see {@code V14__usage_ledger.sql}); every
 * report adds up both, grouped in the database. The user is the owner of the attempt's job.
 */
public final class JdbcUsageRepository implements UsageRepository {

    /** Outcomes whose work was thrown away (with a lost race). */
    private static final String WASTED = "'" + AttemptOutcome.FAILED.name() + "', '" + AttemptOutcome.TIMED_OUT.name()
            + "', '" + AttemptOutcome.LOST.name() + "'";
    private static final long MS_PER_DAY = 86_400_000L;

    private final Jdbc jdbc;

    public JdbcUsageRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public List<UsageLine> report(UsageQuery q) {
        List<Object> params = new ArrayList<>();
        String attempts = "SELECT " + key(q.by(), "a.worker_name", "a.ended_at", "a.job_id") + " AS k, "
                + "a.slots * a.run_ms AS slot_ms, a.cpu_nanos AS cpu, a.slots * a.run_ms * a.cost_factor AS cost_ms, "
                + "CASE WHEN a.lost_race OR a.outcome IN (" + WASTED + ") THEN a.slots * a.run_ms ELSE 0 END AS wasted_ms "
                + "FROM task_attempt a JOIN job j ON j.id = a.job_id WHERE a.slots > 0"
                + filters(q, "a.job_id = ?", "a.ended_at", params);
        String tasks = "SELECT " + key(q.by(), "w.name", "t.usage_ended_at", "t.job_id") + " AS k, "
                + "t.usage_slots * t.usage_run_ms AS slot_ms, t.usage_cpu_nanos AS cpu, "
                + "t.usage_slots * t.usage_run_ms * t.usage_cost_factor AS cost_ms, 0 AS wasted_ms "
                + "FROM task t JOIN job j ON j.id = t.job_id"
                + (q.by() == UsageQuery.By.WORKER ? " LEFT JOIN worker w ON w.id = t.worker_id" : "")
                + " WHERE t.usage_slots IS NOT NULL"
                + filters(q, "t.task_key >= ? AND t.task_key < ?", "t.usage_ended_at", params);
        String sql = "SELECT k, SUM(slot_ms), SUM(cpu), SUM(cost_ms), COUNT(*), SUM(wasted_ms) FROM (" + attempts
                + " UNION ALL " + tasks + ") u GROUP BY k ORDER BY k";
        return jdbc.query(sql, s -> bind(s, params), rs -> {
            String k;
            if (q.by() == UsageQuery.By.DAY) {
                k = LocalDate.ofEpochDay(rs.getLong(1)).toString();
            } else {
                k = rs.getString(1);
                k = k == null ? "" : k;
            }
            return new UsageLine(k, rs.getDouble(2) / 1000.0, rs.getDouble(3) / 1e9, rs.getDouble(4) / 1000.0,
                    rs.getLong(5), rs.getDouble(6) / 1000.0);
        });
    }

    private static String key(UsageQuery.By by, String worker, String ended, String job) {
        return switch (by) {
            // '' for none, so that it sorts first on every database (NULLs do not)
            case USER -> "COALESCE(j.owner, '')";
            case JOB -> job;
            case WORKER -> "COALESCE(" + worker + ", '')";
            // the UTC day, as days since 1970-01-01 (EXTRACT(EPOCH ...) is the same in H2 and PostgreSQL)
            case DAY -> "CAST(FLOOR(EXTRACT(EPOCH FROM " + ended + ") / 86400) AS BIGINT)";
        };
    }

    /** The WHERE conditions after the first, their values appended to {@code params} in order. */
    private static String filters(UsageQuery q, String jobCondition, String ended, List<Object> params) {
        StringBuilder sql = new StringBuilder();
        if (q.user() != null) {
            sql.append(" AND j.owner = ?");
            params.add(q.user());
        }
        if (q.job() != null) {
            sql.append(" AND ").append(jobCondition);
            if (jobCondition.startsWith("t.task_key")) {
                // a job's tasks are one range of keys; an id that is not a job's matches none
                boolean valid = TaskKeys.isJobId(q.job());
                params.add(valid ? TaskKeys.first(q.job()) : 0L);
                params.add(valid ? TaskKeys.end(q.job()) : 0L);
            } else {
                params.add(q.job());
            }
        }
        if (q.since() != null) {
            sql.append(" AND ").append(ended).append(" >= ?");
            params.add(q.since());
        }
        if (q.until() != null) {
            sql.append(" AND ").append(ended).append(" < ?");
            params.add(q.until());
        }
        return sql.toString();
    }

    private static void bind(PreparedStatement s, List<Object> params) throws SQLException {
        int i = 1;
        for (Object p : params) {
            if (p instanceof String str) {
                s.setString(i++, str);
            } else if (p instanceof Long l) {
                s.setLong(i++, l);
            } else {
                s.setTimestamp(i++, Jdbc.timestamp((Instant) p));
            }
        }
    }

    @Override
    public Map<String, Double> costSince(Instant since) {
        // only the jobs that may have run since: not those that had finished before (the task table has no index by
        // end time, and needs none for the job's tasks are one range of keys)
        String sql = "SELECT owner, SUM(cost_ms) FROM ("
                + "SELECT j.owner AS owner, a.slots * a.run_ms * a.cost_factor AS cost_ms FROM task_attempt a "
                + "JOIN job j ON j.id = a.job_id WHERE a.slots > 0 AND a.ended_at >= ? "
                + "UNION ALL SELECT j.owner, t.usage_slots * t.usage_run_ms * t.usage_cost_factor FROM job j "
                + "JOIN task t ON t.task_key >= j.seq * 4294967296 AND t.task_key < (j.seq + 1) * 4294967296 "
                + "WHERE (j.finished_at IS NULL OR j.finished_at >= ?) AND t.usage_slots IS NOT NULL "
                + "AND t.usage_ended_at >= ?) u GROUP BY owner";
        Map<String, Double> out = new LinkedHashMap<>();
        jdbc.query(sql, s -> {
            s.setTimestamp(1, Jdbc.timestamp(since));
            s.setTimestamp(2, Jdbc.timestamp(since));
            s.setTimestamp(3, Jdbc.timestamp(since));
        }, rs -> {
            out.put(rs.getString(1), rs.getDouble(2) / 1000.0);
            return null;
        });
        return out;
    }

    private static final String QUOTA_COLUMNS = "username, max_slots, cost_limit, period, updated_at";

    @Override
    public List<QuotaRow> quotas() {
        return jdbc.query("SELECT " + QUOTA_COLUMNS + " FROM usage_quota ORDER BY username", s -> {},
                JdbcUsageRepository::quota);
    }

    @Override
    public Optional<QuotaRow> quota(String user) {
        return jdbc.query("SELECT " + QUOTA_COLUMNS + " FROM usage_quota WHERE username = ?", s -> s.setString(1, user),
                JdbcUsageRepository::quota).stream().findFirst();
    }

    private static QuotaRow quota(java.sql.ResultSet rs) throws SQLException {
        String period = rs.getString(4);
        return new QuotaRow(rs.getString(1), rs.getInt(2), rs.getDouble(3),
                period == null ? null : QuotaPeriod.parse(period).orElse(null), Jdbc.instant(rs, 5));
    }

    @Override
    public void putQuota(QuotaRow q) {
        jdbc.inTransaction(c -> {
            try (PreparedStatement d = c.prepareStatement("DELETE FROM usage_quota WHERE username = ?");
                    PreparedStatement s = c.prepareStatement("INSERT INTO usage_quota (" + QUOTA_COLUMNS
                            + ") VALUES (?, ?, ?, ?, ?)")) {
                d.setString(1, q.user());
                d.executeUpdate();
                s.setString(1, q.user());
                s.setInt(2, q.maxSlots());
                s.setDouble(3, q.costLimit());
                s.setString(4, q.period() == null ? null : q.period().wireName());
                s.setTimestamp(5, Jdbc.timestamp(q.updatedAt()));
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<QuotaRow> deleteQuota(String user) {
        return jdbc.inTransaction(c -> {
            Optional<QuotaRow> old = quota(user);
            try (PreparedStatement d = c.prepareStatement("DELETE FROM usage_quota WHERE username = ?")) {
                d.setString(1, user);
                d.executeUpdate();
            }
            return old;
        });
    }
}
