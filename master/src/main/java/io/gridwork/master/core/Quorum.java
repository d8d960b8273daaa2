package io.gridwork.master.core;

import io.gridwork.master.model.AttemptOutcome;
import io.gridwork.master.model.TaskState;
import io.gridwork.master.store.StoreBatch;
import io.gridwork.sdk.JobOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Results by quorum: a task of a job with quorum N runs on N workers on different hosts (more after a mismatch, up to
 * the job's quorum_max replicas), and its output is accepted when N outputs are equal byte for byte. Until then a
 * replica's output is a vote held in memory (its attempt ends and is acknowledged, but nothing of it is stored as the
 * task's output); the replica whose output makes the quorum goes on as an ordinary result (stored, fenced and merged
 * exactly once like any other), and the replicas still running are cancelled, so a late one is refused. After a master
 * restart the votes of unfinished tasks are gone, and those tasks start their quorum again.
 *
 * <p>A worker's host is its label {@code host} if it has one (for several workers on one machine, or tests), else its
 * advertised host ({@code grid worker --advertise-host}), else the address the master sees its connection from.
 *
 * <p>Each decision adds to the workers' trust records ({@link Trust}): agreed for the replicas in the quorum, disagreed
 * for the others. Jobs without a quorum never reach this class: a task's {@code votes} stay null. Loop-confined.
 */
final class Quorum {

    private static final Logger log = LoggerFactory.getLogger(Quorum.class);

    /** A job's quorum and its most replicas of one task. */
    record Setting(int quorum, int max) {
        static final Setting NONE = new Setting(1, 1);
    }

    /**
     * The quorum of a job: the submission's over the job's own options, else 1; the most replicas the submission's, else
     * (if the quorum is the job's own) the job's, else quorum + 2. A quorum below 1 given at submission, or a maximum
     * below the quorum, is refused.
     */
    static Setting setting(int asked, int askedMax, int own, int ownMax) {
        if (asked < 0 || asked > JobOptions.MAX_QUORUM) {
            throw CoreException.invalid("quorum: must be from 1 to " + JobOptions.MAX_QUORUM + ", got " + asked);
        }
        if (askedMax < 0 || askedMax > JobOptions.MAX_QUORUM_REPLICAS) {
            throw CoreException.invalid("quorum_max: must be from the quorum to " + JobOptions.MAX_QUORUM_REPLICAS
                    + ", got " + askedMax);
        }
        int quorum = asked > 0 ? asked : own > 0 ? own : 1;
        int max = askedMax > 0 ? askedMax : asked == 0 && ownMax > 0 ? ownMax : quorum + 2;
        if (max < quorum) {
            throw CoreException.invalid("quorum_max: " + max + " is below the quorum " + quorum);
        }
        return quorum == 1 ? Setting.NONE : new Setting(quorum, max);
    }

    /** The host a worker runs on, as quorums tell hosts apart (see the class comment). */
    static String host(WorkerEntry w) {
        String label = w.labels == null ? null : w.labels.get("host");
        if (label != null && !label.isBlank()) {
            return label;
        }
        return w.address == null || w.address.isEmpty() ? "worker " + w.name : w.address;
    }

    /**
     * Why a quorum job cannot reach its quorum with the workers connected now: fewer distinct hosts than the quorum
     * have a connected worker that matches its requirement, has the slots and is trusted. Empty if enough have.
     */
    static String hostsWanting(JobRunner job, Iterable<WorkerEntry> workers, Trust trust) {
        java.util.Set<String> hosts = new java.util.TreeSet<>();
        for (WorkerEntry w : workers) {
            if (w.session != null && w.session.open && Dispatcher.runsOn(job, w)
                    && (trust == null || !trust.untrusted(w.name))) {
                hosts.add(host(w));
            }
        }
        if (hosts.size() >= job.quorum) {
            return "";
        }
        return "quorum " + job.quorum + " needs workers on " + job.quorum + " different hosts; "
                + (hosts.isEmpty() ? "none has" : hosts.size() == 1 ? "1 host (" + String.join(", ", hosts) + ") has"
                : hosts.size() + " hosts (" + String.join(", ", hosts) + ") have")
                + " a connected, trusted worker" + (job.requirement.isAny() ? "" : " matching " + job.requirement)
                + (job.slotsPerTask > 1 ? " with " + job.slotsPerTask + " slots" : "");
    }

    /**
     * One replica's output, with its attempt and result, whose history row is written once the quorum decides: for a
     * replica that disagreed (or wrote a log), not for one that agreed silently (as a first attempt that succeeded alone
     * writes none).
     */
    record Vote(String worker, String host, byte[] output, Attempt attempt, Messages.Result result, Instant at) {}

    /** A task's replicas: the outputs received, and the hosts of the replicas running now (by attempt id). */
    static final class Votes {
        final List<Vote> votes = new ArrayList<>(2);
        final Map<Long, String> running = new HashMap<>(4);

        /** Whether a replica may run on {@code host}: none has run (with an output) or runs there. */
        boolean mayRunOn(String host) {
            if (running.containsValue(host)) {
                return false;
            }
            for (Vote v : votes) {
                if (v.host().equals(host)) {
                    return false;
                }
            }
            return true;
        }

        /** The votes grouped by equal output, the largest group first (of equals, the one whose output came first). */
        List<List<Vote>> groups() {
            List<List<Vote>> groups = new ArrayList<>();
            for (Vote v : votes) {
                List<Vote> same = null;
                for (List<Vote> g : groups) {
                    if (Arrays.equals(g.get(0).output(), v.output())) {
                        same = g;
                        break;
                    }
                }
                if (same == null) {
                    same = new ArrayList<>(2);
                    groups.add(same);
                }
                same.add(v);
            }
            groups.sort((a, b) -> Integer.compare(b.size(), a.size()));
            return groups;
        }

        int largestGroup() {
            List<List<Vote>> g = groups();
            return g.isEmpty() ? 0 : g.get(0).size();
        }
    }

    /** What becomes of a replica's output. */
    enum Verdict {
        /** It makes the quorum: store it as the task's output, as any result. */
        ACCEPT,
        /** Held as a vote; more replicas run. */
        WAIT,
        /** No quorum can be reached any more: the task (and its job) failed. */
        FAILED
    }

    private final AttemptTable attempts;
    private final Flusher flusher;
    private final Trust trust;

    Quorum(AttemptTable attempts, Flusher flusher, Trust trust) {
        this.attempts = attempts;
        this.flusher = flusher;
        this.trust = trust;
    }

    Trust trust() {
        return trust;
    }

    /** Whether the worker may run tasks of quorum jobs (its trust record does not exclude it). */
    boolean trusted(WorkerEntry w) {
        return !trust.untrusted(w.name);
    }

    static Votes votes(QueuedTask t) {
        if (t.votes == null) {
            t.votes = new Votes();
        }
        return t.votes;
    }

    /**
     * Replicas of the task still to start: as many as could, with those running, make the quorum, within the job's
     * most replicas.
     */
    static int wanted(JobRunner job, QueuedTask t) {
        Votes v = votes(t);
        int needed = job.quorum - v.largestGroup() - t.live;
        int room = job.quorumMax - v.votes.size() - t.live;
        return Math.max(0, Math.min(needed, room));
    }

    /** A replica of a quorum job's task started (or was taken back after a restart): it may want more. */
    static void replicaStarted(Attempt a) {
        votes(a.task).running.put(a.id, host(a.session.worker));
        queueIfWanted(a.job, a.task);
    }

    /** The task waits in its job's queue for another replica if it wants one (not twice). */
    static void queueIfWanted(JobRunner job, QueuedTask t) {
        if (job.dispatchable() && !t.finished() && wanted(job, t) > 0 && !job.queue.retries.contains(t)) {
            job.queue.retry(t);
        }
    }

    /** A replica no longer runs (its output came, or it was cancelled, lost or failed). */
    static void replicaEnded(Attempt a) {
        if (a.task.votes != null) {
            a.task.votes.running.remove(a.id);
        }
    }

    /**
     * A replica's output came (within the limits, its attempt current): a vote. On {@link Verdict#ACCEPT} the caller
     * stores it as the task's output and cancels the other replicas; otherwise the attempt is ended here.
     */
    Verdict vote(Attempt a, Messages.Result r, Instant now) {
        JobRunner job = a.job;
        QueuedTask t = a.task;
        Votes v = votes(t);
        WorkerEntry w = a.session.worker;
        v.votes.add(new Vote(w.name, host(w), r.output(), a, r, now));
        List<List<Vote>> groups = v.groups();
        List<Vote> best = groups.get(0);
        if (best.size() >= job.quorum) {
            decided(job, t, v, best, now);
            return Verdict.ACCEPT;
        }
        // a vote: the attempt ends now and its worker may forget it; its output stays here until the quorum decides
        Session s = a.session;
        attempts.detach(a);
        s.outbox.acks.add(a.key());
        flusher.markDirty(s);
        if (best.size() + (job.quorumMax - v.votes.size()) < job.quorum) {
            failNoQuorum(job, t, v, groups, now);
            return Verdict.FAILED;
        }
        if (groups.size() > 1) {
            log.atInfo().addKeyValue("job", job.id).addKeyValue("task", t.index).addKeyValue("worker", w.name)
                    .log("replica outputs differ ({} outputs of {} replicas); another replica runs", groups.size(),
                            v.votes.size());
        }
        if (t.live == 0 && t.state == TaskState.RUNNING) {
            t.moveTo(TaskState.QUEUED);
        }
        queueIfWanted(job, t);
        return Verdict.WAIT;
    }

    /** The quorum accepted an output: the workers' records and the job's counts, written with the output. */
    private void decided(JobRunner job, QueuedTask t, Votes v, List<Vote> winners, Instant now) {
        job.queue.retries.remove(t);
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (Vote vote : v.votes) {
            boolean agreed = winners.contains(vote);
            counts.computeIfAbsent(vote.worker(), k -> new long[2])[agreed ? 0 : 1]++;
            if (!agreed) {
                history(vote, "its output differed from the " + winners.size() + " equal outputs accepted");
            } else if (vote != v.votes.get(v.votes.size() - 1)) {
                // (the deciding one's row goes with its output): every other replica has a row, with its record in
                // the usage ledger, so a quorum's cost is counted in full
                history(vote, "one of the " + winners.size() + " equal outputs accepted");
            }
        }
        boolean mismatch = v.votes.size() > winners.size();
        job.validated++;
        if (mismatch) {
            job.mismatched++;
            log.atWarn().addKeyValue("job", job.id).addKeyValue("task", t.index)
                    .log("quorum of {} reached after a mismatch; disagreed: {}", job.quorum, names(v.votes, winners));
        }
        count(job, counts, 1, mismatch ? 1 : 0, now);
        t.votes = null; // its outputs are no longer needed
    }

    private void failNoQuorum(JobRunner job, QueuedTask t, Votes v, List<List<Vote>> groups, Instant now) {
        Map<String, long[]> counts = new LinkedHashMap<>();
        StringJoiner outputs = new StringJoiner("; ");
        for (List<Vote> g : groups) {
            StringJoiner who = new StringJoiner(", ");
            for (Vote vote : g) {
                who.add(vote.worker());
                if (g.size() == 1) {
                    counts.computeIfAbsent(vote.worker(), k -> new long[2])[1]++; // equal to no other output
                }
            }
            outputs.add(who + " gave " + describe(g.get(0).output()));
        }
        for (Vote vote : v.votes) {
            history(vote, "no quorum: its output was one of " + groups.size() + " different outputs");
        }
        job.mismatched++;
        count(job, counts, 0, 1, now);
        String message = "no quorum: " + job.quorum + " equal outputs needed, " + v.votes.size() + " replicas (the most, "
                + "quorum-max=" + job.quorumMax + ") disagreed: " + outputs;
        log.atWarn().addKeyValue("job", job.id).addKeyValue("task", t.index).log("task failed: {}", message);
        job.failForTask(t, message, null);
    }

    /** A replica's attempt in its task's history, with why its output was or was not the one accepted. */
    private void history(Vote vote, String why) {
        Messages.Result r = vote.result();
        flusher.writes().attemptEnded(vote.attempt().ended(AttemptOutcome.SUCCEEDED, vote.at(), r.durationMs(),
                "replica: " + why, null, r.log(), r.logCutBytes(), r.cpuNanos(), false));
    }

    /** Adds to the trust records and the job's counts, in this turn's commit. */
    private void count(JobRunner job, Map<String, long[]> byWorker, long validated, long mismatched, Instant now) {
        StoreBatch writes = flusher.writes();
        byWorker.forEach((worker, c) -> {
            trust.add(worker, c[0], c[1]);
            writes.trust(new StoreBatch.TrustCounted(worker, c[0], c[1], now));
        });
        writes.quorumCounted(new StoreBatch.QuorumCounted(job.id, validated, mismatched));
    }

    private static String names(List<Vote> votes, List<Vote> except) {
        StringJoiner out = new StringJoiner(", ");
        for (Vote v : votes) {
            if (!except.contains(v)) {
                out.add(v.worker());
            }
        }
        return out.toString();
    }

    /** An output as a message shows it: its size and the start of its SHA-256. */
    static String describe(byte[] output) {
        try {
            byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(output);
            return output.length + " bytes (sha256 " + HexFormat.of().formatHex(sha, 0, 6) + "…)";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
