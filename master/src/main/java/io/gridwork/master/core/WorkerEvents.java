package io.gridwork.master.core;

import io.gridwork.master.model.WorkerEventType;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The recent worker state changes, numbered, and who watches them. Loop-confined. */
final class WorkerEvents {

    private static final Logger log = LoggerFactory.getLogger(WorkerEvents.class);
    private static final int RECENT_EVENTS = 1000;

    private final Deque<WorkerEvent> recent = new ArrayDeque<>();
    private final List<Consumer<WorkerEvent>> watchers = new ArrayList<>();
    private long nextSeq = 1;

    /** Records an event and tells the watchers. */
    WorkerEvent record(WorkerEntry w, WorkerEventType type, String reason, Instant at) {
        WorkerEvent e = new WorkerEvent(nextSeq++, w.id, w.name, type, reason, w.incarnation, at);
        log.atInfo().addKeyValue("worker", w.name).log("worker ({}) {}: {}", w.id, type, reason);
        add(e);
        for (Consumer<WorkerEvent> watcher : new ArrayList<>(watchers)) {
            try {
                watcher.accept(e);
            } catch (RuntimeException ex) {
                log.debug("a worker event watcher failed: {}", ex.toString());
            }
        }
        return e;
    }

    private void add(WorkerEvent e) {
        recent.addLast(e);
        while (recent.size() > RECENT_EVENTS) {
            recent.removeFirst();
        }
    }

    /** The most recent events, oldest first, at most {@code limit}. */
    List<WorkerEvent> recent(int limit) {
        List<WorkerEvent> all = new ArrayList<>(recent);
        return new ArrayList<>(all.subList(Math.max(0, all.size() - limit), all.size()));
    }

    /** Recent events from before a master restart, from the store. */
    void restore(List<WorkerEvent> events) {
        for (WorkerEvent e : events) {
            add(e);
            nextSeq = Math.max(nextSeq, e.seq() + 1);
        }
    }

    void watch(Consumer<WorkerEvent> watcher) {
        watchers.add(watcher);
    }

    void unwatch(Consumer<WorkerEvent> watcher) {
        watchers.remove(watcher);
    }
}
