package io.gridwork.master.core;

import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.WorkerRow;
import java.time.Instant;
import java.util.Map;

/** Everything the master knows about one worker (by name), across its incarnations. Loop-confined. */
final class WorkerEntry {
    final String id;
    final String name;
    long incarnation;
    WorkerState state;
    int slots;
    int prefetch;
    Map<String, String> labels;
    String address;
    int healthPort;
    Map<String, String> platform;
    long completed;
    long failed;
    Instant registeredAt;
    Instant lastHeartbeat;
    /** The current stream, or null while the worker is not connected. */
    Session session;
    /** The probe cycle under way while the worker is suspected (or re-probed during a link failure). */
    Liveness.Suspicion suspicion;
    /** When its link failure began. */
    Instant linkFailedAt;
    /** When the current trouble began (System.nanoTime of the first suspicion), 0 while it is healthy. */
    long troubleNanos;
    /** When it was last probed. */
    Instant lastProbeAt;
    /** Whether its last stream broke (rather than closing cleanly). */
    boolean streamBroke;
    /** A closed session holding tasks adopted after a master restart until the worker's stream opens. */
    Session parked;
    /** Its pace, in logarithms, and how many tasks measured it: see {@link WorkerSpeeds}. */
    double logPace;
    long timedTasks;
    /** An operator drained it: it gets no new tasks until undrained, even across re-registrations. */
    boolean drainRequested;
    /**
     * Idle owners (issue 19): the worker runs under its owner's policy ({@code ownerPolicy}), and its owner is busy now
     * ({@code ownerBusy}, because of {@code ownerReason}): it gets no tasks; its state shows OWNER_BUSY while ALIVE.
     * Set at registration (RegisterRequest.owner) and by the worker's messages (WorkerMessage.owner).
     */
    boolean ownerPolicy;
    boolean ownerBusy;
    String ownerReason = "";
    /** What a slot-second on it costs in the usage ledger, as its last registration said (1.0 until it registers). */
    double costFactor = 1.0;
    /** What requirements compare against; computed when first needed after each registration. */
    private Map<String, String> attributes;

    WorkerEntry(WorkerRow row, Instant now) {
        this.id = row.id();
        this.name = row.name();
        update(row);
        this.completed = row.completed();
        this.drainRequested = row.drainRequested();
        this.failed = row.failed();
        this.lastHeartbeat = now;
    }

    /** What a registration changed; the task counters stay as counted in memory (the store may lag behind). */
    void update(WorkerRow row) {
        incarnation = row.incarnation();
        state = row.state();
        slots = row.slots();
        prefetch = row.prefetch();
        labels = row.labels();
        address = row.address();
        healthPort = row.healthPort();
        platform = row.platform();
        registeredAt = row.registeredAt();
        attributes = null;
    }

    Map<String, String> attributes() {
        if (attributes == null) {
            attributes = Requirement.attributes(this);
        }
        return attributes;
    }

    /** Its status, with its relative speed against a grid of average pace {@code gridLogPace} ({@link WorkerSpeeds}). */
    WorkerSnapshot snapshot(double gridLogPace) {
        double speed = WorkerSpeeds.relative(this, gridLogPace);
        int executing = session == null ? 0 : session.executing;
        int held = session == null ? 0 : session.attempts.size() - executing;
        WorkerState shown = state == WorkerState.ALIVE && ownerBusy ? WorkerState.OWNER_BUSY : state;
        return new WorkerSnapshot(id, name, shown, slots, prefetch, labels, executing,
                completed, failed, address, incarnation, lastHeartbeat, registeredAt, platform, speed, drainRequested, held,
                healthPort, ownerBusy ? ownerReason : "", ownerPolicy, costFactor);
    }
}
