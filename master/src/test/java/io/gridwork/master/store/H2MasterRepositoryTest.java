package io.gridwork.master.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The masters on H2: a fresh in-memory database per test (several stores open it, as several masters would). */
class H2MasterRepositoryTest extends MasterRepositoryContract {

    @Override
    protected StoreConfig freshDatabase() {
        return StoreConfig.h2InMemory("masters-" + UUID.randomUUID());
    }

    @Test
    void aMasterRestartedOnItsDataDirectoryAdoptsItsJobsAtOnce(@TempDir Path dir) {
        String earlier;
        JobRow j;
        try (Store first = Store.open(dir)) {
            first.masters().join(first.masterId(), "a:7070", null, false, first.epoch());
            j = job(first);
            earlier = first.masterId();
        } // killed (no leave): its lease is fresh, but on H2 only one process holds the store
        try (Store second = Store.open(dir)) {
            second.masters().join(second.masterId(), "a:7070", null, false, second.epoch());
            List<JobRow> adopted = second.masters().adoptOrphans(second.masterId(), second.epoch(), LONG);
            assertThat(adopted).extracting(JobRow::id).containsExactly(j.id());
            assertThat(adopted.get(0).ownerMaster()).isEqualTo(second.masterId());
            assertThat(second.masters().find(earlier).orElseThrow().state()).isEqualTo("DEAD");
            assertThat(second.masters().sessionAlive(earlier)).as("always, on H2").isTrue();
        }
    }
}
