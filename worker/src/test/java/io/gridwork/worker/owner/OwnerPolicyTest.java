package io.gridwork.worker.owner;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.worker.owner.OwnerPolicy.Mode;
import io.gridwork.worker.owner.OwnerPolicy.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OwnerPolicyTest {

    /** 2026-11-29 is a Sunday; 12:00 in Paris is 11:00 UTC. */
    final TestClock clock = new TestClock(Instant.parse("2026-11-29T11:00:00Z"), ZoneId.of("Europe/Paris"));
    final AtomicReference<OwnerProbe.Reading> probe = new AtomicReference<>(OwnerProbe.Reading.IDLE);
    final AtomicLong cpuNanos = new AtomicLong();

    private OwnerPolicy policy(Hours hours, int maxCpu) {
        return new OwnerPolicy(probe::get, hours, maxCpu, cpuNanos::get, 4, clock);
    }

    @Test
    void outsideTheHoursInTheMachinesTimeZoneItVacates() {
        OwnerPolicy p = policy(Hours.parse("18:00-08:00"), 0);
        assertThat(p.check()).isEqualTo(new Verdict(Mode.VACATE, "outside the hours 18:00-08:00"));
        clock.set(Instant.parse("2026-11-29T17:00:00Z")); // 18:00 in Paris
        assertThat(p.check()).isEqualTo(Verdict.SERVE);
        clock.set(Instant.parse("2026-11-30T06:59:59Z")); // 07:59:59
        assertThat(p.check()).isEqualTo(Verdict.SERVE);
        clock.set(Instant.parse("2026-11-30T07:00:00Z")); // 08:00
        assertThat(p.check().mode()).isEqualTo(Mode.VACATE);
    }

    @Test
    void aBusyOwnerVacatesWithTheProbesReason() {
        OwnerPolicy p = policy(null, 0);
        assertThat(p.check()).isEqualTo(Verdict.SERVE);
        probe.set(OwnerProbe.Reading.busy("a session on pts/3 was active 4 s ago (idle after 300 s)"));
        assertThat(p.check()).isEqualTo(new Verdict(Mode.VACATE,
                "owner busy: a session on pts/3 was active 4 s ago (idle after 300 s)"));
    }

    @Test
    void aboveTheCpuLimitItPausesAndBelowItServes() {
        OwnerPolicy p = policy(null, 50);
        assertThat(p.check()).as("no earlier sample").isEqualTo(Verdict.SERVE);
        // 10 s of wall time on 4 cores is 40 s of CPU; 24 s used is 60 %
        clock.advance(Duration.ofSeconds(10));
        cpuNanos.addAndGet(Duration.ofSeconds(24).toNanos());
        assertThat(p.check()).isEqualTo(new Verdict(Mode.PAUSE, "worker CPU 60% >= --max-cpu-percent 50"));
        clock.advance(Duration.ofSeconds(10));
        cpuNanos.addAndGet(Duration.ofSeconds(8).toNanos()); // 20 %
        assertThat(p.check()).isEqualTo(Verdict.SERVE);
    }

    @Test
    void theWatchTellsOnlyChanges() {
        OwnerPolicy p = policy(null, 0);
        List<Verdict> told = new ArrayList<>();
        OwnerWatch watch = new OwnerWatch(p, told::add);
        watch.checkOnce();
        watch.checkOnce();
        probe.set(OwnerProbe.Reading.busy("the idle command exited 1"));
        watch.checkOnce();
        probe.set(OwnerProbe.Reading.busy("the idle command exited 2"));
        watch.checkOnce();
        probe.set(OwnerProbe.Reading.IDLE);
        watch.checkOnce();
        assertThat(told).containsExactly(Verdict.SERVE, new Verdict(Mode.VACATE, "owner busy: the idle command exited 1"),
                Verdict.SERVE);
        assertThat(watch.last()).isEqualTo(Verdict.SERVE);
    }

    @Test
    void aFailingCheckKeepsTheLastVerdict() {
        List<Verdict> told = new ArrayList<>();
        OwnerWatch watch = new OwnerWatch(new OwnerPolicy(() -> {
            throw new IllegalStateException("boom");
        }, null, 0, cpuNanos::get, 4, clock), told::add);
        assertThat(watch.checkOnce()).isNull();
        assertThat(told).isEmpty();
    }
}
