package io.gridwork.master.ha;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The grid's masters as this master sees them: what the RPC layer, the dashboard and the workers' streams read.
 * Implemented by the membership (leases, peer heartbeats, the failure detector and takeovers); on a single master
 * with H2 it lists this master alone. Thread-safe.
 */
public interface MasterDirectory {

    /** A master as seen from here. {@code state} is a name of {@code MasterInfo.State}. */
    record Peer(String id, String address, String httpAddress, String state, long epoch, long jobs, long leaseAgeMs,
            Instant startedAt, boolean self) {

        public boolean standby() {
            return "STANDBY".equals(state);
        }

        /** ACTIVE, STANDBY, SUSPECT or LINK_FAILED: it still runs (or may run) its jobs. */
        public boolean live() {
            return !"DEAD".equals(state) && !"LEFT".equals(state);
        }
    }

    /** A master event. {@code type} is a name of {@code MasterEvent.Type}. */
    record Event(long seq, Instant at, String type, String masterId, String byMasterId, long jobs, long durationMs,
            String detail) {}

    /** This master's id (new at every start, and when it rejoins after stepping down). */
    String selfId();

    /** This master's lease epoch. */
    long selfEpoch();

    /** Whether this master is a standby now (runs no jobs, takes no submissions). */
    boolean standby();

    /** Every master, this one included, live ones first. */
    List<Peer> masters();

    /** One master by id. */
    Optional<Peer> master(String id);

    /** Up to {@code limit} recent events, oldest first. */
    List<Event> events(int limit);

    /** The grid's peer secret, which masters present to each other ({@code authorization: Peer <secret>}). */
    String peerSecret();
}
