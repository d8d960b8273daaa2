package io.gridwork.master.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.master.store.StoreConfig;
import io.gridwork.master.testjobs.SquaresJob;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limit of unfinished jobs per user ({@code max-queued-jobs-per-user}) on H2, where the master owns every job: it
 * counts them in the store only when the bound it keeps (the last count plus the submissions since) reaches the
 * limit, and the limit holds exactly either way.
 */
class UnfinishedLimitTest {

    @TempDir
    Path dir;

    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(dir, SchedulerOptions.builder().maxQueuedJobsPerUser(3).build());
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private JobSnapshot submit(String owner) {
        return h.submit(new Submission(h.jarSha, SquaresJob.class.getName(), Map.of("n", "1"), 0, 0, owner));
    }

    private static void assertRefused(Runnable submission, String owner) {
        assertThatThrownBy(submission::run).isInstanceOfSatisfying(CoreException.class, e -> {
            assertThat(e.kind()).isEqualTo(CoreException.Kind.RESOURCE_EXHAUSTED);
            assertThat(e.getMessage()).isEqualTo("user " + owner
                    + " has 3 jobs queued or running, the limit max-queued-jobs-per-user");
        });
    }

    @Test
    void theLimitHoldsAndAJobThatEndsMakesRoomForAnother() {
        JobSnapshot first = submit("carol");
        submit("carol");
        submit("carol");
        assertRefused(() -> submit("carol"), "carol");
        assertThat(submit("dave").owner()).as("another user's jobs do not count").isEqualTo("dave");

        h.completed(h.scheduler.cancel(first.id(), "room"));
        submit("carol");
        assertRefused(() -> submit("carol"), "carol");
        assertThat(h.scheduler.jobs(100, List.of(), null, null)).filteredOn(j -> j.owner().equals("carol")
                && !j.state().isTerminal()).hasSize(3);
    }

    @Test
    void jobsStoredBeforeCountAndTheStoreIsReadOnlyOnceTheBoundReachesTheLimit() throws Exception {
        String first = submit("erin").id(); // the first check reads the store: 0 unfinished; the bound is now 1
        // two unfinished jobs of erin's appear in the store behind the master's back (as if stored before it started)
        var config = StoreConfig.h2InMemory(h.storeName);
        try (var c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
                var copy = c.prepareStatement("INSERT INTO job (id, seq, jar_sha256, job_class, args, state, max_attempts,"
                        + " task_timeout_ms, submitted_at, owner) SELECT ?, ?, jar_sha256, job_class, args, 'QUEUED',"
                        + " max_attempts, task_timeout_ms, submitted_at, owner FROM job WHERE id = ?")) {
            for (int i = 0; i < 2; i++) {
                copy.setString(1, "job-" + (900 + i));
                copy.setLong(2, 900 + i);
                copy.setString(3, first);
                assertThat(copy.executeUpdate()).isEqualTo(1);
            }
        }
        submit("erin"); // the bound (1) is under the limit: let through without reading the store; the bound is 2
        // the bound (2) is under the limit: let through, though the store now holds 4 unfinished jobs of erin's
        submit("erin");
        // the bound reached the limit: the store is read (4 unfinished) and erin is refused from now on
        assertRefused(() -> submit("erin"), "erin");
        assertRefused(() -> submit("erin"), "erin");
    }
}
