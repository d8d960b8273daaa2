package io.gridwork.master.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.internal.data.DataLayout;
import io.gridwork.internal.data.HashRing;
import io.gridwork.master.data.DataTracker.ChunkId;
import io.gridwork.master.data.DataTracker.Order;
import io.gridwork.master.data.DataTracker.Peer;
import io.gridwork.master.data.DataTracker.WorkerState;
import io.gridwork.master.store.DataSetRow;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The tracker's rules, with recording links: no sockets, no threads. */
class DataTrackerTest {

    private final DataTracker tracker = new DataTracker();
    private final Map<String, Recording> links = new HashMap<>();

    /** A link that keeps what it was sent. */
    static final class Recording implements DataTracker.Link {
        final List<Order> orders = new ArrayList<>();
        List<Peer> peers;

        @Override
        public void send(List<Order> sent, List<Peer> peerList) {
            orders.addAll(sent);
            if (peerList != null) {
                peers = peerList;
            }
        }

        Set<Integer> fetched(String dataId) {
            Set<Integer> all = new TreeSet<>();
            orders.stream().filter(o -> o.dataId().equals(dataId)).forEach(o -> all.addAll(o.fetch()));
            return all;
        }

        Set<Integer> dropped(String dataId) {
            Set<Integer> all = new TreeSet<>();
            orders.stream().filter(o -> o.dataId().equals(dataId)).forEach(o -> all.addAll(o.drop()));
            return all;
        }
    }

    static DataSetRow dataSet(String seed, int chunks, int replicas) {
        List<byte[]> hashes = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            hashes.add(DataLayout.sha256().digest((seed + "/" + i).getBytes(StandardCharsets.UTF_8)));
        }
        long size = (long) chunks * DataLayout.CHUNK_SIZE;
        return new DataSetRow(DataLayout.rootId(size, DataLayout.CHUNK_SIZE, hashes), seed, size, DataLayout.CHUNK_SIZE,
                hashes, replicas, "lab", Instant.EPOCH, null);
    }

    private void live(String... ids) {
        List<WorkerState> states = new ArrayList<>();
        for (String id : ids) {
            states.add(new WorkerState(new Peer(id, "name-" + id, "10.0.0." + id.length(), 7000), true, false));
        }
        tracker.workers(states);
        for (String id : ids) {
            links.computeIfAbsent(id, k -> {
                Recording r = new Recording();
                tracker.linked(k, r);
                return r;
            });
        }
    }

    private Recording link(String id) {
        return links.get(id);
    }

    /** Every home of every chunk reports it holds it. */
    private void homesReport(DataSetRow set) {
        for (int i = 0; i < set.chunks(); i++) {
            for (String home : tracker.homes(set.id(), i)) {
                tracker.report(home, List.of(new ChunkId(set.id(), i)), List.of());
            }
        }
    }

    @Test
    void aNewDataSetIsOrderedOntoTheHomesOfEachChunkAndNowhereElse() {
        live("a", "b", "c", "d");
        DataSetRow set = dataSet("text", 40, 2);
        tracker.dataSet(set);
        HashRing ring = new HashRing(List.of("a", "b", "c", "d"));
        // no worker holds a chunk yet: only its first home is ordered (it fetches it from the master)
        for (String w : List.of("a", "b", "c", "d")) {
            Set<Integer> expected = new TreeSet<>();
            for (int i = 0; i < set.chunks(); i++) {
                if (ring.homes(set.chunkHashes().get(i), 2).get(0).equals(w)) {
                    expected.add(i);
                }
            }
            assertThat(link(w).fetched(set.id())).as(w).isEqualTo(expected);
            assertThat(link(w).dropped(set.id())).isEmpty();
        }
        assertThat(link("a").peers).extracting(Peer::workerId).containsExactly("a", "b", "c", "d");
        assertThat(tracker.replicasHeld(set.id())).isZero();

        // once the first home holds it, the second home is ordered too (and fetches it from the first)
        for (int i = 0; i < set.chunks(); i++) {
            tracker.report(ring.homes(set.chunkHashes().get(i), 2).get(0), List.of(new ChunkId(set.id(), i)), List.of());
        }
        for (String w : List.of("a", "b", "c", "d")) {
            Set<Integer> expected = new TreeSet<>();
            for (int i = 0; i < set.chunks(); i++) {
                if (ring.homes(set.chunkHashes().get(i), 2).contains(w)) {
                    expected.add(i);
                }
            }
            assertThat(link(w).fetched(set.id())).as(w).isEqualTo(expected);
        }
        assertThat(tracker.replicasHeld(set.id())).isEqualTo(1);

        homesReport(set);
        assertThat(tracker.replicasHeld(set.id())).isEqualTo(2);
        assertThat(tracker.holderNames(set.id())).containsExactly("name-a", "name-b", "name-c", "name-d");
        int before = links.values().stream().mapToInt(r -> r.orders.size()).sum();
        tracker.dataSet(set); // put again: nothing new to order
        assertThat(links.values().stream().mapToInt(r -> r.orders.size()).sum()).isEqualTo(before);
    }

    @Test
    void aDeadHoldersChunksAreOrderedOntoTheirNewHomesAndLocatedAtTheOtherHolders() {
        live("a", "b", "c", "d");
        DataSetRow set = dataSet("logs", 40, 2);
        tracker.dataSet(set);
        homesReport(set);
        links.values().forEach(r -> r.orders.clear());
        Set<Integer> heldByB = new TreeSet<>();
        for (int i = 0; i < set.chunks(); i++) {
            if (tracker.holders(set.id(), i).contains("b")) {
                heldByB.add(i);
            }
        }
        assertThat(heldByB).isNotEmpty();

        live("a", "c", "d"); // b died
        assertThat(tracker.replicasHeld(set.id())).isEqualTo(1);
        Set<Integer> reordered = new TreeSet<>();
        for (String w : List.of("a", "c", "d")) {
            reordered.addAll(link(w).fetched(set.id()));
            assertThat(link(w).dropped(set.id())).as("nothing is dropped while a replica is missing").isEmpty();
        }
        assertThat(reordered).as("exactly b's chunks get a new home").isEqualTo(heldByB);
        for (int i : heldByB) {
            DataTracker.Location where = tracker.locate(set.id(), List.of(i)).get(0);
            assertThat(where.holders()).extracting(Peer::workerId).doesNotContain("b").hasSize(1);
            assertThat(where.homes()).extracting(Peer::workerId).hasSize(2).doesNotContain("b");
        }
        homesReport(set);
        assertThat(tracker.replicasHeld(set.id())).as("replicas restored").isEqualTo(2);
    }

    @Test
    void aJoiningWorkerTakesAboutOneNthAndFormerHomesAreDroppedOnlyOnceItHoldsThem() {
        live("a", "b", "c", "d");
        DataSetRow set = dataSet("big", 200, 1);
        tracker.dataSet(set);
        homesReport(set);
        links.values().forEach(r -> r.orders.clear());

        live("a", "b", "c", "d", "e");
        Set<Integer> moved = link("e").fetched(set.id());
        // the new worker takes about 1/5 of the chunks; the ring's virtual nodes keep it well within these bounds
        assertThat(moved.size()).isBetween(200 / 5 / 2, 200 / 5 * 2);
        for (String w : List.of("a", "b", "c", "d")) {
            assertThat(link(w).fetched(set.id())).as("no chunk moves between the workers that stay").isEmpty();
            assertThat(link(w).dropped(set.id())).as("not dropped before the new home holds it").isEmpty();
        }
        // the new home reports half of its chunks: only those are released by their former homes
        List<Integer> half = new ArrayList<>(moved).subList(0, moved.size() / 2);
        for (int i : half) {
            tracker.report("e", List.of(new ChunkId(set.id(), i)), List.of());
        }
        Set<Integer> dropped = new TreeSet<>();
        for (String w : List.of("a", "b", "c", "d")) {
            dropped.addAll(link(w).dropped(set.id()));
        }
        assertThat(dropped).containsExactlyInAnyOrderElementsOf(half);
    }

    @Test
    void ordersForAWorkerWithoutAStreamWaitForItAndADeletedDataSetIsDroppedEverywhere() {
        tracker.workers(List.of(new WorkerState(new Peer("a", "a", "h", 7000), true, false)));
        DataSetRow set = dataSet("lookup", 3, 1);
        tracker.dataSet(set);
        Recording late = new Recording();
        tracker.linked("a", late);
        assertThat(late.fetched(set.id())).containsExactly(0, 1, 2);
        assertThat(late.peers).extracting(Peer::workerId).containsExactly("a");

        tracker.report("a", List.of(new ChunkId(set.id(), 0)), List.of());
        tracker.removed(set.id());
        assertThat(late.orders).last().satisfies(o -> {
            assertThat(o.removed()).isTrue();
            assertThat(o.dataId()).isEqualTo(set.id());
        });
        assertThat(tracker.locate(set.id(), List.of())).isEmpty();
        assertThat(tracker.replicasHeld(set.id())).isZero();
    }

    @Test
    void aCorruptHolderLeavesTheDirectoryForThatChunkAndARegistrationReplacesWhatAWorkerHolds() {
        live("a", "b");
        DataSetRow set = dataSet("table", 4, 2);
        tracker.dataSet(set);
        homesReport(set);
        assertThat(tracker.holders(set.id(), 1)).containsExactlyInAnyOrder("a", "b");

        tracker.corrupt("a", new ChunkId(set.id(), 1), "b", "sha256 mismatch");
        assertThat(tracker.holders(set.id(), 1)).containsExactly("a");
        assertThat(tracker.corruptReports()).isEqualTo(1);
        assertThat(link("b").fetched(set.id())).as("b, a home, is ordered to fetch it again").contains(1);

        // b restarts holding only chunk 2, and chunks of a data set the master does not know
        tracker.registered("b", List.of(new ChunkId(set.id(), 2), new ChunkId("f".repeat(64), 0),
                new ChunkId(set.id(), 99)));
        assertThat(tracker.holders(set.id(), 0)).containsExactly("a");
        assertThat(tracker.holders(set.id(), 2)).containsExactlyInAnyOrder("a", "b");
        assertThatThrownBy(() -> tracker.locate(set.id(), List.of(4))).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aDrainingWorkerLeavesTheRingButItsChunksStillCountUntilItIsGone() {
        live("a", "b", "c");
        DataSetRow set = dataSet("drain", 30, 3);
        tracker.dataSet(set);
        homesReport(set);
        tracker.workers(List.of(new WorkerState(new Peer("a", "a", "h", 7000), true, false),
                new WorkerState(new Peer("b", "b", "h", 7000), true, false),
                new WorkerState(new Peer("c", "c", "h", 7000), false, false)));
        assertThat(tracker.homes(set.id(), 0)).containsExactlyInAnyOrder("a", "b");
        assertThat(tracker.peers()).as("the ring, as workers get it").extracting(Peer::workerId).containsExactly("a", "b");
        assertThat(link("a").peers).extracting(Peer::workerId).containsExactly("a", "b");
        assertThat(tracker.replicasHeld(set.id())).isEqualTo(3);
        assertThat(link("c").dropped(set.id())).as("homes a and b hold everything: c may drop").hasSize(30);
    }
}
