package io.gridwork.master.data;

import io.gridwork.internal.data.HashRing;
import io.gridwork.master.store.DataSetRow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master as the data grid's tracker: which worker holds which chunk (the directory, rebuilt from the workers'
 * registrations and reports), where each chunk should live (its homes on the {@link HashRing} over the workers taking
 * part), and the orders that bring the two together.
 *
 * <p>The rules, per chunk: every home that has not been ordered to hold it is ordered to fetch and keep it (pinned); once
 * every home holds it, a worker that was ordered to keep it but is no longer one of its homes is told it may drop it.
 * So a new data set is ordered onto its homes; a holder that dies or leaves is replaced by the chunk's new homes, which
 * fetch from the other holders (or the master); a worker that joins takes over the chunks of the arcs it takes on the
 * ring (about 1/N of them), and the former homes are released only once the new ones hold them.
 *
 * <p>Thread-safe (one lock); orders and peer lists are sent to the workers' links after the lock is released.
 */
public final class DataTracker {

    private static final Logger log = LoggerFactory.getLogger(DataTracker.class);

    /** A worker as other workers reach its PeerService. */
    public record Peer(String workerId, String name, String host, int port) {}

    /** A chunk of a data set. */
    public record ChunkId(String dataId, int index) {}

    /** An order for one worker about one data set ({@code DataOrder}). */
    public record Order(String dataId, List<Integer> fetch, List<Integer> drop, boolean removed) {}

    /** Where a chunk is and should be. */
    public record Location(int index, List<Peer> holders, List<Peer> homes) {}

    /** A worker's end of its stream, as the tracker uses it. */
    public interface Link {
        /** Sends orders and, if not null, the whole list of peers. */
        void send(List<Order> orders, List<Peer> peers);
    }

    /** A worker's state as the tracker needs it: whether it takes part in the ring, and whether it is gone. */
    public record WorkerState(Peer peer, boolean member, boolean departed) {}

    private final Map<String, DataSetRow> sets = new LinkedHashMap<>();
    /** Workers that are not gone (their chunks count as held), by id. */
    private final Map<String, Peer> present = new HashMap<>();
    /** Of those, the workers on the ring (alive, not draining, with a PeerService). */
    private final Set<String> members = new TreeSet<>();
    private HashRing ring = new HashRing(List.of());
    private final Map<ChunkId, Set<String>> holders = new HashMap<>();
    private final Map<ChunkId, Set<String>> pinned = new HashMap<>();
    private final Map<String, Link> links = new HashMap<>();
    /** Orders for workers whose stream is not open; sent when it opens. */
    private final Map<String, List<Order>> pending = new HashMap<>();
    private long corruptReports;

    // ------------------------------------------------------------------------------------------ data sets

    /** A data set was put (or its wanted replicas raised): its chunks are ordered onto their homes. */
    public void dataSet(DataSetRow set) {
        Outbox out = new Outbox();
        synchronized (this) {
            sets.put(set.id(), set);
            reconcile(set, out);
        }
        out.flush();
    }

    /** A data set was deleted: every worker that holds or was ordered to keep a chunk of it is told to drop it all. */
    public void removed(String id) {
        Outbox out = new Outbox();
        synchronized (this) {
            DataSetRow set = sets.remove(id);
            if (set == null) {
                return;
            }
            Set<String> told = new TreeSet<>();
            for (int i = 0; i < set.chunks(); i++) {
                ChunkId c = new ChunkId(id, i);
                Set<String> h = holders.remove(c);
                Set<String> p = pinned.remove(c);
                if (h != null) {
                    told.addAll(h);
                }
                if (p != null) {
                    told.addAll(p);
                }
            }
            for (String worker : told) {
                out.order(worker, new Order(id, List.of(), List.of(), true));
            }
            pending.values().forEach(orders -> orders.removeIf(o -> o.dataId().equals(id) && !o.removed()));
        }
        out.flush();
    }

    // ------------------------------------------------------------------------------------------ workers

    /**
     * A worker registered (a new incarnation): what it holds now is exactly {@code held} (chunks of unknown data sets
     * are ignored), and it is ordered anew to keep the chunks it is a home of.
     */
    public void registered(String workerId, Collection<ChunkId> held) {
        Outbox out = new Outbox();
        synchronized (this) {
            forget(workerId);
            for (ChunkId c : held) {
                if (known(c)) {
                    holders.computeIfAbsent(c, k -> new HashSet<>()).add(workerId);
                }
            }
            reconcileAll(out);
        }
        out.flush();
    }

    /**
     * The workers as the scheduler sees them now (all of them, departed ones too or left out): who takes part in the
     * ring, who is gone. A gone worker's chunks no longer count as held; a change of the ring moves chunks.
     */
    public void workers(Collection<WorkerState> states) {
        Outbox out = new Outbox();
        synchronized (this) {
            Map<String, Peer> nowPresent = new HashMap<>();
            Set<String> nowMembers = new TreeSet<>();
            for (WorkerState s : states) {
                if (s.departed()) {
                    continue;
                }
                nowPresent.put(s.peer().workerId(), s.peer());
                if (s.member()) {
                    nowMembers.add(s.peer().workerId());
                }
            }
            for (String gone : new ArrayList<>(present.keySet())) {
                if (!nowPresent.containsKey(gone)) {
                    forget(gone);
                    log.atInfo().addKeyValue("worker", present.get(gone).name())
                            .log("data grid: worker {} is gone; its chunks are replaced", present.get(gone).name());
                }
            }
            boolean peersChanged = !nowMembers.equals(members) || nowMembers.stream()
                    .anyMatch(id -> !nowPresent.get(id).equals(present.get(id)));
            present.clear();
            present.putAll(nowPresent);
            if (!nowMembers.equals(members)) {
                members.clear();
                members.addAll(nowMembers);
                ring = new HashRing(members);
            }
            reconcileAll(out);
            if (peersChanged) {
                List<Peer> peers = peers();
                for (String worker : links.keySet()) {
                    out.peers(worker, peers);
                }
            }
        }
        out.flush();
    }

    /** A worker's stream opened: it gets the peers and the orders it missed. */
    public void linked(String workerId, Link link) {
        Outbox out = new Outbox();
        synchronized (this) {
            links.put(workerId, Objects.requireNonNull(link));
            out.peers(workerId, peers());
            List<Order> missed = pending.remove(workerId);
            if (missed != null) {
                missed.forEach(o -> out.order(workerId, o));
            }
        }
        out.flush();
    }

    /** A worker's stream closed. */
    public synchronized void unlinked(String workerId, Link link) {
        links.remove(workerId, link);
    }

    /** A worker's data cache changed: chunks it verified and stored, chunks it evicted. */
    public void report(String workerId, Collection<ChunkId> added, Collection<ChunkId> evicted) {
        Outbox out = new Outbox();
        synchronized (this) {
            Set<String> touched = new LinkedHashSet<>();
            for (ChunkId c : added) {
                if (known(c)) {
                    holders.computeIfAbsent(c, k -> new HashSet<>()).add(workerId);
                    touched.add(c.dataId());
                }
            }
            for (ChunkId c : evicted) {
                remove(holders, c, workerId);
                // evicted though it was told to keep it (e.g. its cache was cleared): order it again if still a home
                remove(pinned, c, workerId);
                if (known(c)) {
                    touched.add(c.dataId());
                }
            }
            for (String id : touched) {
                reconcile(sets.get(id), out);
            }
        }
        out.flush();
    }

    /**
     * A worker found a chunk from {@code peerWorkerId} corrupt: that holder leaves the directory for that chunk (it is
     * no longer offered to others), and the chunk's replicas are restored if it was a home.
     */
    public void corrupt(String reporterId, ChunkId chunk, String peerWorkerId, String detail) {
        Outbox out = new Outbox();
        synchronized (this) {
            corruptReports++;
            Peer reporter = present.get(reporterId);
            log.atWarn().addKeyValue("data", chunk.dataId()).addKeyValue("chunk", chunk.index())
                    .log("data grid: worker {} got a corrupt chunk {} of data set {} from {}: {}",
                            reporter == null ? reporterId : reporter.name(), chunk.index(), chunk.dataId(),
                            peerWorkerId.isEmpty() ? "the master" : peerName(peerWorkerId), detail);
            if (!peerWorkerId.isEmpty() && known(chunk)) {
                remove(holders, chunk, peerWorkerId);
                remove(pinned, chunk, peerWorkerId);
                reconcile(sets.get(chunk.dataId()), out);
            }
        }
        out.flush();
    }

    // ------------------------------------------------------------------------------------------ reading

    /** Corrupt chunks reported since the master started. */
    public synchronized long corruptReports() {
        return corruptReports;
    }

    /** Where a data set's chunks are, and where they should be; empty {@code indexes}: all of them. */
    public synchronized List<Location> locate(String id, Collection<Integer> indexes) {
        DataSetRow set = sets.get(id);
        if (set == null) {
            return List.of();
        }
        Collection<Integer> which = indexes.isEmpty() ? range(set.chunks()) : indexes;
        List<Location> locations = new ArrayList<>(which.size());
        for (int i : which) {
            if (i < 0 || i >= set.chunks()) {
                throw new IndexOutOfBoundsException("indexes: data set " + id + " has " + set.chunks()
                        + " chunks, no chunk " + i);
            }
            List<Peer> h = new ArrayList<>();
            for (String w : new TreeSet<>(holders.getOrDefault(new ChunkId(id, i), Set.of()))) {
                Peer p = present.get(w);
                if (p != null && p.port() > 0) {
                    h.add(p);
                }
            }
            List<Peer> homes = new ArrayList<>();
            for (String w : ring.homes(set.chunkHashes().get(i), set.replicasWanted())) {
                homes.add(present.get(w));
            }
            locations.add(new Location(i, h, homes));
        }
        return locations;
    }

    /** The workers (by id) holding chunk {@code index} of a data set now. */
    public synchronized Set<String> holders(String id, int index) {
        return Set.copyOf(holders.getOrDefault(new ChunkId(id, index), Set.of()));
    }

    /** How many of chunks {@code first..last} of a data set each worker holds (workers holding none left out). */
    public synchronized Map<String, Integer> holdings(String id, int first, int last, Map<String, Integer> into) {
        for (int i = first; i <= last; i++) {
            for (String w : holders.getOrDefault(new ChunkId(id, i), Set.of())) {
                into.merge(w, 1, Integer::sum);
            }
        }
        return into;
    }

    /** The names of the workers holding at least one chunk of a data set, sorted. */
    public synchronized List<String> holderNames(String id) {
        DataSetRow set = sets.get(id);
        if (set == null) {
            return List.of();
        }
        Set<String> names = new TreeSet<>();
        for (int i = 0; i < set.chunks(); i++) {
            for (String w : holders.getOrDefault(new ChunkId(id, i), Set.of())) {
                names.add(peerName(w));
            }
        }
        return List.copyOf(names);
    }

    /** The fewest holders any chunk of a data set has now (0 for a data set without chunks or unknown). */
    public synchronized int replicasHeld(String id) {
        DataSetRow set = sets.get(id);
        if (set == null || set.chunks() == 0) {
            return 0;
        }
        int fewest = Integer.MAX_VALUE;
        for (int i = 0; i < set.chunks(); i++) {
            fewest = Math.min(fewest, holders.getOrDefault(new ChunkId(id, i), Set.of()).size());
        }
        return fewest;
    }

    /**
     * The workers on the ring now (alive, not draining, with a PeerService), as peers, sorted by id: the list each
     * worker gets (MasterMessage.peers), from which it works out the same ring. Holders off the ring (draining,
     * suspected) still serve what they hold: LocateChunks lists them.
     */
    public synchronized List<Peer> peers() {
        List<Peer> peers = new ArrayList<>();
        for (String id : members) {
            Peer p = present.get(id);
            if (p != null && p.port() > 0) {
                peers.add(p);
            }
        }
        return peers;
    }

    /** The workers a data set's chunk should live on now (its homes on the ring), by id. */
    public synchronized List<String> homes(String id, int index) {
        DataSetRow set = sets.get(id);
        return set == null ? List.of() : ring.homes(set.chunkHashes().get(index), set.replicasWanted());
    }

    /** The workers ordered to keep a chunk, by id. */
    synchronized Set<String> pinned(String id, int index) {
        return Set.copyOf(pinned.getOrDefault(new ChunkId(id, index), Set.of()));
    }

    // ------------------------------------------------------------------------------------------ the rules

    private void reconcileAll(Outbox out) {
        for (DataSetRow set : sets.values()) {
            reconcile(set, out);
        }
    }

    private void reconcile(DataSetRow set, Outbox out) {
        Map<String, List<Integer>> fetch = new TreeMap<>();
        Map<String, List<Integer>> drop = new TreeMap<>();
        for (int i = 0; i < set.chunks(); i++) {
            ChunkId c = new ChunkId(set.id(), i);
            List<String> homes = ring.homes(set.chunkHashes().get(i), set.replicasWanted());
            Set<String> p = pinned.computeIfAbsent(c, k -> new HashSet<>());
            Set<String> h = holders.getOrDefault(c, Set.of());
            // A chunk no worker holds yet comes from the master to one home first; the other homes are ordered once
            // that one holds it, and fetch it from there: the master sends each chunk about once, not once per replica.
            boolean firstCopyPending = h.isEmpty() && homes.stream().anyMatch(p::contains);
            for (String home : homes) {
                if (firstCopyPending) {
                    break;
                }
                if (p.add(home)) {
                    fetch.computeIfAbsent(home, k -> new ArrayList<>()).add(i);
                    firstCopyPending = h.isEmpty();
                }
            }
            if (!homes.isEmpty() && h.containsAll(homes)) {
                for (String former : new ArrayList<>(p)) {
                    if (!homes.contains(former)) {
                        p.remove(former);
                        if (present.containsKey(former)) {
                            drop.computeIfAbsent(former, k -> new ArrayList<>()).add(i);
                        }
                    }
                }
            }
            if (p.isEmpty()) {
                pinned.remove(c);
            }
        }
        Set<String> workers = new TreeSet<>(fetch.keySet());
        workers.addAll(drop.keySet());
        for (String w : workers) {
            out.order(w, new Order(set.id(), fetch.getOrDefault(w, List.of()), drop.getOrDefault(w, List.of()), false));
        }
    }

    private void forget(String workerId) {
        holders.values().forEach(s -> s.remove(workerId));
        holders.values().removeIf(Set::isEmpty);
        pinned.values().forEach(s -> s.remove(workerId));
        pinned.values().removeIf(Set::isEmpty);
        pending.remove(workerId);
    }

    private boolean known(ChunkId c) {
        DataSetRow set = sets.get(c.dataId());
        return set != null && c.index() >= 0 && c.index() < set.chunks();
    }

    private String peerName(String workerId) {
        Peer p = present.get(workerId);
        return p == null ? workerId : p.name();
    }

    private static void remove(Map<ChunkId, Set<String>> map, ChunkId c, String worker) {
        Set<String> s = map.get(c);
        if (s != null && s.remove(worker) && s.isEmpty()) {
            map.remove(c);
        }
    }

    private static List<Integer> range(int n) {
        List<Integer> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        return all;
    }

    /** What to send once the lock is released; orders for a worker without a stream wait for it. */
    private final class Outbox {
        private final Map<String, List<Order>> orders = new LinkedHashMap<>();
        private final Map<String, List<Peer>> peers = new LinkedHashMap<>();
        private final Map<String, Link> to = new HashMap<>();

        void order(String worker, Order order) {
            orders.computeIfAbsent(worker, k -> new ArrayList<>()).add(order);
        }

        void peers(String worker, List<Peer> list) {
            peers.put(worker, list);
        }

        /** Sends everything; called without the tracker's lock (it takes it briefly to find the links). */
        void flush() {
            Set<String> workers = new LinkedHashSet<>(orders.keySet());
            workers.addAll(peers.keySet());
            if (workers.isEmpty()) {
                return;
            }
            synchronized (DataTracker.this) {
                for (String w : workers) {
                    Link link = links.get(w);
                    if (link == null) {
                        List<Order> o = orders.get(w);
                        if (o != null && present.containsKey(w)) {
                            pending.computeIfAbsent(w, k -> new ArrayList<>()).addAll(o);
                        }
                    } else {
                        to.put(w, link);
                    }
                }
            }
            for (Map.Entry<String, Link> e : to.entrySet()) {
                List<Order> o = orders.getOrDefault(e.getKey(), List.of());
                List<Peer> p = peers.get(e.getKey());
                try {
                    e.getValue().send(o, p);
                } catch (RuntimeException ex) {
                    log.warn("data grid: could not send orders to worker {}: {}", e.getKey(), ex.toString());
                }
            }
        }
    }
}
