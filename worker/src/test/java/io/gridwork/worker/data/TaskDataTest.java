package io.gridwork.worker.data;

import static io.gridwork.worker.data.FakeDataGrid.dataSet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.api.v1.DataCounters;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.PeerEndpoint;
import io.gridwork.sdk.DataRange;
import io.gridwork.worker.data.FakeDataGrid.DataSet;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TaskContext.openData as a task sees it: the bytes of the range, and the counters by source. */
class TaskDataTest {

    @TempDir
    Path dir;

    private FakeDataGrid grid;
    private DataPlane plane;
    private DataSet set;

    @BeforeEach
    void setUp() throws IOException {
        grid = new FakeDataGrid(dir);
        set = grid.add(dataSet("text", 5000, 1024, 21)); // 5 chunks, the last of 904 bytes
        PeerEndpoint a = grid.peer("a", set, false, 0, 1, 2, 3);
        for (int i = 0; i < 4; i++) {
            grid.holds(set, i, a); // chunk 4 only the master has
        }
        plane = DataPlane.forTest(dir.resolve("plane"), 1L << 30, grid::masters, grid::peer, () -> "me");
    }

    @AfterEach
    void tearDown() {
        plane.close();
        grid.close();
    }

    private JobSpec spec() {
        return JobSpec.newBuilder().setJobId("job-1").addData(set.ref()).build();
    }

    @Test
    void aRangeAcrossChunksReadsExactlyItsBytesAndCountsWhereTheyCameFrom() throws IOException {
        TaskData task = plane.forTask(spec());
        byte[] read;
        try (InputStream in = task.open(new DataRange("text", 1000, 3500))) {
            read = in.readAllBytes();
        }
        assertThat(read).isEqualTo(Arrays.copyOfRange(set.bytes(), 1000, 4500));
        DataCounters c = task.counters();
        assertThat(c.getBytesFromPeers()).isEqualTo(4096 - 1000);
        assertThat(c.getBytesFromMaster()).isEqualTo(4500 - 4096);
        assertThat(c.getBytesLocal()).isZero();
        assertThat(task.used()).isTrue();

        // the next task on this worker finds every chunk in the cache
        TaskData next = plane.forTask(spec());
        try (InputStream in = next.open(new DataRange("text", 0, 5000))) {
            assertThat(in.readAllBytes()).isEqualTo(set.bytes());
        }
        assertThat(next.counters().getBytesLocal()).isEqualTo(5000);
        assertThat(next.counters().getBytesFromPeers() + next.counters().getBytesFromMaster()).isZero();
    }

    @Test
    void readsOfEverySizeAndSkipsGiveTheSameBytes() throws IOException {
        TaskData task = plane.forTask(spec());
        try (InputStream in = task.open(new DataRange("text", 10, 4990))) {
            assertThat(in.read()).isEqualTo(set.bytes()[10] & 0xff);
            assertThat(in.skip(2000)).isEqualTo(2000);
            byte[] small = new byte[7];
            assertThat(in.read(small, 0, 7)).isPositive();
            assertThat(small[0]).isEqualTo(set.bytes()[2011]);
            assertThat(in.skip(10_000)).isEqualTo(5000 - 2011 - Math.min(7, 1024)); // clipped at the range's end
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void anEmptyRangeAndTheWholeDataSetByName() throws IOException {
        TaskData task = plane.forTask(spec());
        try (InputStream in = task.open(new DataRange("text", 5000, 0))) {
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(task.used()).isFalse();
    }

    @Test
    void anUnknownNameOrARangeOutsideTheDataSetIsRefused() {
        TaskData task = plane.forTask(spec());
        assertThatThrownBy(() -> task.open(new DataRange("other", 0, 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("this job has no data set 'other' (it has [text])");
        assertThatThrownBy(() -> task.open(new DataRange("text", 4000, 1001))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("range 4000+1001 lies outside data set 'text' of 5000 bytes");
        assertThatThrownBy(() -> plane.forTask(JobSpec.getDefaultInstance()).open(new DataRange("text", 0, 1)))
                .hasMessageContaining("it was submitted with no --data");
    }

    @Test
    void aCorruptChunkIsNeverHandedToTheTask() throws IOException {
        DataSet other = grid.add(dataSet("other", 2048, 1024, 22));
        PeerEndpoint bad = grid.peer("bad", other, true, 0, 1);
        grid.holds(other, 0, bad);
        grid.holds(other, 1, bad);
        TaskData task = plane.forTask(JobSpec.newBuilder().addData(other.ref()).build());
        try (InputStream in = task.open(new DataRange("other", 0, 2048))) {
            assertThat(in.readAllBytes()).isEqualTo(other.bytes());
        }
        assertThat(task.counters().getBytesFromMaster()).isEqualTo(2048);
        assertThat(plane.takeReport().getCorruptList()).hasSize(2)
                .allSatisfy(c -> assertThat(c.getPeerWorkerId()).isEqualTo("bad"));
    }

    @Test
    void aWholeDataSetIsReadVerifiedFromPeersAndTheMasterAsALargeCheckpointIs() throws IOException {
        assertThat(plane.readAll(set.ref())).isEqualTo(set.bytes());
        assertThat(grid.masterBytes.get()).as("only the chunk no peer holds").isEqualTo(5000 - 4096);

        // a peer serving bad bytes: refused by their hash, fetched elsewhere, never handed over
        DataSet other = grid.add(dataSet("checkpoint", 3000, 1024, 9));
        PeerEndpoint bad = grid.peer("bad", other, true, 0, 1, 2);
        for (int i = 0; i < 3; i++) {
            grid.holds(other, i, bad);
        }
        assertThat(plane.readAll(other.ref())).isEqualTo(other.bytes());
    }
}
