package io.gridwork.e2e.ha;

import static io.gridwork.e2e.ha.HaGrid.eventsAbout;
import static io.gridwork.e2e.ha.HaGrid.events;
import static io.gridwork.e2e.ha.HaGrid.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.api.v1.Schedule;
import io.gridwork.api.v1.ScheduleRun;
import io.gridwork.bench.jobs.TallyJob;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.client.GridException;
import io.gridwork.client.ScheduleSubmission;
import io.gridwork.e2e.ha.HaGrid.Master;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Masters killed with {@code kill -9} on a shared PostgreSQL store (one embedded server for the class, a database of
 * its own for each test), with real master and worker JVMs: a hot standby taking over from the active master, two
 * active masters where the survivor finishes the jobs of both, and a schedule that fires every second across the
 * failover. Each checks invariants, not timings: the exact result of every job, merges equal tasks, no finished task
 * run again, and what {@code grid masters} and the master events say happened.
 */
class HaFailoverIT extends OnePostgresPerClass {

    @Test
    void theStandbyTakesOverTheJobOfTheActiveMasterKilledMidJob() throws Exception {
        try (HaGrid g = new HaGrid(dir.resolve("standby"), postgres, "standby")) {
            Master a = g.startMaster("a");
            Master s = g.define("s");
            // workers first, linked to both masters: they reach the standby once it is up
            g.startWorker("w1", 2, a, s);
            g.startWorker("w2", 2, a, s);
            g.start(s, "--standby");
            assertThat(HaGrid.self(s).orElseThrow().getState()).isEqualTo(MasterInfo.State.STANDBY);
            await().atMost(Duration.ofSeconds(30)).until(() -> state(a, s.id) == MasterInfo.State.STANDBY
                    && state(s, a.id) == MasterInfo.State.ACTIVE);
            Path log = g.dir.resolve("tasks.log");

            // a standby runs no jobs: it refuses a submission and names the active master (the jar uploaded with it
            // is one of the standby's own, so it cannot help the takeover below)
            GridException refused = catchThrowableOfType(() -> g.submit(s, 1, 1, log), GridException.class);
            assertThat(refused).as("a submission to the standby").isNotNull();
            assertThat(refused.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(refused.getMessage()).contains("standby").contains(a.address());

            g.awaitWorkers(a, 2);
            // the workers are linked to the standby too when the active master dies
            g.awaitLinked(s, "w1", "w2");
            String job = g.submit(a, 60, 150, log);
            assertThat(a.client.status(job).getMaster()).isEqualTo(a.id);
            // grid wait with both masters keeps waiting across the failover
            Path waitOut = g.dir.resolve("wait.out");
            Process waiting = g.grid.start("wait", "wait", job, "--master", a.address() + "," + s.address(),
                    "--out", waitOut.toString());
            HaGrid.awaitSucceeded(a, job, 10);

            g.kill9(a);
            JobStatus done = g.awaitEnd(s, job);
            g.assertExact(done, 60, log);
            assertThat(done.getMaster()).as("the owner after the takeover").isEqualTo(s.id);
            assertThat(done.getMasterAddress()).isEqualTo(s.address());

            // grid masters on the survivor: the killed one DEAD, the former standby ACTIVE
            GridProcesses.Result r = g.grid.run("masters", "--master", s.address(), "--output", "json");
            assertThat(r.code()).as(r.err()).isZero();
            Map<String, JsonObject> listed = mastersJson(r.out());
            assertThat(listed).containsKeys(a.id, s.id);
            assertThat(listed.get(a.id).get("state").getAsString()).isEqualTo("DEAD");
            assertThat(listed.get(a.id).get("address").getAsString()).isEqualTo(a.address());
            assertThat(listed.get(s.id).get("state").getAsString()).isEqualTo("ACTIVE");
            assertThat(listed.get(s.id).get("epoch").getAsLong()).isGreaterThan(listed.get(a.id).get("epoch").getAsLong());
            for (JsonObject m : listed.values()) {
                assertThat(m.keySet()).contains("id", "address", "state", "epoch", "jobs", "lease_age_ms");
            }
            // the takeover and the promotion are recorded, once
            assertThat(eventsAbout(s, a.id)).containsOnlyOnce("TAKEOVER by=" + s.id);
            assertThat(events(s)).filteredOn(e -> e.getType() == MasterEvent.Type.PROMOTED)
                    .extracting(MasterEvent::getMasterId).containsExactly(s.id);
            MasterEvent takeover = events(s).stream().filter(e -> e.getType() == MasterEvent.Type.TAKEOVER)
                    .findFirst().orElseThrow();
            assertThat(takeover.getJobs()).as("jobs taken over").isEqualTo(1);

            assertThat(waiting.waitFor(2, TimeUnit.MINUTES)).as("grid wait ended").isTrue();
            assertThat(waiting.exitValue()).as(g.grid.log("wait")).isZero();
            assertThat(Files.readString(waitOut).trim()).isEqualTo(TallyJob.expected(60));
        }
    }

    @Test
    void ofTwoActiveMastersTheSurvivorFinishesTheJobsOfBoth() throws Exception {
        try (HaGrid g = new HaGrid(dir.resolve("mutual"), postgres, "mutual")) {
            Master[] ab = g.twoActiveMasters();
            Master a = ab[0];
            Master b = ab[1];
            Path logA = g.dir.resolve("a-tasks.log");
            Path logB = g.dir.resolve("b-tasks.log");
            String onA = g.submit(a, 50, 150, logA);
            String onB = g.submit(b, 50, 150, logB);
            // concurrent access: each master answers about the other's job, with its owner
            assertThat(b.client.status(onA).getMaster()).isEqualTo(a.id);
            assertThat(a.client.status(onB).getMaster()).isEqualTo(b.id);
            HaGrid.awaitSucceeded(b, onA, 8);
            HaGrid.awaitSucceeded(b, onB, 8);

            g.kill9(a);
            JobStatus doneA = g.awaitEnd(b, onA);
            JobStatus doneB = g.awaitEnd(b, onB);
            g.assertExact(doneA, 50, logA);
            g.assertExact(doneB, 50, logB);
            assertThat(doneA.getMaster()).isEqualTo(b.id);
            assertThat(doneB.getMaster()).isEqualTo(b.id);

            assertThat(state(b, a.id)).isEqualTo(MasterInfo.State.DEAD);
            assertThat(eventsAbout(b, a.id)).containsOnlyOnce("TAKEOVER by=" + b.id);
            assertThat(events(b)).noneMatch(e -> e.getType() == MasterEvent.Type.TAKEOVER && e.getMasterId().equals(b.id));

            // the killed master comes back as a new process: a new id, a higher epoch, and it takes new work
            String oldId = a.id;
            g.start(a);
            assertThat(a.id).isNotEqualTo(oldId);
            await().atMost(Duration.ofSeconds(30)).until(() -> state(b, a.id) == MasterInfo.State.ACTIVE);
            g.awaitWorkers(a, 2);
            Path logAgain = g.dir.resolve("again-tasks.log");
            String again = g.submit(a, 10, 20, logAgain);
            g.assertExact(g.awaitEnd(a, again), 10, logAgain);
            assertThat(a.client.status(again).getMaster()).isEqualTo(a.id);
        }
    }

    @Test
    void aScheduleFiringEverySecondStartsOneJobPerFireTimeAcrossAFailover() throws Exception {
        try (HaGrid g = new HaGrid(dir.resolve("schedule"), postgres, "schedule")) {
            Master[] ab = g.twoActiveMasters();
            Master a = ab[0];
            Master b = ab[1];
            Path log = g.dir.resolve("tasks.log");
            // created through a, with a jar uploaded to a only: b's firings take the jar from the shared store
            Schedule created = a.client.createSchedule(ScheduleSubmission.builder().name("every-second")
                    .cron("* * * * * ?").job(g.tally(a.name, 3, 50, log)).overlap(Schedule.Overlap.OVERLAP_ALLOW).build());
            assertThat(created.getState()).isEqualTo(Schedule.State.ACTIVE);
            await().atMost(Duration.ofSeconds(30)).until(() -> submitted(b).size() >= 3);

            g.kill9(a);
            Instant killed = Instant.now();
            // the schedule keeps firing on the survivor after the failover
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> submitted(b).stream()
                        .filter(r -> scheduledFor(r).isAfter(killed.plusSeconds(1))).count() >= 3);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the schedule did not fire 3 times after the kill at " + killed + ": "
                        + b.client.schedule("every-second", 1000) + "\nevents: " + events(b) + "\n" + g.grid.logs(), e);
            }
            b.client.pauseSchedule("every-second");
            // every job it started ends (those a had running taken over by b)
            await().atMost(Duration.ofMinutes(1)).until(() -> submitted(b).stream()
                    .allMatch(r -> io.gridwork.client.GridClient.isTerminal(r.getJobState())));

            List<ScheduleRun> runs = b.client.schedule("every-second", 1000).getRunsList();
            List<ScheduleRun> jobs = submitted(b);
            // one job per fire time: no fire time started two jobs, no job is counted for two fire times
            Map<Instant, Long> perFireTime = jobs.stream()
                    .collect(Collectors.groupingBy(HaFailoverIT::scheduledFor, Collectors.counting()));
            assertThat(perFireTime.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                    .collect(Collectors.toList())).as("fire times that started more than one job: %s", runs).isEmpty();
            assertThat(jobs.stream().map(ScheduleRun::getJobId).distinct().count()).isEqualTo(jobs.size());
            Map<Instant, Long> recorded = runs.stream()
                    .collect(Collectors.groupingBy(HaFailoverIT::scheduledFor, Collectors.counting()));
            assertThat(recorded.values()).as("fire times recorded twice: %s", runs).allMatch(n -> n == 1);
            // the jobs the grid lists for the schedule are exactly those
            List<JobStatus> listed = b.client.jobs(1000, "every-second");
            assertThat(listed.stream().map(JobStatus::getId).sorted().collect(Collectors.toList()))
                    .isEqualTo(jobs.stream().map(ScheduleRun::getJobId).sorted().collect(Collectors.toList()));
            // every one of them exact, wherever it ran
            for (JobStatus j : listed) {
                JobStatus done = b.client.status(j.getId());
                assertThat(done.getState()).as("%s", done).isEqualTo(JobStatus.State.SUCCEEDED);
                assertThat(done.getResult()).isEqualTo(TallyJob.expected(3));
                assertThat(done.getTasks().getSucceeded()).isEqualTo(3);
            }
            assertThat(eventsAbout(b, a.id)).containsOnlyOnce("TAKEOVER by=" + b.id);
        }
    }

    private static List<ScheduleRun> submitted(Master m) {
        return m.client.schedule("every-second", 1000).getRunsList().stream()
                .filter(r -> r.getOutcome() == ScheduleRun.Outcome.SUBMITTED).collect(Collectors.toList());
    }

    private static Instant scheduledFor(ScheduleRun r) {
        return Instant.ofEpochSecond(r.getScheduledFor().getSeconds(), r.getScheduledFor().getNanos());
    }

    /** {@code grid masters --output json}, by id. */
    static Map<String, JsonObject> mastersJson(String json) {
        Map<String, JsonObject> byId = new HashMap<>();
        for (JsonElement m : JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("masters")) {
            byId.put(m.getAsJsonObject().get("id").getAsString(), m.getAsJsonObject());
        }
        return byId;
    }
}
