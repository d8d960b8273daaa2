package io.gridwork.e2e.ha;

import static io.gridwork.e2e.ha.HaGrid.events;
import static io.gridwork.e2e.ha.HaGrid.eventsAbout;
import static io.gridwork.e2e.ha.HaGrid.info;
import static io.gridwork.e2e.ha.HaGrid.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.bench.support.DelayProxy;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.e2e.ha.HaGrid.Master;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The failures a failure detector must not get wrong, with real master and worker JVMs on a shared PostgreSQL store:
 * a master paused (SIGSTOP) past its lease, which is taken over and must, when it wakes, write nothing for the jobs it
 * lost and step down; and the link between two masters cut while both stay up, which is a link failure and must not
 * cause a takeover. Invariants, not timings: exact results, merges equal tasks, no finished task run again.
 */
class HaFencingIT extends OnePostgresPerClass {

    @Test
    void aMasterPausedPastItsLeaseIsTakenOverAndWhenItWakesItStepsDownWithoutWriting() throws Exception {
        try (HaGrid g = new HaGrid(dir.resolve("paused"), postgres, "paused")) {
            Master[] ab = g.twoActiveMasters();
            Master a = ab[0];
            Master b = ab[1];
            Path logA = g.dir.resolve("a-tasks.log");
            Path logB = g.dir.resolve("b-tasks.log");
            String onA = g.submit(a, 60, 150, logA);
            String onB = g.submit(b, 40, 150, logB);
            HaGrid.awaitSucceeded(b, onA, 10);

            String pausedId = a.id;
            long pausedEpoch = info(b, pausedId).orElseThrow().getEpoch();
            GridProcesses.signal(a.process, "STOP");
            // its session stays open (a paused process keeps its connections): only its lease running out lets b
            // conclude it dead and take its job over
            await().atMost(Duration.ofSeconds(30)).until(() -> state(b, pausedId) == MasterInfo.State.DEAD);
            assertThat(eventsAbout(b, pausedId)).contains("TAKEOVER by=" + b.id);
            assertThat(b.client.status(onA).getMaster()).isEqualTo(b.id);

            GridProcesses.signal(a.process, "CONT");
            // it finds out it was fenced, gives up what it had and rejoins under a new identity
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> events(b).stream()
                    .anyMatch(e -> e.getType() == MasterEvent.Type.STEPPED_DOWN && e.getMasterId().equals(pausedId)));
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                MasterInfo self = HaGrid.self(a).orElseThrow();
                return !self.getId().equals(pausedId) && self.getState() == MasterInfo.State.ACTIVE;
            });
            MasterInfo rejoined = HaGrid.self(a).orElseThrow();
            a.id = rejoined.getId();
            assertThat(a.process.isAlive()).as("the woken master stays up").isTrue();
            assertThat(rejoined.getEpoch()).as("its new epoch").isGreaterThan(pausedEpoch);
            await().atMost(Duration.ofSeconds(30)).until(() -> state(b, a.id) == MasterInfo.State.ACTIVE);
            // the fenced identity stays dead: it was never resurrected by a late lease renewal
            assertThat(state(b, pausedId)).isEqualTo(MasterInfo.State.DEAD);

            JobStatus doneA = g.awaitEnd(b, onA);
            JobStatus doneB = g.awaitEnd(b, onB);
            // the results equal the fault-free run: nothing the woken master had in hand was merged or counted
            g.assertExact(doneA, 60, logA);
            g.assertExact(doneB, 40, logB);
            assertThat(doneA.getMaster()).isEqualTo(b.id);
            assertThat(doneB.getMaster()).isEqualTo(b.id);
            // the woken master owns nothing it lost; it answers about the job with the new owner
            assertThat(info(b, a.id).orElseThrow().getJobs()).isZero();
            assertThat(a.client.status(onA).getMaster()).isEqualTo(b.id);
            assertThat(a.client.status(onA).getResult()).isEqualTo(doneA.getResult());
            // one takeover of the paused master, none of b
            assertThat(eventsAbout(b, pausedId).stream().filter(e -> e.startsWith("TAKEOVER"))).hasSize(1);
            assertThat(eventsAbout(b, b.id)).noneMatch(e -> e.startsWith("TAKEOVER"));
        }
    }

    @Test
    void aCutLinkBetweenTwoLiveMastersIsALinkFailureWithoutTakeover() throws Exception {
        try (HaGrid g = new HaGrid(dir.resolve("link"), postgres, "link")) {
            Master a = g.define("a");
            Master b = g.define("b");
            // the peer path to b goes through a proxy: b advertises the proxy's address (where a pings it), while
            // workers and clients are given b's own port
            try (DelayProxy proxy = new DelayProxy(0, new InetSocketAddress("127.0.0.1", b.port), 0)) {
                String peerAddress = "127.0.0.1:" + proxy.port();
                g.start(a);
                g.start(b, "--advertise", peerAddress);
                HaGrid.awaitActive(a, b);
                assertThat(info(a, b.id).orElseThrow().getAddress()).isEqualTo(peerAddress);
                // workers after both masters are up: each links to b at its own port (a link is per master id, so
                // the advertised address it then learns for b adds none)
                g.startWorker("w1", 2, a, b);
                g.startWorker("w2", 2, a, b);
                g.awaitWorkers(a, 2);
                g.awaitWorkers(b, 2);
                Path logA = g.dir.resolve("a-tasks.log");
                Path logB = g.dir.resolve("b-tasks.log");
                String onA = g.submit(a, 50, 150, logA);
                String onB = g.submit(b, 50, 150, logB);
                HaGrid.awaitSucceeded(a, onA, 5);
                HaGrid.awaitSucceeded(b, onB, 5);

                proxy.cut();
                await().atMost(Duration.ofSeconds(30)).until(() -> state(a, b.id) == MasterInfo.State.LINK_FAILED);
                assertThat(types(eventsAbout(a, b.id))).containsSubsequence("SUSPECT", "LINK_FAILED");

                // both keep running their own jobs to the exact result
                JobStatus doneA = g.awaitEnd(a, onA);
                JobStatus doneB = g.awaitEnd(b, onB);
                g.assertExact(doneA, 50, logA);
                g.assertExact(doneB, 50, logB);
                assertThat(doneA.getMaster()).isEqualTo(a.id);
                assertThat(doneB.getMaster()).isEqualTo(b.id);
                // nobody took anything over, and b is still b
                assertThat(events(a)).noneMatch(e -> e.getType() == MasterEvent.Type.TAKEOVER);
                assertThat(events(b)).noneMatch(e -> e.getType() == MasterEvent.Type.TAKEOVER);
                assertThat(HaGrid.self(b).orElseThrow().getId()).isEqualTo(b.id);
                assertThat(HaGrid.self(b).orElseThrow().getState()).isEqualTo(MasterInfo.State.ACTIVE);
                assertThat(state(a, b.id)).isEqualTo(MasterInfo.State.LINK_FAILED);
                assertThat(a.process.isAlive() && b.process.isAlive()).isTrue();

                proxy.restore();
                await().atMost(Duration.ofSeconds(30)).until(() -> state(a, b.id) == MasterInfo.State.ACTIVE);
                assertThat(types(eventsAbout(a, b.id))).containsSubsequence("SUSPECT", "LINK_FAILED", "RECOVERED");
                assertThat(events(a)).noneMatch(e -> e.getType() == MasterEvent.Type.TAKEOVER);
            }
        }
    }

    private static List<String> types(List<String> events) {
        return events.stream().map(e -> e.substring(0, e.indexOf(' '))).collect(Collectors.toList());
    }
}
