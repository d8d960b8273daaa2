package io.gridwork.master.store.jdbc;

import io.gridwork.master.store.FencedException;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.MasterEventRow;
import io.gridwork.master.store.MasterInfoRepository;
import io.gridwork.master.store.MasterRepository;
import io.gridwork.master.store.MasterRow;
import io.gridwork.master.store.StoreConfig;
import io.gridwork.master.store.StoreException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The masters in {@code master_node} and their events in {@code master_event}, on H2 or PostgreSQL. Lease ages are
 * computed by the database ({@link io.gridwork.master.store.Dialect#millisSince}), so the masters' clocks need not
 * agree. On PostgreSQL each master that {@link #join joins} through this repository also holds a {@link LeaseSession}
 * (an advisory lock on a connection of its own), re-established by {@link #renew} after the connection was lost.
 *
 * <p>On H2 the store is embedded and held by one process at a time, so when a master {@link #adoptOrphans adopts
 * orphans} every other master still marked live is from an earlier start of this process and is taken as dead.
 */
public final class JdbcMasterRepository implements MasterRepository, AutoCloseable {

    static final String ACTIVE = "ACTIVE";
    static final String STANDBY = "STANDBY";
    static final String DEAD = "DEAD";
    static final String LEFT = "LEFT";
    private static final String LIVE = "('" + ACTIVE + "', '" + STANDBY + "')";
    private static final String PEER_SECRET = "peer_secret";
    /** DEAD and LEFT masters that own no unfinished job are forgotten this long after their last renewal. */
    static final Duration FORGET_AFTER = Duration.ofDays(7);
    private static final int IN_CHUNK = 500;

    private final Jdbc jdbc;
    private final StoreConfig config;
    private final MasterInfoRepository info;
    private final Map<String, LeaseSession> sessions = new ConcurrentHashMap<>();
    private final Set<String> joined = ConcurrentHashMap.newKeySet();

    public JdbcMasterRepository(Jdbc jdbc, StoreConfig config, MasterInfoRepository info) {
        this.jdbc = jdbc;
        this.config = config;
        this.info = info;
    }

    private boolean postgres() {
        return jdbc.dialect().isPostgres();
    }

    private String leaseAge() {
        return jdbc.dialect().millisSince("lease_renewed_at");
    }

    // ------------------------------------------------------------------------------------------ membership

    /**
     * {@inheritDoc}
     *
     * <p>On PostgreSQL the master's session lock is taken first (on a connection of its own); from now on every
     * {@link io.gridwork.master.store.Store#apply} of a store whose {@code masterId()} is {@code id} checks that
     * this row is not DEAD or LEFT.
     *
     * @throws StoreException if the row cannot be stored or the session lock cannot be taken
     */
    @Override
    public void join(String id, String address, String httpAddress, boolean standby, long epoch) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        LeaseSession session = null;
        if (postgres()) {
            session = new LeaseSession(config, id);
            if (!session.ensure()) {
                session.close();
                throw new StoreException("master " + id + ": could not open its session on the store and take its lock",
                        null);
            }
        }
        try {
            jdbc.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO master_node (id, address, http_address, state, "
                        + "epoch, started_at, lease_renewed_at) VALUES (?, ?, ?, ?, ?, " + jdbc.dialect().now() + ", "
                        + jdbc.dialect().now() + ")")) {
                    s.setString(1, id);
                    s.setString(2, Jdbc.truncate(address, 300));
                    s.setString(3, httpAddress == null ? null : Jdbc.truncate(httpAddress, 300));
                    s.setString(4, standby ? STANDBY : ACTIVE);
                    s.setLong(5, epoch);
                    s.executeUpdate();
                }
                forgetOld(c);
                return null;
            });
        } catch (RuntimeException e) {
            if (session != null) {
                session.close();
            }
            throw e;
        }
        if (session != null) {
            LeaseSession previous = sessions.put(id, session);
            if (previous != null) {
                previous.close();
            }
        }
        joined.add(id);
    }

    /** Deletes DEAD and LEFT masters long gone that own no unfinished job, so the list stays readable. */
    private void forgetOld(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM master_node WHERE state IN ('" + DEAD + "', '" + LEFT
                + "') AND " + leaseAge() + " > ? AND NOT EXISTS (SELECT 1 FROM job j WHERE j.owner_master = master_node.id "
                + "AND j.state IN " + JdbcJobRepository.UNFINISHED + ")")) {
            s.setLong(1, FORGET_AFTER.toMillis());
            s.executeUpdate();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>On PostgreSQL, a master that joined through this repository also gets its session lock back here if its
     * session was lost (PostgreSQL restarted): its {@link #sessionAlive} turns true again.
     *
     * @throws IllegalArgumentException if {@code state} is neither ACTIVE nor STANDBY
     * @throws StoreException if the store cannot be reached
     */
    @Override
    public boolean renew(String id, String state) {
        if (!ACTIVE.equals(state) && !STANDBY.equals(state)) {
            throw new IllegalArgumentException("state: a master renews its lease as ACTIVE or STANDBY, not " + state);
        }
        int updated = jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE master_node SET lease_renewed_at = "
                    + jdbc.dialect().now() + ", state = ? WHERE id = ? AND state IN " + LIVE)) {
                s.setString(1, state);
                s.setString(2, id);
                return s.executeUpdate();
            }
        });
        LeaseSession session = sessions.get(id);
        if (updated == 0) {
            if (session != null) {
                sessions.remove(id, session);
                session.close();
            }
            return false;
        }
        if (session != null) {
            session.ensure();
        }
        return true;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Call it once the master has written its last batch: after this, {@link io.gridwork.master.store.Store#apply}
     * for this master is refused like a fenced one's.
     */
    @Override
    public void leave(String id) {
        jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE master_node SET state = ?, lease_renewed_at = "
                    + jdbc.dialect().now() + " WHERE id = ? AND state IN " + LIVE)) {
                s.setString(1, LEFT);
                s.setString(2, id);
                return s.executeUpdate();
            }
        });
        LeaseSession session = sessions.remove(id);
        if (session != null) {
            session.close();
        }
    }

    // ------------------------------------------------------------------------------------------ reads

    private String selectMasters() {
        return "SELECT m.id, m.address, m.http_address, m.state, m.epoch, m.started_at, "
                + jdbc.dialect().millisSince("m.lease_renewed_at") + ", (SELECT COUNT(*) FROM job j WHERE "
                + "j.owner_master = m.id AND j.state IN " + JdbcJobRepository.UNFINISHED + ") FROM master_node m";
    }

    private static MasterRow masterRow(ResultSet rs) throws SQLException {
        return new MasterRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                Jdbc.instant(rs, 6), Math.max(0, rs.getLong(7)), rs.getLong(8));
    }

    @Override
    public List<MasterRow> all() {
        return jdbc.query(selectMasters() + " ORDER BY CASE WHEN m.state IN " + LIVE + " THEN 0 ELSE 1 END, "
                + "m.started_at DESC, m.id", s -> {}, JdbcMasterRepository::masterRow);
    }

    @Override
    public Optional<MasterRow> find(String id) {
        return jdbc.query(selectMasters() + " WHERE m.id = ?", s -> s.setString(1, id), JdbcMasterRepository::masterRow)
                .stream().findFirst();
    }

    /**
     * {@inheritDoc}
     *
     * <p>On PostgreSQL: whether some session holds the advisory lock of {@code id} in this database.
     */
    @Override
    public boolean sessionAlive(String id) {
        if (!postgres()) {
            return true;
        }
        return jdbc.query(SESSION_ALIVE, s -> bindSessionKey(s, id), rs -> rs.getLong(1)).get(0) > 0;
    }

    private static final String SESSION_ALIVE = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            + "AND objsubid = 1 AND classid::bigint = ? AND objid::bigint = ? "
            + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    /** A bigint advisory key is shown in pg_locks as its high half in classid and its low half in objid. */
    private static void bindSessionKey(PreparedStatement s, String id) throws SQLException {
        long key = LeaseSession.key(id);
        s.setLong(1, key >>> 32);
        s.setLong(2, key & 0xffffffffL);
    }

    private static boolean sessionAlive(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(SESSION_ALIVE)) {
            bindSessionKey(s, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ takeover

    /**
     * {@inheritDoc}
     *
     * <p>Locks the rows of both masters (in id order, so two masters claiming each other do not deadlock) and
     * checks them again under the lock: the failed master must still be ACTIVE or STANDBY with its lease older than
     * {@code leaseTimeout}, or {@code sessionGone} (on PostgreSQL checked again in {@code pg_locks}); the taker must
     * not itself be DEAD or LEFT.
     *
     * @throws FencedException if the taker was itself declared DEAD or LEFT
     */
    @Override
    public Optional<List<JobRow>> takeOver(String failed, String taker, long takerEpoch, Duration leaseTimeout,
            boolean sessionGone) {
        if (failed.equals(taker)) {
            throw new IllegalArgumentException("taker: a master cannot take itself over (" + taker + ")");
        }
        return jdbc.inTransaction(c -> {
            String failedState = null;
            long failedAge = 0;
            try (PreparedStatement s = c.prepareStatement("SELECT id, state, " + leaseAge() + " FROM master_node "
                    + "WHERE id IN (?, ?) ORDER BY id FOR UPDATE")) {
                s.setString(1, failed);
                s.setString(2, taker);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getString(1).equals(failed)) {
                            failedState = rs.getString(2);
                            failedAge = rs.getLong(3);
                        } else if (!isLive(rs.getString(2))) {
                            throw fenced(taker, rs.getString(2));
                        }
                    }
                }
            }
            if (failedState == null || !isLive(failedState)) {
                return Optional.<List<JobRow>>empty(); // unknown, or another master took it over first
            }
            boolean expired = failedAge >= leaseTimeout.toMillis();
            boolean gone = sessionGone && (!postgres() || !sessionAlive(c, failed));
            if (!expired && !gone) {
                return Optional.<List<JobRow>>empty(); // it renewed its lease meanwhile
            }
            markDead(c, failed);
            return Optional.of(moveOrphans(c, taker, takerEpoch));
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>A master counts as dead if its lease is older than {@code leaseTimeout}, or on PostgreSQL if its session is
     * gone (a master killed and restarted at once), or on H2 always (the embedded store has one process at a time).
     */
    @Override
    public List<JobRow> adoptOrphans(String taker, long takerEpoch, Duration leaseTimeout) {
        return jdbc.inTransaction(c -> {
            List<String> live = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM master_node WHERE state IN " + LIVE
                    + " AND id <> ? ORDER BY id")) {
                s.setString(1, taker);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        live.add(rs.getString(1));
                    }
                }
            }
            for (String id : live) {
                try (PreparedStatement s = c.prepareStatement("SELECT state, " + leaseAge() + " FROM master_node "
                        + "WHERE id = ? FOR UPDATE")) {
                    s.setString(1, id);
                    try (ResultSet rs = s.executeQuery()) {
                        if (!rs.next() || !isLive(rs.getString(1))) {
                            continue;
                        }
                        if (!postgres() || rs.getLong(2) >= leaseTimeout.toMillis() || !sessionAlive(c, id)) {
                            markDead(c, id);
                        }
                    }
                }
            }
            return moveOrphans(c, taker, takerEpoch);
        });
    }

    private static boolean isLive(String state) {
        return ACTIVE.equals(state) || STANDBY.equals(state);
    }

    private static FencedException fenced(String id, String state) {
        return new FencedException("master " + id + " is " + state + " on the store: another master took over its "
                + "jobs; it must step down and rejoin");
    }

    private void markDead(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE master_node SET state = ? WHERE id = ?")) {
            s.setString(1, DEAD);
            s.setString(2, id);
            s.executeUpdate();
        }
    }

    /**
     * Gives {@code taker} every unfinished job whose owner is not a live master (DEAD, LEFT, no row, or none), each
     * moved only if its owner is still the one read (so of two masters moving one job, one does), and returns them
     * as stored after the move.
     */
    private List<JobRow> moveOrphans(Connection c, String taker, long takerEpoch) throws SQLException {
        Set<String> live = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("SELECT id FROM master_node WHERE state IN " + LIVE);
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                live.add(rs.getString(1));
            }
        }
        List<String[]> candidates = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT id, owner_master FROM job WHERE state IN "
                + JdbcJobRepository.UNFINISHED + " ORDER BY seq");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                String owner = rs.getString(2);
                if (!taker.equals(owner) && (owner == null || !live.contains(owner))) {
                    candidates.add(new String[] {rs.getString(1), owner});
                }
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        // every move raises the jobs' lease epoch above every epoch before it (a master's and a job's alike, from one
        // sequence), so workers can tell the new owner's messages from the old one's whatever the masters' own epochs
        long leaseEpoch = info instanceof JdbcMasterInfoRepository shared ? Math.max(takerEpoch, shared.nextEpoch(c))
                : takerEpoch;
        List<String> moved = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("UPDATE job SET owner_master = ?, lease_epoch = ?, "
                + "version = version + 1 WHERE id = ? AND owner_master IS NOT DISTINCT FROM ? AND state IN "
                + JdbcJobRepository.UNFINISHED)) {
            for (String[] job : candidates) {
                s.setString(1, taker);
                s.setLong(2, leaseEpoch);
                s.setString(3, job[0]);
                s.setString(4, job[1]);
                s.addBatch();
            }
            int[] counts = s.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0 || counts[i] == java.sql.Statement.SUCCESS_NO_INFO) {
                    moved.add(candidates.get(i)[0]);
                }
            }
        }
        List<JobRow> rows = new ArrayList<>();
        for (int from = 0; from < moved.size(); from += IN_CHUNK) {
            List<String> chunk = moved.subList(from, Math.min(moved.size(), from + IN_CHUNK));
            try (PreparedStatement s = c.prepareStatement("SELECT " + JdbcJobRepository.COLUMNS + " FROM job WHERE id IN ("
                    + chunk.stream().map(x -> "?").collect(Collectors.joining(", ")) + ") AND owner_master = ? ORDER BY seq")) {
                int i = 1;
                for (String id : chunk) {
                    s.setString(i++, id);
                }
                s.setString(i, taker);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        rows.add(JdbcJobRepository.row(rs));
                    }
                }
            }
        }
        return rows;
    }

    // ------------------------------------------------------------------------------------------ fencing

    /** Whether master {@code id} joined through this repository: from then on its journal batches are fenced. */
    public boolean joined(String id) {
        return joined.contains(id);
    }

    /**
     * In the caller's transaction, reads master {@code id}'s row (on PostgreSQL {@code FOR SHARE}, so that a
     * takeover, which locks it {@code FOR UPDATE}, waits for the transaction or makes it wait) and refuses to go on
     * if it is DEAD or LEFT (or gone).
     *
     * @throws FencedException if it is
     */
    public void checkNotFenced(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT state FROM master_node WHERE id = ?"
                + (postgres() ? " FOR SHARE" : ""))) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                String state = rs.next() ? rs.getString(1) : "gone";
                if (!isLive(state)) {
                    throw fenced(id, state);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ events, secret

    @Override
    public MasterEventRow record(MasterEventRow e) {
        Objects.requireNonNull(e.type(), "type");
        Objects.requireNonNull(e.masterId(), "masterId");
        return jdbc.inTransaction(c -> {
            Instant at = e.at();
            try (PreparedStatement s = jdbc.dialect().prepareInsertReturning(c, "INSERT INTO master_event (at, type, "
                    + "master_id, by_master_id, jobs, duration_ms, detail) VALUES ("
                    + (at == null ? jdbc.dialect().now() : "?") + ", ?, ?, ?, ?, ?, ?)", "seq")) {
                int i = 1;
                if (at != null) {
                    s.setTimestamp(i++, Timestamp.from(at));
                }
                s.setString(i++, e.type());
                s.setString(i++, e.masterId());
                s.setString(i++, e.byMasterId());
                s.setLong(i++, e.jobs());
                s.setLong(i++, e.durationMs());
                s.setString(i, Jdbc.truncate(e.detail(), 4000));
                s.executeUpdate();
                long seq;
                try (ResultSet keys = s.getGeneratedKeys()) {
                    keys.next();
                    seq = keys.getLong(1);
                }
                if (at == null) {
                    try (PreparedStatement q = c.prepareStatement("SELECT at FROM master_event WHERE seq = ?")) {
                        q.setLong(1, seq);
                        try (ResultSet rs = q.executeQuery()) {
                            rs.next();
                            at = Jdbc.instant(rs, 1);
                        }
                    }
                }
                return new MasterEventRow(seq, at, e.type(), e.masterId(), e.byMasterId(), e.jobs(), e.durationMs(),
                        e.detail());
            }
        });
    }

    @Override
    public List<MasterEventRow> events(int limit) {
        List<MasterEventRow> rows = new ArrayList<>(jdbc.query("SELECT seq, at, type, master_id, by_master_id, jobs, "
                + "duration_ms, detail FROM master_event ORDER BY seq DESC LIMIT ?", s -> s.setInt(1, limit),
                rs -> new MasterEventRow(rs.getLong(1), Jdbc.instant(rs, 2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getString(8))));
        Collections.reverse(rows);
        return rows;
    }

    /** {@inheritDoc} 32 random bytes, base64url, kept in {@code master_info}; every master of the store gets the same. */
    @Override
    public String peerSecret() {
        return info.value(PEER_SECRET).orElseGet(() -> {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            return info.valueIfAbsent(PEER_SECRET, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        });
    }

    /** Ends the sessions of the masters that joined here without leaving: to the others they look killed. */
    @Override
    public void close() {
        sessions.values().forEach(LeaseSession::close);
        sessions.clear();
    }
}
