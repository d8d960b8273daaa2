package io.gridwork.master.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.core.Submission;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A schedule keeps its jobs' quorum; one stored before results by quorum has none. */
class ScheduleSpecQuorumTest {

    private static ScheduleSpec spec(Submission s) {
        return new ScheduleSpec("nightly", "0 0 3 * * ?", ZoneId.of("UTC"), null, s, ScheduleSpec.Misfire.FIRE_ONCE,
                ScheduleSpec.Overlap.SKIP, Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Test
    void theQuorumSurvivesTheJobStoresStrings() {
        Submission s = new Submission("a".repeat(64), "x.Job", Map.of("n", "3"), 0, 0, "ann").withQuorum(3, 5);
        Submission back = ScheduleSpec.fromData("nightly", spec(s).toData()).submission();
        assertThat(back.quorum()).isEqualTo(3);
        assertThat(back.quorumMax()).isEqualTo(5);
    }

    @Test
    void aScheduleWithoutAQuorumStoresNoneAndReadsBackTheDefault() {
        Submission s = new Submission("a".repeat(64), "x.Job", Map.of(), 0, 0, "ann");
        org.quartz.JobDataMap data = spec(s).toData();
        assertThat(data.containsKey("quorum")).isFalse();
        Submission back = ScheduleSpec.fromData("nightly", data).submission();
        assertThat(back.quorum()).isZero();
        assertThat(back.quorumMax()).isZero();
    }
}
