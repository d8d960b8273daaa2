package io.gridwork.worker.owner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe reads a /proc and a /dev the test writes, on a clock the test sets. */
class LinuxActivityProbeTest {

    @TempDir
    Path root;
    Path proc;
    Path dev;
    final TestClock clock = new TestClock(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC);
    LinuxActivityProbe probe;

    @BeforeEach
    void setUp() throws IOException {
        proc = Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(proc.resolve("self"));
        dev = Files.createDirectories(root.resolve("dev"));
        Files.createDirectories(dev.resolve("pts"));
        // 4 cores, threshold 0.3 per core, terminals idle after 5 minutes
        probe = new LinuxActivityProbe(proc, dev, clock, 0.3, Duration.ofMinutes(5), 4);
        loadavg("0.10");
        cpu(1000, 9000);
        self(0);
    }

    private void loadavg(String oneMinute) throws IOException {
        Files.writeString(proc.resolve("loadavg"), oneMinute + " 0.20 0.30 1/300 4242\n");
    }

    /** The aggregate cpu line: {@code busy} ticks split over user and system, {@code idle} over idle and iowait. */
    private void cpu(long busy, long idle) throws IOException {
        long user = busy / 2;
        long system = busy - user;
        Files.writeString(proc.resolve("stat"), "cpu  " + user + " 0 " + system + " " + (idle - 10) + " 10 0 0 0 0 0\n"
                + "cpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n");
    }

    /** This process's CPU ticks: utime, stime, cutime, cstime (fields 14 to 17), with a comm that has spaces. */
    private void self(long ticks) throws IOException {
        long u = ticks / 2;
        Files.writeString(proc.resolve("self").resolve("stat"), "4242 (java (worker) x) S 1 4242 4242 0 -1 4194560 "
                + "100 0 0 0 " + u + " " + (ticks - u - 1) + " 1 0 20 0 40 0 123 456 789\n");
    }

    private void terminal(String name, Instant used) throws IOException {
        Path p = dev.resolve(name);
        if (!Files.exists(p)) {
            Files.createFile(p);
        }
        Files.setAttribute(p, "lastAccessTime", FileTime.from(used));
    }

    @Test
    void theFirstCheckUsesTheLoadAverageThenTheCpuTimeOfOtherProcesses() throws IOException {
        // first: 0.10 / 4 cores
        assertThat(probe.othersLoadPerCore()).isEqualTo(0.025);
        // next: 400 busy ticks of 1000, of which the worker used 300: others 100 / 1000
        cpu(1400, 9600);
        self(300);
        assertThat(probe.othersLoadPerCore()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void theWorkersOwnCpuTimeDoesNotMakeTheOwnerBusy() throws IOException {
        assertThat(probe.read().busy()).isFalse();
        // every core busy, all of it the worker's tasks
        cpu(1000 + 4000, 9000);
        self(4000);
        OwnerProbe.Reading r = probe.read();
        assertThat(r.busy()).as(r.reason()).isFalse();
    }

    @Test
    void otherProcessesAboveTheLoadMakeTheOwnerBusy() throws IOException {
        probe.read();
        cpu(1000 + 500, 9000 + 500); // others: 500 of 1000 ticks
        OwnerProbe.Reading r = probe.read();
        assertThat(r).isEqualTo(OwnerProbe.Reading.busy("load from other processes 0.50 per core >= 0.30"));
        cpu(1500 + 100, 9500 + 900); // 0.10: idle again
        assertThat(probe.read().busy()).isFalse();
    }

    @Test
    void aTerminalUsedWithinIdleAfterMakesTheOwnerBusy() throws IOException {
        terminal("tty1", clock.instant().minus(Duration.ofHours(3)));
        terminal("pts/3", clock.instant().minus(Duration.ofSeconds(42)));
        Files.createFile(dev.resolve("pts").resolve("ptmx")); // not a terminal of anyone
        Files.setAttribute(dev.resolve("pts").resolve("ptmx"), "lastAccessTime", FileTime.from(clock.instant()));
        assertThat(probe.read()).isEqualTo(OwnerProbe.Reading.busy("a session on pts/3 was active 42 s ago (idle after 300 s)"));
        clock.advance(Duration.ofMinutes(5).minusSeconds(42).minusSeconds(1));
        assertThat(probe.read().busy()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        OwnerProbe.Reading idle = probe.read();
        assertThat(idle.busy()).as(idle.reason()).isFalse();
    }

    @Test
    void anUnreadableProcCountsAsBusy() throws IOException {
        Files.delete(proc.resolve("stat"));
        OwnerProbe.Reading r = probe.read();
        assertThat(r.busy()).isTrue();
        assertThat(r.reason()).startsWith("cannot read the load");
    }
}
