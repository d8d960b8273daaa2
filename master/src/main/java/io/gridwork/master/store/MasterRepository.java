package io.gridwork.master.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The masters sharing the store: their leases, the takeover of a failed master's jobs, and their events. Leases are
 * timed by the store's clock. A master that was declared DEAD is fenced: {@link #renew} tells it, and every
 * {@link Store#apply} it makes fails with {@link FencedException}, in the same transaction order as the takeover.
 */
public interface MasterRepository {

    /** Stores a new master row (state ACTIVE or STANDBY, lease renewed now). */
    void join(String id, String address, String httpAddress, boolean standby, long epoch);

    /**
     * Renews the lease of master {@code id} and stores its state (ACTIVE or STANDBY).
     *
     * @return false if the master was declared DEAD or LEFT meanwhile: it is fenced and must step down
     */
    boolean renew(String id, String state);

    /** Every master not removed, live ones first, with the age of its lease and the unfinished jobs it owns. */
    List<MasterRow> all();

    /** One master's row, if it is stored. */
    Optional<MasterRow> find(String id);

    /**
     * In one transaction: if master {@code failed} is not already DEAD or LEFT and its lease is older than
     * {@code leaseTimeout} (or {@code sessionGone}: its own connection to the store is gone, see
     * {@link #sessionAlive}), marks it DEAD (which fences it) and gives its unfinished jobs, and those of any
     * master that is DEAD or LEFT and still owns some, to {@code taker} at a new lease epoch (at least
     * {@code takerEpoch}, and above every epoch before it, so each takeover raises the jobs' lease epoch). Jobs stored with no
     * owner, or by a master that has no row (stores from before masters had rows), count as such orphans.
     *
     * @return the jobs taken over, as stored after the move; empty if the claim lost (the failed master renewed
     *     its lease meanwhile, or another master took it over first)
     */
    Optional<List<JobRow>> takeOver(String failed, String taker, long takerEpoch, Duration leaseTimeout,
            boolean sessionGone);

    /**
     * Gives {@code taker} the unfinished jobs of masters that are DEAD or LEFT, or whose lease is older than
     * {@code leaseTimeout}, or that have no row (orphans, as after a restart of a single master), marking such
     * masters DEAD. What a master does when it starts.
     */
    List<JobRow> adoptOrphans(String taker, long takerEpoch, Duration leaseTimeout);

    /** A clean shutdown: the master's state becomes LEFT (its unfinished jobs are orphans for the others to adopt). */
    void leave(String id);

    /**
     * Whether master {@code id}'s own connection to the store is alive (on PostgreSQL, whether it still holds its
     * session's advisory lock; a killed process's session ends at once). Always true on H2.
     */
    boolean sessionAlive(String id);

    /** Appends an event; returns it with its sequence number. */
    MasterEventRow record(MasterEventRow event);

    /** Up to {@code limit} recent events, oldest first. */
    List<MasterEventRow> events(int limit);

    /** The grid's peer secret (created on first use): masters present it to each other. */
    String peerSecret();
}
