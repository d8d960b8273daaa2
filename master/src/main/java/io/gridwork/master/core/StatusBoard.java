package io.gridwork.master.core;

import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.store.JobRow;
import io.gridwork.master.store.Store;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side: what clients and the dashboard see of jobs and workers. Live snapshots of the active jobs are
 * published at most every publish interval (when they changed) to a map other threads read and to the jobs'
 * watchers; queries about what runs now are answered on the loop, queries about what has ended from the store.
 * Never changes scheduling state.
 */
final class StatusBoard {

    private static final Logger log = LoggerFactory.getLogger(StatusBoard.class);

    private final Loop loop;
    private final Store store;
    private final Jobs jobs;
    private final Collection<WorkerEntry> workers;
    private final AttemptTable attempts;
    private final WorkerEvents events;
    /** Which workers quorum jobs exclude (results by quorum); null: none. */
    private Trust quorumTrust;
    // shared with other threads
    private final ConcurrentHashMap<String, JobSnapshot> activeSnapshots = new ConcurrentHashMap<>();
    // loop-confined
    private final Map<String, List<Consumer<JobSnapshot>>> watchers = new HashMap<>();
    private final Map<String, JobSnapshot> published = new HashMap<>();
    /**
     * The stored final status of the jobs that ended here last (at most {@link #RECENTLY_ENDED}): a watch that starts
     * just after its job ended (a {@code grid wait} right after a fast job) gets it without a store read on the loop.
     */
    private final Map<String, JobSnapshot> recentlyEnded = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JobSnapshot> eldest) {
            return size() > RECENTLY_ENDED;
        }
    };
    static final int RECENTLY_ENDED = 256;

    StatusBoard(Loop loop, Store store, Jobs jobs, Collection<WorkerEntry> workers, AttemptTable attempts,
            WorkerEvents events) {
        this.loop = loop;
        this.store = store;
        this.jobs = jobs;
        this.workers = workers;
        this.attempts = attempts;
        this.events = events;
    }

    /** Wires results by quorum in (the scheduler does, before it starts). */
    void quorumTrust(Trust trust) {
        this.quorumTrust = trust;
    }

    // ------------------------------------------------------------------------------------------ publishing (loop)

    JobSnapshot live(JobRunner job) {
        return job.snapshot(null, null, null, null, 0, waitingReason(job));
    }

    /** Publishes the job's status now. */
    JobSnapshot publish(JobRunner job) {
        JobSnapshot snapshot = live(job);
        published.put(job.id, snapshot);
        activeSnapshots.put(job.id, snapshot);
        List<Consumer<JobSnapshot>> list = watchers.get(job.id);
        if (list != null) {
            for (Consumer<JobSnapshot> w : list) {
                notify(w, snapshot);
            }
        }
        return snapshot;
    }

    /** The job changed in a way watchers should see at the next publish; nothing to do before then. */
    void changed(JobRunner job) {
        published.remove(job.id);
    }

    /** Periodic: publishes each active job whose status changed since it was last published. */
    void publishChanged() {
        for (JobRunner job : jobs.all()) {
            JobSnapshot last = published.get(job.id);
            if (last == null || !last.equals(live(job))) {
                publish(job);
            }
        }
    }

    /**
     * The master stepped down and another one owns the job now: it leaves the live board (reads come from the store)
     * and its watchers here are let go.
     */
    void dropped(String jobId) {
        published.remove(jobId);
        activeSnapshots.remove(jobId);
        watchers.remove(jobId);
    }

    /** The job's final state is stored: its watchers get it, and it leaves the live board. */
    void ended(JobRunner job, JobSnapshot last) {
        published.remove(job.id);
        activeSnapshots.remove(job.id);
        recentlyEnded.put(job.id, last);
        List<Consumer<JobSnapshot>> list = watchers.remove(job.id);
        if (list != null) {
            for (Consumer<JobSnapshot> w : list) {
                notify(w, last);
            }
        }
    }

    /** A waiting job ended without running (cancelled, or its start failed): its watchers get its stored status. */
    void endedWaiting(String id, JobSnapshot last) {
        List<Consumer<JobSnapshot>> list = watchers.remove(id);
        if (list != null) {
            for (Consumer<JobSnapshot> w : list) {
                notify(w, last);
            }
        }
    }

    private static void notify(Consumer<JobSnapshot> watcher, JobSnapshot snapshot) {
        try {
            watcher.accept(snapshot);
        } catch (RuntimeException e) {
            log.debug("a job watcher failed: {}", e.toString());
        }
    }

    /** Why a job that has tasks queued runs none of them; empty if it does run, or will as soon as it can. */
    String waitingReason(JobRunner job) {
        if (job.ending() || job.state.isTerminal()) {
            return "";
        }
        if (job.held) {
            return "waiting for its workers to reconnect after the master restarted";
        }
        if (job.quorum > 1) {
            String hosts = Quorum.hostsWanting(job, workers, quorumTrust);
            if (!hosts.isEmpty()) {
                return hosts;
            }
        }
        String quota = job.queue.isEmpty() ? null : attempts.quotas().holds(job.owner(), job.slotsPerTask);
        if (quota != null) {
            return quota; // queued or running, a quota holds its next tasks
        }
        if (job.runningUnits > 0) {
            return "";
        }
        // no worker that could run the job is said even while its split has queued nothing yet: a client that asks
        // right after submitting learns it at once (grid submit warns)
        int connected = 0;
        int matching = 0;
        int bigEnough = 0;
        int available = 0;
        int ownerBusy = 0;
        for (WorkerEntry w : workers) {
            if (w.session == null || !w.session.open) {
                continue;
            }
            connected++;
            if (!job.requirement.isAny() && !job.requirement.matches(w.attributes())) {
                continue;
            }
            matching++;
            if (w.slots < job.slotsPerTask) {
                continue;
            }
            bigEnough++;
            if (w.state == WorkerState.ALIVE && !w.session.draining && !w.ownerBusy) {
                available++;
            } else if (w.state == WorkerState.ALIVE && w.ownerBusy) {
                ownerBusy++; // idle owners (issue 19)
            }
        }
        if (connected == 0) {
            return "no worker is connected";
        }
        if (matching == 0) {
            return "no worker matches " + job.requirement;
        }
        if (bigEnough == 0) {
            return "no matching worker has " + job.slotsPerTask + (job.slotsPerTask == 1 ? " slot" : " slots");
        }
        if (job.queue.isEmpty()) {
            return "";
        }
        if (available == 0) {
            return ownerBusy == 0 ? "every matching worker is draining or suspected"
                    : ownerBusy == bigEnough ? "every matching worker's owner is busy"
                    : "every matching worker is draining, suspected or busy for its owner";
        }
        if (job.queue.ready.isEmpty()) {
            return "waiting to retry failed tasks";
        }
        return "waiting for a free slot on " + available + (available == 1 ? " matching worker" : " matching workers");
    }

    // ------------------------------------------------------------------------------------------ queries (any thread)

    Optional<JobSnapshot> job(String id) {
        if (activeSnapshots.containsKey(id)) {
            JobSnapshot live = loop.call(() -> {
                JobRunner job = jobs.active(id);
                return job == null ? null : live(job);
            });
            if (live != null) {
                return Optional.of(live);
            }
        }
        // not active: it has ended (its final state was stored before it left the active map), or is unknown
        return store.jobs().find(id).map(JobSnapshot::of);
    }

    List<JobSnapshot> jobs(int limit, Collection<JobState> states, String owner, String schedule, String jobClass) {
        List<JobRow> rows = store.jobs().list(limit, states, owner, schedule, jobClass);
        Map<String, JobSnapshot> live = loop.call(() -> {
            Map<String, JobSnapshot> snapshots = new HashMap<>();
            for (JobRow row : rows) {
                JobRunner job = jobs.active(row.id());
                if (job != null) {
                    snapshots.put(row.id(), live(job));
                }
            }
            return snapshots;
        });
        List<JobSnapshot> out = new ArrayList<>();
        for (JobRow row : rows) {
            JobSnapshot snapshot = live.get(row.id());
            out.add(snapshot != null && !row.state().isTerminal() ? snapshot : JobSnapshot.of(row));
        }
        return out;
    }

    ResultData result(String id) {
        JobRow row = store.jobs().find(id).orElseThrow(() -> CoreException.notFound("job_id: no job " + id));
        if (row.state() != JobState.SUCCEEDED) {
            throw CoreException.precondition("job " + id + " has no result: it is " + row.state()
                    + (row.error() != null ? " (" + row.error() + ")" : ""));
        }
        byte[] bytes = store.jobs().result(id).orElse(new byte[0]);
        return new ResultData(id, bytes, row.resultMediaType(), row.resultText());
    }

    /** Why a job cannot be cancelled: it is unknown, or has ended (a rare path: reads the store). */
    CoreException endedOrUnknown(String id) {
        Optional<JobRow> row = store.jobs().find(id);
        if (row.isEmpty()) {
            return CoreException.notFound("job_id: no job " + id);
        }
        return CoreException.precondition("job " + id + " has already ended (" + row.get().state() + ")");
    }

    /** The last published status of a job that runs here, read without a call to the loop; empty otherwise. */
    Optional<JobSnapshot> published(String id) {
        return Optional.ofNullable(activeSnapshots.get(id));
    }

    Runnable watch(String id, Consumer<JobSnapshot> listener) {
        return watch(id, job(id).orElseThrow(() -> CoreException.notFound("job_id: no job " + id)), listener);
    }

    /**
     * On the loop, as a new job's insert is committed: {@code follower} gets {@code current} now, then every status the
     * job publishes, to the final one (or its stored status if it ends while waiting), on the loop.
     */
    void follow(JobSnapshot current, Follower follower) {
        AtomicBoolean stopped = new AtomicBoolean();
        Consumer<JobSnapshot> guarded = s -> {
            if (!stopped.get()) {
                follower.status(s);
            }
        };
        notify(guarded, current);
        if (current.state().isTerminal()) {
            follower.stopWith(() -> { });
            return;
        }
        String id = current.id();
        watchers.computeIfAbsent(id, k -> new ArrayList<>()).add(guarded);
        follower.stopWith(stopper(id, guarded, stopped));
    }

    /** As {@link #watch(String, Consumer)}, for a job whose status the caller has just read as {@code current}. */
    Runnable watch(String id, JobSnapshot current, Consumer<JobSnapshot> listener) {
        if (current.state().isTerminal()) {
            listener.accept(current);
            return () -> { };
        }
        AtomicBoolean stopped = new AtomicBoolean();
        Consumer<JobSnapshot> guarded = s -> {
            if (!stopped.get()) {
                listener.accept(s);
            }
        };
        loop.post(() -> {
            if (jobs.active(id) == null) {
                JobSnapshot ended = recentlyEnded.get(id);
                if (ended != null) {
                    guarded.accept(ended); // it ended here a moment ago: as stored then
                    return;
                }
                // not running here: as stored now; if it has not ended, the watcher stays, so that a job this master
                // resumes a moment later (it took the job over) is followed from then on, to its end
                Optional<JobSnapshot> stored = store.jobs().find(id).map(JobSnapshot::of);
                stored.ifPresent(guarded);
                if (stored.isEmpty() || stored.get().state().isTerminal()) {
                    return;
                }
            } else {
                guarded.accept(activeSnapshots.getOrDefault(id, current));
            }
            watchers.computeIfAbsent(id, k -> new ArrayList<>()).add(guarded);
        });
        return stopper(id, guarded, stopped);
    }

    /** What stops a watcher (any thread): it gets nothing more, and leaves the board on the loop. */
    private Runnable stopper(String id, Consumer<JobSnapshot> guarded, AtomicBoolean stopped) {
        return () -> {
            stopped.set(true);
            loop.post(() -> {
                List<Consumer<JobSnapshot>> list = watchers.get(id);
                if (list != null) {
                    list.remove(guarded);
                    if (list.isEmpty()) {
                        watchers.remove(id);
                    }
                }
            });
        };
    }

    List<WorkerSnapshot> workers(boolean includeDeparted) {
        return loop.call(() -> {
            List<WorkerSnapshot> out = new ArrayList<>();
            double grid = WorkerSpeeds.gridLogPace(workers);
            for (WorkerEntry e : workers) {
                if (includeDeparted || !e.state.isDeparted()) {
                    out.add(e.snapshot(grid));
                }
            }
            out.sort((a, b) -> a.name().compareTo(b.name()));
            return out;
        });
    }

    Optional<Scheduler.JobDetail> detail(String id) {
        return loop.call(() -> {
            JobRunner job = jobs.active(id);
            return job == null ? Optional.<Scheduler.JobDetail>empty()
                    : Optional.of(new Scheduler.JobDetail(job.durationBuckets.clone(), new ArrayList<>(job.errors)));
        });
    }

    List<Scheduler.LiveAttempt> runningAttempts(String jobId, Long index) {
        return loop.call(() -> {
            JobRunner job = jobs.active(jobId);
            List<Scheduler.LiveAttempt> out = new ArrayList<>();
            if (job == null) {
                return out;
            }
            for (Attempt a : job.attempts.values()) {
                if (!a.completing && (index == null || a.task.index == index)) {
                    out.add(new Scheduler.LiveAttempt(a.task.index, a.number, a.session.worker.id, a.session.worker.name,
                            a.startedAt, a.speculative));
                }
            }
            out.sort(java.util.Comparator.comparingLong(Scheduler.LiveAttempt::index)
                    .thenComparingInt(Scheduler.LiveAttempt::attempt));
            return out;
        });
    }

    List<Scheduler.RunningAttempt> runningOn(String worker, int limit) {
        return loop.call(() -> attempts.runningOn(worker, limit));
    }

    List<WorkerEvent> recentWorkerEvents(int limit) {
        return loop.call(() -> events.recent(limit));
    }

    Runnable watchWorkers(int history, Consumer<WorkerEvent> listener) {
        AtomicBoolean stopped = new AtomicBoolean();
        Consumer<WorkerEvent> guarded = e -> {
            if (!stopped.get()) {
                listener.accept(e);
            }
        };
        loop.post(() -> {
            for (WorkerEvent e : events.recent(history)) {
                guarded.accept(e);
            }
            events.watch(guarded);
        });
        return () -> {
            stopped.set(true);
            loop.post(() -> events.unwatch(guarded));
        };
    }
}
