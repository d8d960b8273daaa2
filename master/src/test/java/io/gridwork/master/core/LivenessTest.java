package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.model.WorkerEventType;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.WorkerRow;
import io.gridwork.testing.ManualTimer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** The failure detector alone: signals and a settable clock in, verdicts out; nothing else happens. */
class LivenessTest {

    private final ManualTimer time = new ManualTimer();
    private final SchedulerOptions options = SchedulerOptions.defaults();
    private final Liveness liveness = new Liveness(options);
    private final List<WorkerEntry> workers = new ArrayList<>();
    private final ToIntFunction<WorkerEntry> holdsTwo = w -> 2;

    private WorkerEntry worker(String name, int healthPort) {
        WorkerEntry w = new WorkerEntry(new WorkerRow("id-" + name, name, 1, WorkerState.ALIVE, 2, 0, Map.of(), "10.0.0.1",
                healthPort, Map.of(), 0, 0, now(), now(), false), now());
        w.session = new Session(w, 1, new Messages.WorkerLink() {
            @Override
            public void send(Messages.Outbound message) {
            }

            @Override
            public void close(String reason) {
            }
        });
        workers.add(w);
        return w;
    }

    private Instant now() {
        return time.clock.instant();
    }

    /** What the registry does with state changes (the rest is the registry's business). */
    private static List<Liveness.Verdict> applied(List<Liveness.Verdict> verdicts) {
        for (Liveness.Verdict v : verdicts) {
            if (v instanceof Liveness.Verdict.Changed c && c.state() != null && c.worker().state != c.state()) {
                c.worker().state = c.worker().state.moveTo(c.state());
            }
        }
        return verdicts;
    }

    private static <T extends Liveness.Verdict> List<T> of(List<Liveness.Verdict> verdicts, Class<T> type) {
        return verdicts.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private List<Liveness.Verdict> tick() {
        return applied(liveness.tick(workers, now(), holdsTwo));
    }

    @Test
    void aWorkerSilentForLongerThanTheMissedHeartbeatsIsSuspectedAndProbedOnEveryPath() {
        WorkerEntry quiet = worker("quiet", 7000);
        WorkerEntry peer = worker("peer", 7001);
        time.advance(options.suspectAfter());
        peer.lastHeartbeat = now();
        assertThat(tick()).isEmpty(); // exactly at the limit: not yet

        time.advance(Duration.ofMillis(1));
        peer.lastHeartbeat = now();
        List<Liveness.Verdict> verdicts = tick();
        assertThat(of(verdicts, Liveness.Verdict.Changed.class)).singleElement()
                .satisfies(c -> assertThat(c.type()).isEqualTo(WorkerEventType.SUSPECT));
        assertThat(quiet.state).isEqualTo(WorkerState.SUSPECT);
        assertThat(of(verdicts, Liveness.Verdict.ProbeDirect.class)).singleElement()
                .satisfies(p -> assertThat(p.port()).isEqualTo(7000));
        assertThat(of(verdicts, Liveness.Verdict.ProbeViaPeer.class)).singleElement()
                .satisfies(p -> {
                    assertThat(p.peer()).isSameAs(peer);
                    assertThat(p.probe().targetWorkerId()).isEqualTo(quiet.id);
                });
        assertThat(tick()).as("one cycle at a time").isEmpty();
    }

    @Test
    void unreachableOnEveryPathForEveryRoundIsDead() {
        WorkerEntry quiet = worker("quiet", 7000);
        time.advance(options.suspectAfter().plusMillis(1));
        List<Liveness.Verdict> first = tick();
        Liveness.Verdict.ProbeDirect probe = of(first, Liveness.Verdict.ProbeDirect.class).get(0);

        List<Liveness.Verdict> afterFirst = applied(liveness.answered(quiet, probe.suspicion(), probe.round(), "direct",
                false, "connection refused", now(), holdsTwo));
        Liveness.Verdict.ProbeAgain again = of(afterFirst, Liveness.Verdict.ProbeAgain.class).get(0);
        assertThat(again.after()).isEqualTo(options.probeInterval());
        assertThat(quiet.state).isEqualTo(WorkerState.SUSPECT);

        time.advance(again.after());
        List<Liveness.Verdict> second = applied(liveness.nextRound(quiet, again.suspicion(), now(), workers, holdsTwo));
        Liveness.Verdict.ProbeDirect probe2 = of(second, Liveness.Verdict.ProbeDirect.class).get(0);
        assertThat(probe2.round()).isEqualTo(2);
        List<Liveness.Verdict> end = applied(liveness.answered(quiet, probe2.suspicion(), 2, "direct", false,
                "connection refused", now(), holdsTwo));

        assertThat(quiet.state).isEqualTo(WorkerState.DEAD);
        assertThat(of(end, Liveness.Verdict.Changed.class).get(0).reason())
                .startsWith("unreachable on every path (direct: connection refused, direct: connection refused)")
                .endsWith("; reassigning its 2 tasks");
        assertThat(of(end, Liveness.Verdict.Dead.class)).singleElement().satisfies(d -> {
            assertThat(d.crashed()).isFalse();
            assertThat(d.troubleSince()).isNotZero();
        });
        // a late answer of a finished cycle changes nothing
        assertThat(liveness.answered(quiet, probe.suspicion(), 1, "direct", true, "serving", now(), holdsTwo)).isEmpty();
    }

    @Test
    void reachableButSilentIsALinkFailureThatEndsInDeathOnceItsGraceRunsOut() {
        WorkerEntry quiet = worker("quiet", 7000);
        time.advance(options.suspectAfter().plusMillis(1));
        Liveness.Verdict.ProbeDirect probe = of(tick(), Liveness.Verdict.ProbeDirect.class).get(0);
        List<Liveness.Verdict> verdicts = applied(liveness.answered(quiet, probe.suspicion(), probe.round(), "direct",
                true, "serving", now(), holdsTwo));
        assertThat(quiet.state).isEqualTo(WorkerState.LINK_FAILED);
        assertThat(of(verdicts, Liveness.Verdict.Changed.class).get(0).reason()).contains("keeping its 2 tasks for 10 s");
        assertThat(of(verdicts, Liveness.Verdict.CloseStream.class)).hasSize(1);
        quiet.session = null; // what the registry does with CloseStream

        time.advance(options.linkReprobeInterval().plusMillis(1));
        assertThat(of(tick(), Liveness.Verdict.ProbeDirect.class)).as("probed again during the grace").hasSize(1);
        time.advance(options.linkGrace());
        List<Liveness.Verdict> end = tick();
        assertThat(quiet.state).isEqualTo(WorkerState.DEAD);
        assertThat(of(end, Liveness.Verdict.Dead.class).get(0).reason()).contains("grace period");
    }

    @Test
    void heartbeatsThatResumeMakeASuspectAliveAndALinkFailureRecovered() {
        WorkerEntry w = worker("w", 0); // no health port, no peers: nothing to probe
        time.advance(options.suspectAfter().plusMillis(1));
        List<Liveness.Verdict> verdicts = tick();
        assertThat(w.state).isEqualTo(WorkerState.SUSPECT);
        assertThat(of(verdicts, Liveness.Verdict.ProbeAgain.class)).hasSize(1);

        List<Liveness.Verdict> back = applied(liveness.heard(w, now()));
        assertThat(w.state).isEqualTo(WorkerState.ALIVE);
        assertThat(of(back, Liveness.Verdict.Changed.class).get(0).type()).isEqualTo(WorkerEventType.ALIVE);

        w.state = WorkerState.LINK_FAILED;
        assertThat(of(applied(liveness.heard(w, now())), Liveness.Verdict.Changed.class).get(0).type())
                .isEqualTo(WorkerEventType.RECOVERED);
        assertThat(liveness.heard(w, now())).as("an alive worker heard is no news").isEmpty();
    }

    @Test
    void aDrainedWorkerComesBackDrained() {
        WorkerEntry w = worker("w", 0);
        w.drainRequested = true;
        w.state = WorkerState.DRAINING;
        List<Liveness.Verdict> back = applied(liveness.registered(w, WorkerState.DRAINING, 2));
        assertThat(w.state).isEqualTo(WorkerState.DRAINING);
        assertThat(of(back, Liveness.Verdict.Changed.class)).singleElement().satisfies(c -> {
            assertThat(c.state()).isEqualTo(WorkerState.DRAINING);
            assertThat(c.reason()).isEqualTo("back after DRAINING (incarnation 2); it stays drained");
        });
    }

    @Test
    void aBrokenStreamIsProbedAtOnceAndAWorkerThatDiesThenCrashedItsTasks() {
        WorkerEntry w = worker("w", 7000);
        w.session = null;
        List<Liveness.Verdict> verdicts = applied(liveness.streamBroke(w, "reset", now(), workers, holdsTwo));
        assertThat(w.state).isEqualTo(WorkerState.SUSPECT);
        Liveness.Verdict.ProbeDirect p = of(verdicts, Liveness.Verdict.ProbeDirect.class).get(0);
        Liveness.Verdict.ProbeAgain again = of(applied(liveness.answered(w, p.suspicion(), 1, "direct", false, "refused",
                now(), holdsTwo)), Liveness.Verdict.ProbeAgain.class).get(0);
        Liveness.Verdict.ProbeDirect p2 = of(applied(liveness.nextRound(w, again.suspicion(), now(), workers, holdsTwo)),
                Liveness.Verdict.ProbeDirect.class).get(0);
        List<Liveness.Verdict> end = applied(liveness.answered(w, p2.suspicion(), 2, "direct", false, "refused", now(),
                holdsTwo));
        assertThat(of(end, Liveness.Verdict.Dead.class).get(0).crashed()).isTrue();
    }
}
