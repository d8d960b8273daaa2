package io.gridwork.master.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.gridwork.master.core.JobSnapshot;
import io.gridwork.master.core.WorkerEvent;
import io.gridwork.master.core.WorkerSnapshot;
import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerEventType;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.read.JobView;
import io.gridwork.master.read.WorkerEventView;
import io.gridwork.master.read.WorkerView;
import io.gridwork.master.rpc.ProtoViews;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's JSON for jobs, workers and events, mapped from the read model, is byte for byte what protobuf's JSON
 * printer makes of the protocol messages with every field that has no presence printed (app.js and scripts read it,
 * and {@code --output json} prints the same): zero values are there, 64-bit integers are strings everywhere.
 */
class JsonViewsTest {

    private static final Gson GSON = new GsonBuilder().serializeNulls().create();
    private static final Instant SECONDS = Instant.parse("2026-03-01T10:00:00Z");
    private static final Instant MILLIS = Instant.parse("2026-03-01T10:00:01.250Z");
    private static final Instant MICROS = Instant.parse("2026-03-01T10:00:02.000250Z");
    private static final Instant NANOS = Instant.parse("2026-03-01T10:00:03.000000007Z");

    @Test
    void aJobIsPrintedAsItsStatusMessageWas() throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        args.put("limit", "20000000");
        args.put("tasks", "200");
        args.put("a", "");
        List<JobSnapshot> jobs = List.of(
                new JobSnapshot("job-1", JobState.RUNNING, "abc123", "x.PrimeCount", args, 200, 50, 8, 142, 1, 3, 2, 1, 4,
                        true, 3, 60_000, SECONDS, MILLIS, null, null, null, null, 0, "alice", "gpu=a100", 2, -5, true,
                        "no worker matches gpu=a100", "nightly", "master-a", 5),
                new JobSnapshot("job-2", JobState.SUCCEEDED, "abc123", "x.Squares", Map.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        false, 0, 0, MICROS, MICROS, NANOS, null, "", "text/plain", 12, "", null, 0, 0, false, null, null, null, 0),
                new JobSnapshot("job-3", JobState.FAILED, "", "", Map.of(), 1, 0, 0, 0, 1, 0, 0, 0, 0, true, 1, 0, SECONDS,
                        null, NANOS, "task 0 failed: boom", null, null, 0, null, "", 1, 0, false, "", "", "", 0));
        for (JobSnapshot j : jobs) {
            assertThat(GSON.toJson(JsonViews.job(JobView.of(j)))).isEqualTo(GSON.toJson(printed(ProtoViews.job(j))));
        }
    }

    @Test
    void aWorkerIsPrintedAsItsInfoMessageWasWithItsHeartbeatAge() throws Exception {
        Map<String, String> platform = Map.of("os", "Linux", "arch", "amd64", "java", "17.0.9", "memory", "8589934592",
                "cores", "8", "gridwork", "1.0");
        List<WorkerSnapshot> workers = List.of(
                new WorkerSnapshot("w-1", "alpha", WorkerState.ALIVE, 4, 2, Map.of("gpu", "a100"), 3, 1200, 2,
                        "10.0.0.5", 3, MILLIS, SECONDS, platform, 1.25, false, 4, 7001),
                new WorkerSnapshot("w-2", "beta", WorkerState.DRAINING, 0, 0, Map.of(), 0, 0, 0, "", 0, null, null,
                        Map.of("os", "Mac", "memory", "not a number"), 0.0, true, 0, 0),
                new WorkerSnapshot("w-3", "gamma", WorkerState.DEAD, 1, 0, Map.of(), 0, 7, 0, "h:1", 1, NANOS, MICROS,
                        Map.of(), 2.0, false, 0, 7002),
                // idle owners (issue 19): a worker whose owner is busy
                new WorkerSnapshot("w-4", "desk", WorkerState.OWNER_BUSY, 2, 0, Map.of(), 0, 5, 0, "h:2", 1, NANOS,
                        MICROS, Map.of(), 1.0, false, 0, 7003, "owner busy: the idle command exited 1", true));
        Instant now = NANOS.plusSeconds(2);
        for (WorkerSnapshot w : workers) {
            JsonObject expected = printed(ProtoViews.worker(w));
            expected.addProperty("heartbeatAgeMs",
                    w.lastHeartbeat() == null ? null : java.time.Duration.between(w.lastHeartbeat(), now).toMillis());
            assertThat(GSON.toJson(JsonViews.worker(WorkerView.of(w, now)))).isEqualTo(GSON.toJson(expected));
        }
    }

    @Test
    void anEventIsPrintedAsItsMessageWas() throws Exception {
        for (WorkerEvent e : List.of(new WorkerEvent(42, "w-1", "alpha", WorkerEventType.SUSPECT, "no heartbeat for 9 s", 3, MILLIS),
                new WorkerEvent(0, "w-2", "beta", WorkerEventType.LEFT, "", 0, SECONDS))) {
            WorkerEventView view = new WorkerEventView(e.seq(), e.workerId(), e.name(), e.type(), e.reason(), e.incarnation(), e.at());
            assertThat(GSON.toJson(JsonViews.event(view))).isEqualTo(GSON.toJson(printed(ProtoViews.event(e))));
            // a worker's history has the same events in the same shape: incarnation is a string in both
            assertThat(GSON.toJson(JsonViews.history(view))).isEqualTo(GSON.toJson(printed(ProtoViews.event(e))));
            assertThat(JsonViews.history(view).get("incarnation").getAsJsonPrimitive().isString()).isTrue();
        }
    }

    @Test
    void zeroValuedFieldsArePresentAndUnsetOnesAreNot() {
        JobSnapshot queued = new JobSnapshot("job-0", JobState.QUEUED, "", "x.Noop", Map.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0,
                false, 0, 0, SECONDS, null, null, null, null, null, 0, "", null, 0, 0, false, null, null, null, 0);
        JsonObject job = JsonViews.job(JobView.of(queued));
        assertThat(job.getAsJsonObject("tasks").get("failed").getAsString()).isEqualTo("0");
        assertThat(job.get("resultSize").getAsString()).isEqualTo("0");
        assertThat(job.get("priority").getAsInt()).isZero();
        assertThat(job.get("speculation").getAsBoolean()).isFalse();
        assertThat(job.get("owner").getAsString()).isEmpty();
        assertThat(job.getAsJsonObject("args").size()).isZero();
        assertThat(job.has("startedAt")).isFalse();
        assertThat(job.has("result")).isFalse();
        WorkerSnapshot idle = new WorkerSnapshot("w-0", "idle", WorkerState.ALIVE, 1, 0, Map.of(), 0, 0, 0, "", 0, null,
                null, Map.of(), 0.0, false, 0, 0);
        JsonObject worker = JsonViews.worker(WorkerView.of(idle, NANOS));
        assertThat(worker.get("completed").getAsString()).isEqualTo("0");
        assertThat(worker.get("incarnation").getAsString()).isEqualTo("0");
        assertThat(worker.get("speed").getAsDouble()).isZero();
        assertThat(worker.get("drainRequested").getAsBoolean()).isFalse();
        assertThat(worker.get("held").getAsInt()).isZero();
    }

    private static JsonObject printed(MessageOrBuilder m) throws Exception {
        return JsonParser.parseString(JsonFormat.printer().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace()
                .print(m)).getAsJsonObject();
    }
}
