package io.gridwork.internal.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Consistent hashing: distinct homes, agreement between parties, about 1/N of the chunks move. */
class HashRingTest {

    private static List<byte[]> chunks(int n) {
        List<byte[]> hashes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hashes.add(DataLayout.sha256().digest(("chunk " + i).getBytes(StandardCharsets.UTF_8)));
        }
        return hashes;
    }

    private static List<String> workers(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("worker-" + i);
        }
        return ids;
    }

    @Test
    void homesAreDistinctAgreedOnWhateverTheOrderAndNeverMoreThanTheMembers() {
        HashRing ring = new HashRing(workers(5));
        HashRing sameOtherOrder = new HashRing(List.of("worker-4", "worker-2", "worker-0", "worker-3", "worker-1"));
        for (byte[] c : chunks(200)) {
            List<String> homes = ring.homes(c, 3);
            assertThat(homes).hasSize(3).doesNotHaveDuplicates();
            assertThat(sameOtherOrder.homes(c, 3)).isEqualTo(homes);
            assertThat(ring.homes(c, 1)).containsExactly(homes.get(0));
        }
        assertThat(ring.homes(chunks(1).get(0), 9)).hasSize(5);
        assertThat(new HashRing(List.of()).homes(chunks(1).get(0), 2)).isEmpty();
        assertThat(ring.size()).isEqualTo(5);
    }

    @Test
    void aWorkerJoiningOrLeavingMovesAboutOneNthOfTheChunksAndLoadIsSpread() {
        List<byte[]> chunks = chunks(2000);
        HashRing four = new HashRing(workers(4));
        HashRing five = new HashRing(workers(5));
        int moved = 0;
        Map<String, Integer> load = new HashMap<>();
        for (byte[] c : chunks) {
            String before = four.homes(c, 1).get(0);
            String after = five.homes(c, 1).get(0);
            if (!before.equals(after)) {
                moved++;
                assertThat(after).as("a chunk moves only to the new worker").isEqualTo("worker-4");
            }
            load.merge(after, 1, Integer::sum);
        }
        // 1/5 of 2000 is 400; with 128 virtual nodes per worker the share stays well within a factor of 1.5
        assertThat(moved).isBetween(270, 600);
        assertThat(load.values()).allSatisfy(n -> assertThat(n).isBetween(250, 600));

        HashRing three = new HashRing(workers(3)); // worker-3 leaves the four
        for (byte[] c : chunks) {
            String before = four.homes(c, 1).get(0);
            if (!before.equals("worker-3")) {
                assertThat(three.homes(c, 1).get(0)).as("chunks of the workers that stay stay").isEqualTo(before);
            }
        }
    }
}
