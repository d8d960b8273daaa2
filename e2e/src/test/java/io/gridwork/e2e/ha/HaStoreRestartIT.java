package io.gridwork.e2e.ha;

import static io.gridwork.e2e.ha.HaGrid.events;
import static io.gridwork.e2e.ha.HaGrid.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.bench.jobs.TallyJob;
import io.gridwork.client.GridClient;
import io.gridwork.client.GridException;
import io.gridwork.client.JobSubmission;
import io.gridwork.e2e.ha.HaGrid.Master;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The shared store restarted under two active masters mid-job (a PostgreSQL server of its own for this class, stopped
 * with a fast shutdown and started again on the same port and data directory): while it is down masters refuse new
 * work naming the store and running tasks keep running; when it is back every job ends with the exact result, and
 * nobody mistook the outage for a dead master.
 */
class HaStoreRestartIT extends OnePostgresPerClass {

    @Test
    void jobsEndExactlyAcrossARestartOfTheStore() throws Exception {
        try (HaGrid g = new HaGrid(dir.resolve("restart"), postgres, "restart")) {
            Master[] ab = g.twoActiveMasters();
            Master a = ab[0];
            Master b = ab[1];
            Path logA = g.dir.resolve("a-tasks.log");
            Path logB = g.dir.resolve("b-tasks.log");
            // tasks of 800 ms: some are running when the store goes down
            String onA = g.submit(a, 16, 800, logA);
            String onB = g.submit(b, 16, 800, logB);
            HaGrid.awaitSucceeded(a, onA, 2);
            HaGrid.awaitSucceeded(b, onB, 2);
            String sha = GridClient.sha256(g.jarOf(a.name)); // uploaded to a with its job

            postgres.restart(() -> {
                // tasks already on workers keep running, and end, while the store is down
                long started = started(logA) + started(logB);
                long finished = finished(logA) + finished(logB);
                assertThat(started).as("tasks started").isGreaterThan(finished);
                await().atMost(Duration.ofSeconds(10)).until(() -> finished(logA) + finished(logB) > finished);
                // new work is refused, and the answer names the store
                GridException refused = catchThrowableOfType(() -> a.client.submit(JobSubmission.builder().jarSha256(sha)
                        .jobClass(TallyJob.class.getName()).arg("n", "1").build()), GridException.class);
                assertThat(refused).as("a submission while the store is down").isNotNull();
                assertThat(refused.code()).as(refused.toString()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(refused.getMessage()).as("names the store").matches("(?is).*(store|database).*");
            });

            JobStatus doneA = g.awaitEnd(a, onA);
            JobStatus doneB = g.awaitEnd(b, onB);
            g.assertExact(doneA, 16, logA);
            g.assertExact(doneB, 16, logB);
            assertThat(doneA.getMaster()).isEqualTo(a.id);
            assertThat(doneB.getMaster()).isEqualTo(b.id);
            // an outage of the store is not a dead master: both kept their identity and nobody took over
            assertThat(HaGrid.self(a).orElseThrow().getId()).isEqualTo(a.id);
            assertThat(HaGrid.self(b).orElseThrow().getId()).isEqualTo(b.id);
            assertThat(events(a)).noneMatch(e -> e.getType() == MasterEvent.Type.TAKEOVER
                    || e.getType() == MasterEvent.Type.STEPPED_DOWN);
            HaGrid.awaitActive(a, b);

            // and new work is accepted again
            Path logAfter = g.dir.resolve("after-tasks.log");
            String after = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> g.submit(a, 20, 20, logAfter), id -> id != null);
            g.assertExact(g.awaitEnd(a, after), 20, logAfter);
        }
    }

    private static long finished(Path log) {
        return lines(log, "done ");
    }

    private static long started(Path log) {
        return lines(log, "start ");
    }

    private static long lines(Path log, String prefix) {
        try {
            return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.startsWith(prefix)).count() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
