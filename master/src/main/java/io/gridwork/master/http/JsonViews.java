package io.gridwork.master.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.gridwork.master.ha.MasterDirectory;
import io.gridwork.master.read.DurationHistogram;
import io.gridwork.master.read.JobView;
import io.gridwork.master.read.RunningAttemptView;
import io.gridwork.master.read.TaskError;
import io.gridwork.master.read.TaskLine;
import io.gridwork.master.read.WorkerEventView;
import io.gridwork.master.read.WorkerView;
import java.time.Instant;
import java.util.Map;

/**
 * The read model as the dashboard's JSON. Jobs, workers, worker events (the overview's and a worker's history alike)
 * and masters are printed exactly as protobuf's JSON printer prints the gRPC API's messages with
 * {@code alwaysPrintFieldsWithNoPresence} (what {@code grid ... --output json} prints), so scripts can read either:
 * lowerCamelCase names, 64-bit integers ({@code incarnation}, {@code completed}, task counts) as strings, 32-bit ones as
 * numbers, timestamps in RFC 3339, and every field present, at zero, {@code ""}, {@code false} or {@code {}} when it has
 * no other value. Only fields that can be unset are left out when they are: a timestamp not reached yet
 * ({@code startedAt} of a queued job) and a job's {@code result} and {@code error}. app.js reads exactly this.
 */
final class JsonViews {

    private JsonViews() {}

    static JsonObject job(JobView j) {
        JsonObject o = new JsonObject();
        string(o, "id", j.id());
        o.addProperty("state", j.state().name());
        string(o, "jobClass", j.jobClass());
        string(o, "jarSha256", j.jarSha256());
        map(o, "args", j.args());
        JobView.TaskCounts c = j.tasks();
        JsonObject tasks = new JsonObject();
        int64(tasks, "total", c.total());
        int64(tasks, "succeeded", c.succeeded());
        int64(tasks, "running", c.running());
        int64(tasks, "queued", c.queued());
        int64(tasks, "failed", c.failed());
        int64(tasks, "retried", c.retried());
        int64(tasks, "lost", c.lost());
        int64(tasks, "rejected", c.rejected());
        int64(tasks, "speculated", c.speculated());
        int64(tasks, "held", c.held());
        int64(tasks, "resumed", c.resumed()); // attempts that started from a checkpoint
        int64(tasks, "validated", c.validated());
        int64(tasks, "mismatched", c.mismatched());
        o.add("tasks", tasks);
        optional(o, "result", j.result());
        optional(o, "error", j.error());
        string(o, "resultMediaType", j.resultMediaType());
        int64(o, "resultSize", j.resultSize());
        timestamp(o, "submittedAt", j.submittedAt());
        timestamp(o, "startedAt", j.startedAt());
        timestamp(o, "finishedAt", j.finishedAt());
        bool(o, "splitComplete", j.splitComplete());
        int32(o, "maxAttempts", j.maxAttempts());
        int64(o, "taskTimeoutMs", j.taskTimeoutMs());
        string(o, "owner", j.owner());
        string(o, "require", j.requirement());
        int32(o, "slotsPerTask", j.slotsPerTask());
        int32(o, "priority", j.priority());
        bool(o, "speculation", j.speculation());
        string(o, "waitingReason", j.waitingReason());
        string(o, "schedule", j.schedule());
        string(o, "master", j.master());
        string(o, "masterAddress", j.masterAddress());
        map(o, "dataSets", j.dataSets());
        // the jobs it runs after and those that run after it (grid submit --after): the console fills them in
        o.add("after", new com.google.gson.JsonArray());
        o.add("downstream", new com.google.gson.JsonArray());
        int32(o, "quorum", j.quorum());
        int32(o, "quorumMax", j.quorumMax());
        return o;
    }

    /** Fills in a printed job's {@code after} and {@code downstream} (ids), and a WAITING job's reason. */
    static JsonObject dependencies(JsonObject job, java.util.List<String> after, java.util.List<String> downstream,
            String waitingReason) {
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        after.forEach(a::add);
        com.google.gson.JsonArray d = new com.google.gson.JsonArray();
        downstream.forEach(d::add);
        job.add("after", a);
        job.add("downstream", d);
        if (waitingReason != null) {
            job.addProperty("waitingReason", waitingReason);
        }
        return job;
    }

    /** A worker, and the age of its last heartbeat (null before the first). */
    static JsonObject worker(WorkerView w) {
        JsonObject o = new JsonObject();
        string(o, "id", w.id());
        string(o, "name", w.name());
        o.addProperty("state", w.state().name());
        int32(o, "slots", w.slots());
        map(o, "labels", w.labels());
        int32(o, "running", w.running());
        int64(o, "completed", w.completed());
        int64(o, "failed", w.failed());
        string(o, "address", w.address());
        int64(o, "incarnation", w.incarnation());
        timestamp(o, "lastHeartbeat", w.lastHeartbeat());
        timestamp(o, "registeredAt", w.registeredAt());
        WorkerView.Platform p = w.platform();
        JsonObject platform = new JsonObject();
        string(platform, "os", p.os());
        string(platform, "arch", p.arch());
        string(platform, "javaVersion", p.javaVersion());
        int64(platform, "memoryBytes", p.memoryBytes());
        int32(platform, "cores", p.cores());
        string(platform, "gridworkVersion", p.gridworkVersion());
        o.add("platform", platform);
        int32(o, "prefetch", w.prefetch());
        o.addProperty("speed", w.speed());
        bool(o, "drainRequested", w.drainRequested());
        int32(o, "held", w.held());
        string(o, "healthAddress", w.healthAddress());
        o.addProperty("costFactor", w.costFactor());
        int64(o, "agreed", w.agreed()); // trust from quorum jobs (issue 19)
        int64(o, "disagreed", w.disagreed());
        bool(o, "untrusted", w.untrusted());
        string(o, "ownerReason", w.ownerReason()); // idle owners (issue 19)
        bool(o, "whenIdle", w.whenIdle());
        o.addProperty("heartbeatAgeMs", w.heartbeatAgeMs());
        return o;
    }

    /** A master, in the shape of the gRPC API's {@code MasterInfo} (plus its lease age in ms, as {@code grid masters}). */
    static JsonObject master(MasterDirectory.Peer m) {
        JsonObject o = new JsonObject();
        string(o, "id", m.id());
        string(o, "address", m.address());
        string(o, "state", m.state());
        int64(o, "epoch", m.epoch());
        int64(o, "jobs", m.jobs());
        int64(o, "leaseAgeMs", m.leaseAgeMs());
        timestamp(o, "startedAt", m.startedAt());
        bool(o, "self", m.self());
        string(o, "httpAddress", m.httpAddress());
        return o;
    }

    /** A master event, in the shape of the gRPC API's {@code MasterEvent}. */
    static JsonObject masterEvent(MasterDirectory.Event e) {
        JsonObject o = new JsonObject();
        int64(o, "seq", e.seq());
        timestamp(o, "at", e.at());
        string(o, "type", e.type());
        string(o, "masterId", e.masterId());
        string(o, "byMasterId", e.byMasterId());
        int64(o, "jobs", e.jobs());
        int64(o, "durationMs", e.durationMs());
        string(o, "detail", e.detail());
        return o;
    }

    /** An event of the grid's recent ones. */
    static JsonObject event(WorkerEventView e) {
        JsonObject o = new JsonObject();
        int64(o, "seq", e.seq());
        string(o, "workerId", e.workerId());
        string(o, "name", e.name());
        o.addProperty("type", e.type().name());
        string(o, "reason", e.reason());
        timestamp(o, "at", e.at());
        int64(o, "incarnation", e.incarnation());
        return o;
    }

    /** An event of one worker's history: the same shape as the grid's recent events ({@link #event}). */
    static JsonObject history(WorkerEventView e) {
        return event(e);
    }

    static JsonObject running(RunningAttemptView a) {
        JsonObject r = new JsonObject();
        r.addProperty("jobId", a.jobId());
        r.addProperty("jobClass", a.jobClass());
        r.addProperty("task", a.index());
        r.addProperty("attempt", a.attempt());
        r.addProperty("speculative", a.speculative());
        r.addProperty("startedAt", a.startedAt().toString());
        r.addProperty("executing", a.executing());
        if (a.runningSince() != null) {
            r.addProperty("runningSince", a.runningSince().toString());
        }
        return r;
    }

    static JsonObject histogram(DurationHistogram h) {
        JsonObject o = new JsonObject();
        JsonArray bounds = new JsonArray();
        h.boundsMs().forEach(bounds::add);
        JsonArray counts = new JsonArray();
        h.counts().forEach(counts::add);
        o.add("boundsMs", bounds);
        o.add("counts", counts);
        return o;
    }

    /** A failed attempt of a running job. */
    static JsonObject error(TaskError e) {
        JsonObject o = new JsonObject();
        o.addProperty("index", e.index());
        o.addProperty("attempt", e.attempt());
        o.addProperty("worker", e.worker());
        o.addProperty("error", e.message());
        o.addProperty("at", e.at() == null ? null : e.at().toString());
        return o;
    }

    static JsonObject attempt(io.gridwork.master.read.AttemptView a) {
        JsonObject o = new JsonObject();
        o.addProperty("task", a.index());
        o.addProperty("attempt", a.attempt());
        o.addProperty("outcome", a.outcome());
        o.addProperty("worker", a.workerName() != null ? a.workerName() : a.workerId());
        o.addProperty("workerId", a.workerId());
        o.addProperty("startedAt", a.startedAt() == null ? null : a.startedAt().toString());
        o.addProperty("endedAt", a.endedAt() == null ? null : a.endedAt().toString());
        o.addProperty("durationMs", a.durationMs());
        o.addProperty("error", a.error());
        o.addProperty("exceptionType", a.exceptionType());
        o.addProperty("stackTrace", a.stackTrace());
        o.addProperty("log", a.log());
        o.addProperty("logCutBytes", a.logCutBytes());
        return o;
    }

    static JsonObject task(TaskLine t) {
        JsonObject o = new JsonObject();
        o.addProperty("index", t.index());
        o.addProperty("state", t.state() == null ? "?" : t.state().name());
        o.addProperty("attempts", t.attempts());
        o.addProperty("failures", t.failures());
        o.addProperty("losses", t.losses());
        o.addProperty("worker", t.workerName());
        o.addProperty("workerId", t.workerId());
        o.addProperty("durationMs", t.durationMs());
        o.addProperty("error", t.error());
        return o;
    }

    // ------------------------------- the gRPC API's JSON form: every field is there, at its zero value if need be

    private static void string(JsonObject o, String name, String value) {
        o.addProperty(name, value == null ? "" : value);
    }

    /** A field with presence ({@code optional string}): left out when it has no value. */
    private static void optional(JsonObject o, String name, String value) {
        if (value != null) {
            o.addProperty(name, value);
        }
    }

    private static void int64(JsonObject o, String name, long value) {
        o.addProperty(name, Long.toString(value));
    }

    private static void int32(JsonObject o, String name, int value) {
        o.addProperty(name, value);
    }

    private static void bool(JsonObject o, String name, boolean value) {
        o.addProperty(name, value);
    }

    private static void map(JsonObject o, String name, Map<String, String> value) {
        JsonObject m = new JsonObject();
        value.forEach(m::addProperty);
        o.add(name, m);
    }

    /**
     * RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as the gRPC API's JSON form writes a timestamp; left out
     * when unset (a message field has presence).
     */
    private static void timestamp(JsonObject o, String name, Instant value) {
        if (value != null) {
            o.addProperty(name, value.toString());
        }
    }
}
