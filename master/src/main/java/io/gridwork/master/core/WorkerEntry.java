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

    WorkerEntry(WorkerRow row, Instant now) {
        this.id = row.id();
        this.name = row.name();
        update(row);
        this.lastHeartbeat = now;
    }

    void update(WorkerRow row) {
        incarnation = row.incarnation();
        state = row.state();
        slots = row.slots();
        prefetch = row.prefetch();
        labels = row.labels();
        address = row.address();
        healthPort = row.healthPort();
        platform = row.platform();
        completed = row.completed();
        failed = row.failed();
        registeredAt = row.registeredAt();
    }

    WorkerSnapshot snapshot() {
        return new WorkerSnapshot(id, name, state, slots, prefetch, labels, session == null ? 0 : session.attempts.size(),
                completed, failed, address, incarnation, lastHeartbeat, registeredAt, platform);
    }
}
