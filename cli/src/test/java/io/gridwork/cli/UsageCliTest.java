package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.DeleteQuotaRequest;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.GetUsageRequest;
import io.gridwork.api.v1.GetUsageResponse;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.Quota;
import io.gridwork.api.v1.SetQuotaRequest;
import io.gridwork.api.v1.Usage;
import io.gridwork.api.v1.UsageLine;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grid usage}, {@code grid quota set/ls/rm} and the usage line of {@code grid status}, against a fake master
 * over a real (plaintext) connection: the requests they send, what they print, and exit 2 with one line for bad
 * input, nothing sent.
 */
class UsageCliTest {

    static final class FakeMaster extends ClientServiceGrpc.ClientServiceImplBase {
        final List<Object> requests = new CopyOnWriteArrayList<>();

        @Override
        public void getUsage(GetUsageRequest r, StreamObserver<GetUsageResponse> o) {
            requests.add(r);
            Usage alice = Usage.newBuilder().setSlotSeconds(120.5).setCpuSeconds(100.25).setCost(241).setTasks(12)
                    .setWastedSlotSeconds(12.05).build();
            Usage bob = Usage.newBuilder().setSlotSeconds(30).setCpuSeconds(29).setCost(30).setTasks(3).build();
            o.onNext(GetUsageResponse.newBuilder().setBy(r.getBy())
                    .addLines(UsageLine.newBuilder().setKey("alice").setUsage(alice))
                    .addLines(UsageLine.newBuilder().setKey("bob").setUsage(bob))
                    .setTotal(Usage.newBuilder().setSlotSeconds(150.5).setCpuSeconds(129.25).setCost(271).setTasks(15)
                            .setWastedSlotSeconds(12.05)).build());
            o.onCompleted();
        }

        @Override
        public void setQuota(SetQuotaRequest r, StreamObserver<Quota> o) {
            requests.add(r);
            if (r.getUser().equals("nobody")) {
                o.onError(Status.INVALID_ARGUMENT.withDescription("user: no token is named nobody (see grid token ls)")
                        .asRuntimeException());
                return;
            }
            o.onNext(Quota.newBuilder().setUser(r.getUser()).setMaxSlots(r.getMaxSlots()).setCostLimit(r.getCostLimit())
                    .setPeriod(r.getPeriod()).build());
            o.onCompleted();
        }

        @Override
        public void deleteQuota(DeleteQuotaRequest r, StreamObserver<Quota> o) {
            requests.add(r);
            o.onError(Status.NOT_FOUND.withDescription("user: " + r.getUser() + " has no quota").asRuntimeException());
        }

        @Override
        public void getJob(GetJobRequest r, StreamObserver<JobStatus> o) {
            o.onNext(JobStatus.newBuilder().setId(r.getJobId()).setState(JobStatus.State.RUNNING).setJobClass("x.Pi")
                    .setWaitingReason("user alice is at its slot limit: 1 of max-slots 1 held (grid quota)")
                    .setUsage(Usage.newBuilder().setSlotSeconds(12.34).setCpuSeconds(11).setCost(24.68).setTasks(4)
                            .setWastedSlotSeconds(1.5)).build());
            o.onCompleted();
        }
    }

    static final FakeMaster fake = new FakeMaster();

    @RegisterExtension
    static final FakeMasterServer master = new FakeMasterServer(fake);

    @TempDir
    Path dir;

    @BeforeEach
    void reset() {
        fake.requests.clear();
    }

    GridRun grid(String... args) {
        return GridRun.execute(new ConfigDefaults(new HashMap<>(), dir.resolve("home"), null), master.withMaster(args));
    }

    @Test
    void usageAsATableWithATotalAndTheWastedShare() {
        GridRun r = grid("usage");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).startsWith("USER").contains("SLOT-SECONDS", "CPU-SECONDS", "COST", "TASKS", "WASTED");
        assertThat(lines.get(1)).startsWith("alice").contains("120.500", "100.250", "241.000", "12", "12.050 (10.0%)");
        assertThat(lines.get(3)).startsWith("total").contains("150.500");
        assertThat(fake.requests).singleElement().isEqualTo(GetUsageRequest.newBuilder().setBy("user").build());
    }

    @Test
    void usageAsJsonHasTheDimensionFirstAndAsCsvAHeader() {
        GridRun json = grid("usage", "--by", "worker", "--user", "alice", "--since", "2026-11-01", "--until",
                "2026-11-02T12:00:00Z", "--output", "json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonObject root = JsonParser.parseString(json.out()).getAsJsonObject();
        JsonObject first = root.getAsJsonArray("usage").get(0).getAsJsonObject();
        assertThat(first.keySet()).containsExactly("worker", "slot_seconds", "cpu_seconds", "cost", "tasks",
                "wasted_slot_seconds");
        assertThat(first.get("worker").getAsString()).isEqualTo("alice");
        assertThat(first.get("slot_seconds").getAsDouble()).isEqualTo(120.5);
        assertThat(first.get("tasks").getAsLong()).isEqualTo(12);
        GetUsageRequest sent = (GetUsageRequest) fake.requests.get(0);
        assertThat(sent.getBy()).isEqualTo("worker");
        assertThat(sent.getUser()).isEqualTo("alice");
        assertThat(sent.getSince().getSeconds()).isEqualTo(java.time.Instant.parse("2026-11-01T00:00:00Z").getEpochSecond());
        assertThat(sent.getUntil().getSeconds()).isEqualTo(java.time.Instant.parse("2026-11-02T12:00:00Z").getEpochSecond());

        GridRun csv = grid("usage", "--by", "day", "--output", "csv");
        assertThat(csv.code()).as(csv.err()).isZero();
        assertThat(csv.out()).isEqualTo("day,slot_seconds,cpu_seconds,cost,tasks,wasted_slot_seconds\n"
                + "alice,120.500,100.250,241.000,12,12.050\n" + "bob,30.000,29.000,30.000,3,0.000\n");
    }

    @Test
    void badInputExitsTwoWithTheOptionNamedAndSendsNothing() {
        GridRun time = grid("usage", "--since", "yesterday-ish");
        assertThat(time.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(time.err()).isEqualTo("grid usage: --since: 'yesterday-ish' is not a time (2026-11-01, "
                + "2026-11-01T08:00:00Z) or a duration back from now (24h, 7d)\n");
        GridRun order = grid("usage", "--since", "2026-11-02", "--until", "2026-11-01");
        assertThat(order.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(order.err()).isEqualTo("grid usage: --since must be before --until\n");
        GridRun by = grid("usage", "--by", "planet");
        assertThat(by.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(by.err()).contains("--by").contains("planet");
        GridRun csvElsewhere = grid("quota", "ls", "--output", "csv");
        assertThat(csvElsewhere.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(csvElsewhere.err()).isEqualTo("grid quota ls: --output csv is for grid usage; use text or json\n");

        for (String[] args : List.of(new String[] {"quota", "set", "alice", "--max-slots", "0"},
                new String[] {"quota", "set", "alice", "--max-slots", "-2"},
                new String[] {"quota", "set", "alice", "--cost", "-1", "--per", "day"},
                new String[] {"quota", "set", "alice", "--cost", "0", "--per", "day"},
                new String[] {"quota", "set", "alice", "--cost", "10", "--per", "fortnight"},
                new String[] {"quota", "set", "alice", "--cost", "10"},
                new String[] {"quota", "set", "alice"})) {
            GridRun r = grid(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        }
        assertThat(grid("quota", "set", "alice", "--cost", "10", "--per", "fortnight").err())
                .isEqualTo("grid quota set: --per must be day, week or month, got 'fortnight'\n");
        assertThat(grid("quota", "set", "alice", "--max-slots", "0").err())
                .isEqualTo("grid quota set: --max-slots must be at least 1, got 0\n");
        assertThat(fake.requests).as("nothing was sent").isEmpty();

        GridRun unknown = grid("quota", "set", "nobody", "--max-slots", "2");
        assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("user: no token is named nobody");
        GridRun rm = grid("quota", "rm", "carol");
        assertThat(rm.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(rm.err()).contains("carol has no quota");
    }

    @Test
    void quotaSetSendsTheLimitsAndSaysWhatItSet() {
        GridRun r = grid("quota", "set", "alice", "--max-slots", "4", "--cost", "1000", "--per", "week");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("quota of alice: max-slots 4, cost 1000.000 per week\n");
        assertThat(fake.requests).singleElement().isEqualTo(SetQuotaRequest.newBuilder().setUser("alice")
                .setMaxSlots(4).setCostLimit(1000).setPeriod("week").build());
    }

    @Test
    void statusShowsTheJobsUsageSoFarAndTheLimitThatHoldsIt() {
        GridRun r = grid("status", "job-3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("  waiting    user alice is at its slot limit: 1 of max-slots 1 held (grid quota)\n")
                .contains("  usage      12.3 slot-s, 11.0 CPU-s, cost 24.68, 4 attempts, 1.5 slot-s wasted so far\n");
    }
}
