package io.gridwork.master.read;

import io.gridwork.master.core.JobSnapshot;
import io.gridwork.master.model.JobState;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job as readers see it: its state, counts and options at one moment.
 *
 * @param result the result as text, when the job succeeded and its result has a text form; else null
 * @param error why the job failed or was cancelled; else null
 * @param resultMediaType null when there is no result
 * @param requirement the placement requirement ("gpu=a100"), or null
 * @param waitingReason why a queued job does not start, or null
 * @param schedule the schedule that started it, or null
 * @param master the id of the master that owns (runs) it, or null
 * @param masterAddress where that master is reached, or null if it is not known here
 */
public record JobView(
        String id,
        JobState state,
        String jobClass,
        String jarSha256,
        Map<String, String> args,
        TaskCounts tasks,
        String result,
        String error,
        String resultMediaType,
        long resultSize,
        Instant submittedAt,
        Instant startedAt,
        Instant finishedAt,
        boolean splitComplete,
        int maxAttempts,
        long taskTimeoutMs,
        String owner,
        String requirement,
        int slotsPerTask,
        int priority,
        boolean speculation,
        String waitingReason,
        String schedule,
        String master,
        String masterAddress,
        /** The data sets it reads: name -> data set id (empty if none). */
        Map<String, String> dataSets,
        /** Outputs that must agree before one is accepted (0 or 1: no quorum), and the most replicas a task may run. */
        int quorum,
        int quorumMax) {

    /**
     * A job's tasks by what became of them. {@code running}: executing on a worker now; {@code held}: assigned to a
     * worker but not executing (prefetched, or an output being stored).
     */
    public record TaskCounts(long total, long succeeded, long running, long queued, long failed, long retried, long lost,
            long rejected, long speculated, long held, long resumed, long validated, long mismatched) {

        /** Counts of a job without checkpoints or a quorum. */
        public TaskCounts(long total, long succeeded, long running, long queued, long failed, long retried, long lost,
                long rejected, long speculated, long held) {
            this(total, succeeded, running, queued, failed, retried, lost, rejected, speculated, held, 0, 0, 0);
        }
    }

    public JobView {
        args = Collections.unmodifiableMap(new LinkedHashMap<>(args)); // keeps the submitter's order
        dataSets = dataSets == null ? Map.of() : Collections.unmodifiableMap(new java.util.TreeMap<>(dataSets));
    }

    /** The view of a core snapshot, without its master's address. */
    public static JobView of(JobSnapshot s) {
        return of(s, null);
    }

    /** The view of a core snapshot whose owning master is reached at {@code masterAddress} (null: unknown). */
    public static JobView of(JobSnapshot s, String masterAddress) {
        return new JobView(s.id(), s.state(), s.jobClass(), s.jarSha256(), s.args(),
                new TaskCounts(s.total(), s.succeeded(), s.running(), s.queued(), s.failed(), s.retried(), s.lost(),
                        s.rejected(), s.speculated(), s.held(), s.resumed(), s.validated(), s.mismatched()),
                s.resultText(), s.error(), s.resultMediaType(), s.resultSize(), s.submittedAt(), s.startedAt(),
                s.finishedAt(), s.splitComplete(), s.maxAttempts(), s.taskTimeoutMs(), s.owner() == null ? "" : s.owner(),
                s.requirement(), s.slotsPerTask(), s.priority(), s.speculation(), s.waitingReason(), s.schedule(),
                s.ownerMaster(), masterAddress, s.dataSets(), s.quorum(), s.quorumMax());
    }
}
