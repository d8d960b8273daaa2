package io.gridwork.master.read;

import io.gridwork.master.core.JobSnapshot;
import io.gridwork.master.core.ResultData;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.core.WorkerEvent;
import io.gridwork.master.core.WorkerSnapshot;
import io.gridwork.master.ha.MasterDirectory;
import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.Store;
import io.gridwork.master.store.StoredTaskState;
import io.gridwork.master.store.TaskDurations;
import io.gridwork.master.store.TaskView;
import io.gridwork.master.store.WorkerEventRow;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the dashboard and the metrics read, as plain records: from the scheduler's public queries for what is live
 * (active jobs, workers, running attempts, recent events) and from the store's read methods for what is kept (task
 * pages, durations, counts by state, a worker's history). Every method is safe to call from any thread; nothing here
 * writes.
 */
public final class ReadModel {

    /** Summaries of ended jobs kept: they no longer change, and reading one may take a pass over its tasks. */
    private static final int SUMMARIES_KEPT = 64;
    /** Active jobs read to count their tasks for the metrics. */
    private static final int ACTIVE_JOBS_READ = 10_000;
    /** Errored tasks shown for an ended job. */
    private static final int ERRORED_TASKS_SHOWN = 20;

    private final Scheduler scheduler;
    private final Store store;
    private final Clock clock;
    private final MasterDirectory masters;

    /** An ended job's durations and errored tasks. */
    private record Ended(DurationHistogram durations, List<TaskLine> erroredTasks) {}

    private final Map<String, Ended> ended = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Ended> eldest) {
            return size() > SUMMARIES_KEPT;
        }
    });

    /** A read model of a master alone (no other masters shown). */
    public ReadModel(Scheduler scheduler, Store store, Clock clock) {
        this(scheduler, store, clock, null);
    }

    /** @param masters the grid's masters as this one sees them; null: none shown */
    public ReadModel(Scheduler scheduler, Store store, Clock clock, MasterDirectory masters) {
        this.scheduler = scheduler;
        this.store = store;
        this.clock = clock;
        this.masters = masters;
    }

    // ============================================================================================== jobs

    /** A job: live if it runs, as stored if it ended; empty if there is no such job. */
    public Optional<JobView> job(String id) {
        return scheduler.job(id).map(this::view);
    }

    /** The view of a job as the core returned it (from an action, say). */
    public JobView job(JobSnapshot snapshot) {
        return view(snapshot);
    }

    /** A snapshot's view with its master's address, if this master knows that master. */
    private JobView view(JobSnapshot s) {
        String address = masters == null || s.ownerMaster() == null ? null
                : masters.master(s.ownerMaster()).map(MasterDirectory.Peer::address).orElse(null);
        return JobView.of(s, address);
    }

    /** The most recent jobs first, in any of {@code states} (empty: all), only those of {@code owner} if not null. */
    public List<JobView> jobs(int limit, Collection<JobState> states, String owner) {
        List<JobView> out = new ArrayList<>();
        for (JobSnapshot s : scheduler.jobs(limit, states, owner)) {
            out.add(view(s));
        }
        return out;
    }

    /** How many jobs the store holds in each state (states with none are absent). */
    public Map<JobState, Long> jobsByState() {
        Map<JobState, Long> out = new EnumMap<>(JobState.class);
        store.jobs().countByState().forEach((state, n) -> {
            for (JobState s : JobState.values()) {
                if (s.name().equals(state)) {
                    out.put(s, n);
                }
            }
        });
        return out;
    }

    /** The tasks of the queued and running jobs, waiting and running. */
    public ActiveTasks activeTasks() {
        long queued = 0;
        long running = 0;
        long held = 0;
        for (JobSnapshot j : scheduler.jobs(ACTIVE_JOBS_READ, EnumSet.of(JobState.QUEUED, JobState.RUNNING))) {
            queued += j.queued();
            running += j.running();
            held += j.held();
        }
        return new ActiveTasks(queued, running, held);
    }

    /**
     * A job's durations and errors. A running job's come from the scheduler's memory; an ended job's from what was
     * kept with it (its durations, and its errors only if it had any), once: a page polled every second over a job
     * of a million tasks never reads them all.
     */
    public JobDetails details(JobView job) {
        Optional<Scheduler.JobDetail> live = scheduler.detail(job.id());
        if (live.isPresent()) {
            List<Scheduler.TaskError> recent = live.get().errors();
            List<TaskError> errors = new ArrayList<>(recent.size());
            for (int i = recent.size() - 1; i >= 0; i--) {
                Scheduler.TaskError e = recent.get(i);
                errors.add(new TaskError(e.index(), e.attempt(), e.worker(), e.message(), e.at()));
            }
            return new JobDetails(job, histogram(live.get().durationBuckets()), errors, List.of());
        }
        Ended kept = ended.get(job.id());
        if (kept == null) {
            long[] durations = store.jobs().durations(job.id())
                    .orElseGet(() -> store.tasks().durationHistogram(job.id()));
            boolean hadErrors = job.tasks().failed() > 0 || job.tasks().retried() > 0 || job.state() == JobState.FAILED;
            kept = new Ended(histogram(durations), hadErrors
                    ? lines(store.tasks().page(job.id(), 0, null, true, ERRORED_TASKS_SHOWN)) : List.of());
            if (job.state().isTerminal()) {
                ended.put(job.id(), kept);
            }
        }
        return new JobDetails(job, kept.durations(), List.of(), kept.erroredTasks());
    }

    /** Up to {@code limit} of a job's tasks in index order from index {@code from}, those {@code filter} keeps. */
    public TaskPage tasks(String jobId, long from, TaskFilter filter, int limit) {
        StoredTaskState state = switch (filter) {
            case ALL, ERRORS -> null;
            case PENDING -> StoredTaskState.PENDING;
            case SUCCEEDED -> StoredTaskState.SUCCEEDED;
            case FAILED -> StoredTaskState.FAILED;
            case CANCELLED -> StoredTaskState.CANCELLED;
        };
        List<TaskView> page = store.tasks().page(jobId, from, state, filter == TaskFilter.ERRORS, limit + 1);
        return new TaskPage(lines(page.size() > limit ? page.subList(0, limit) : page),
                page.size() > limit ? page.get(limit).index() : null);
    }

    /**
     * A task's attempts: those that ended, in the order they ended (at most {@code limit}, the latest), then those that
     * run now.
     */
    public List<AttemptView> attempts(String jobId, long index, int limit) {
        List<AttemptView> out = new ArrayList<>();
        List<io.gridwork.master.store.TaskAttemptRow> ended = scheduler.endedAttempts(jobId, index, 0, false, 0, 1000);
        for (io.gridwork.master.store.TaskAttemptRow a : ended.subList(Math.max(0, ended.size() - limit), ended.size())) {
            out.add(new AttemptView(a.index(), a.attempt(), a.outcome().name(), a.workerId(), a.workerName(),
                    a.startedAt(), a.endedAt(), a.durationMs(), a.error(), a.exceptionType(), a.stackTrace(), a.log(),
                    a.logCutBytes()));
        }
        for (Scheduler.LiveAttempt a : scheduler.runningAttempts(jobId, index)) {
            out.add(new AttemptView(a.index(), a.attempt(), "RUNNING", a.workerId(), a.workerName(), a.startedAt(), null,
                    0, null, null, null, "", 0));
        }
        return out;
    }

    /** A succeeded job's result (the core refuses with NOT_FOUND or FAILED_PRECONDITION otherwise). */
    public ResultView result(String jobId) {
        ResultData r = scheduler.result(jobId);
        return new ResultView(r.jobId(), r.bytes(), r.mediaType(), r.text());
    }

    private List<TaskLine> lines(List<TaskView> tasks) {
        Map<String, String> names = new HashMap<>();
        if (!tasks.isEmpty()) {
            for (WorkerSnapshot w : scheduler.workers(true)) {
                names.put(w.id(), w.name());
            }
        }
        List<TaskLine> out = new ArrayList<>(tasks.size());
        for (TaskView t : tasks) {
            TaskLine.State state = switch (t.state()) {
                case PENDING -> TaskLine.State.PENDING;
                case SUCCEEDED -> TaskLine.State.SUCCEEDED;
                case FAILED -> TaskLine.State.FAILED;
                case CANCELLED -> TaskLine.State.CANCELLED;
            };
            out.add(new TaskLine(t.index(), state, t.failures() + t.losses() + (state == TaskLine.State.SUCCEEDED ? 1 : 0),
                    t.failures(), t.losses(), t.workerId(),
                    t.workerId() == null ? null : names.getOrDefault(t.workerId(), t.workerId()), t.durationMs(), t.error()));
        }
        return out;
    }

    private static DurationHistogram histogram(long[] counts) {
        List<Long> bounds = new ArrayList<>();
        for (long b : TaskDurations.bucketBoundsMs()) {
            bounds.add(b);
        }
        List<Long> c = new ArrayList<>();
        for (long n : counts) {
            c.add(n);
        }
        return new DurationHistogram(bounds, c);
    }

    // ============================================================================================== masters

    /** The grid's masters as this one sees them, live ones first (this master alone, or none, without a directory). */
    public List<MasterDirectory.Peer> masters() {
        return masters == null ? List.of() : masters.masters();
    }

    /** Up to {@code limit} recent master events (takeovers with their durations among them), oldest first. */
    public List<MasterDirectory.Event> masterEvents(int limit) {
        return masters == null ? List.of() : masters.events(limit);
    }

    // ============================================================================================== workers

    /** Every worker the master knows, departed ones (DEAD, LEFT) too if asked. */
    public List<WorkerView> workers(boolean includeDeparted) {
        Instant now = clock.instant();
        List<WorkerView> out = new ArrayList<>();
        for (WorkerSnapshot w : scheduler.workers(includeDeparted)) {
            out.add(WorkerView.of(w, now, scheduler.trust(w.name())));
        }
        return out;
    }

    /** A worker by name or id, departed or not. */
    public Optional<WorkerView> worker(String nameOrId) {
        return workers(true).stream().filter(w -> w.name().equals(nameOrId) || w.id().equals(nameOrId)).findFirst();
    }

    /** The view of a worker as the core returned it (from an action, say), its heartbeat's age as of now. */
    public WorkerView worker(WorkerSnapshot snapshot) {
        return WorkerView.of(snapshot, clock.instant(), scheduler.trust(snapshot.name()));
    }

    /** The grid's workers at a glance. */
    public WorkerCounts workerCounts() {
        List<WorkerSnapshot> all = scheduler.workers(true);
        Map<WorkerState, Integer> byState = new EnumMap<>(WorkerState.class);
        int slots = 0;
        int busy = 0;
        for (WorkerSnapshot w : all) {
            byState.merge(w.state(), 1, Integer::sum);
            if (!w.state().isDeparted()) {
                slots += w.slots();
                busy += Math.min(w.running(), w.slots());
            }
        }
        return new WorkerCounts(all.size(), slots, busy, byState);
    }

    /** Tasks completed by every worker the master knows, for a rate. */
    public long tasksCompleted() {
        long done = 0;
        for (WorkerSnapshot w : scheduler.workers(true)) {
            done += w.completed();
        }
        return done;
    }

    /** The attempts a worker (by name or id) holds now (executing or prefetched), oldest first, at most {@code limit}. */
    public List<RunningAttemptView> runningOn(String worker, int limit) {
        List<RunningAttemptView> out = new ArrayList<>();
        for (Scheduler.RunningAttempt a : scheduler.runningOn(worker, limit)) {
            out.add(new RunningAttemptView(a.jobId(), a.jobClass(), a.index(), a.attempt(), a.speculative(), a.startedAt(),
                    a.executing(), a.runningSince()));
        }
        return out;
    }

    /** Up to {@code limit} recent events of every worker, oldest first. */
    public List<WorkerEventView> recentWorkerEvents(int limit) {
        List<WorkerEventView> out = new ArrayList<>();
        for (WorkerEvent e : scheduler.recentWorkerEvents(limit)) {
            out.add(new WorkerEventView(e.seq(), e.workerId(), e.name(), e.type(), e.reason(), e.incarnation(), e.at()));
        }
        return out;
    }

    /** A worker's stored history (by id), at most {@code limit} events, as the store orders them. */
    public List<WorkerEventView> workerHistory(String workerId, int limit) {
        List<WorkerEventView> out = new ArrayList<>();
        for (WorkerEventRow e : store.workers().events(workerId, limit)) {
            out.add(new WorkerEventView(e.seq(), e.workerId(), e.workerName(), e.type(), e.reason(), e.incarnation(), e.at()));
        }
        return out;
    }

    /**
     * The usage ledger for the dashboard's usage page: per user (only {@code owner}'s if not null; at most
     * {@code maxUsers}, those who used the most), slot-seconds and cost per UTC day since {@code since}.
     */
    public UsageByDay usageByDay(String owner, Instant since, int maxUsers) {
        List<UsageView> users = new ArrayList<>();
        for (io.gridwork.master.store.UsageLine l : store.usage().report(new io.gridwork.master.store.UsageQuery(
                io.gridwork.master.store.UsageQuery.By.USER, owner, null, since, null))) {
            users.add(UsageView.of(l));
        }
        users.sort(java.util.Comparator.comparingDouble(UsageView::slotSeconds).reversed());
        Map<String, List<UsageView>> days = new LinkedHashMap<>();
        for (UsageView u : users.subList(0, Math.min(maxUsers, users.size()))) {
            List<UsageView> perDay = new ArrayList<>();
            for (io.gridwork.master.store.UsageLine l : store.usage().report(new io.gridwork.master.store.UsageQuery(
                    io.gridwork.master.store.UsageQuery.By.DAY, u.key(), null, since, null))) {
                perDay.add(UsageView.of(l));
            }
            days.put(u.key(), perDay);
        }
        return new UsageByDay(users, days);
    }

    /** Per user its totals ({@code users}, most first) and, for the first few, its lines per UTC day. */
    public record UsageByDay(List<UsageView> users, Map<String, List<UsageView>> days) {}

    /** One line of a usage report: a user, job, worker or UTC day, and what its ended attempts used. */
    public record UsageView(String key, double slotSeconds, double cpuSeconds, double cost, long tasks,
            double wastedSlotSeconds) {

        static UsageView of(io.gridwork.master.store.UsageLine l) {
            return new UsageView(l.key(), l.slotSeconds(), l.cpuSeconds(), l.cost(), l.tasks(), l.wastedSlotSeconds());
        }
    }
}
