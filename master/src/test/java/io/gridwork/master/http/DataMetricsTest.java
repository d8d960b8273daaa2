package io.gridwork.master.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.data.DataFiles;
import io.gridwork.master.data.DataGrid;
import io.gridwork.master.data.DataTracker;
import io.gridwork.master.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data grid's counters on /metrics, by their Prometheus names. */
class DataMetricsTest {

    @Test
    void bytesReadBySourceAreCountersSummedOverJobs(@TempDir Path dir) throws Exception {
        try (Store store = Store.inMemory("metrics-" + UUID.randomUUID())) {
            DataGrid grid = new DataGrid(store.dataSets(), new DataFiles(dir), new DataTracker(), Clock.systemUTC());
            MasterMetrics metrics = new MasterMetrics();
            metrics.bindData(grid);
            grid.read("job-1", new DataGrid.Counters(100, 20, 3));
            grid.read("job-2", new DataGrid.Counters(1, 2, 0));
            String text = metrics.scrape();
            assertThat(text).contains("gridwork_data_bytes_total{source=\"local\"} 101.0",
                    "gridwork_data_bytes_total{source=\"peers\"} 22.0",
                    "gridwork_data_bytes_total{source=\"master\"} 3.0", "gridwork_data_served_bytes_total 0.0",
                    "gridwork_data_corrupt_chunks_total 0.0", "gridwork_data_sets 0.0");
            assertThat(grid.counters("job-1")).as("before they are stored").isEqualTo(new DataGrid.Counters(100, 20, 3));
            grid.flushCounters();
            grid.read("job-1", new DataGrid.Counters(1, 0, 0));
            assertThat(grid.counters("job-1")).as("stored, plus what is not yet").isEqualTo(new DataGrid.Counters(101, 20, 3));
            grid.flushCounters();
            DataGrid restarted = new DataGrid(store.dataSets(), new DataFiles(dir), new DataTracker(), Clock.systemUTC());
            assertThat(restarted.counters("job-1")).as("after a restart").isEqualTo(new DataGrid.Counters(101, 20, 3));
            assertThat(restarted.counters("job-2")).isEqualTo(new DataGrid.Counters(1, 2, 0));
        }
    }
}
