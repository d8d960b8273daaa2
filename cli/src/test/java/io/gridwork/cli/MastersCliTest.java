package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Timestamp;
import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListMastersRequest;
import io.gridwork.api.v1.ListMastersResponse;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI of several masters against a fake master (plaintext, this JVM): {@code grid masters} as text and JSON,
 * {@code grid status} naming a job's owning master, {@code --master a,b} and {@code GRID_MASTER} lists (a master
 * that is down is skipped), and {@code grid master --standby} on H2.
 */
class MastersCliTest {

    static final String ID_A = "7c1f0e2a-aaaa-4bbb-8ccc-000000000001";
    static final String ID_B = "7c1f0e2a-aaaa-4bbb-8ccc-000000000002";

    /** Answers ListMasters and GetJob as a master of a grid of two whose other master was taken over. */
    static final class FakeMaster extends ClientServiceGrpc.ClientServiceImplBase {
        final AtomicInteger listed = new AtomicInteger();
        volatile int eventsAsked = -1;

        @Override
        public void listMasters(ListMastersRequest request, StreamObserver<ListMastersResponse> observer) {
            listed.incrementAndGet();
            eventsAsked = request.getEvents();
            ListMastersResponse.Builder r = ListMastersResponse.newBuilder()
                    .addMasters(MasterInfo.newBuilder().setId(ID_A).setAddress("10.0.0.1:7070").setState(MasterInfo.State.DEAD)
                            .setEpoch(3).setJobs(0).setLeaseAgeMs(12_500))
                    .addMasters(MasterInfo.newBuilder().setId(ID_B).setAddress("10.0.0.2:7070")
                            .setState(MasterInfo.State.ACTIVE).setEpoch(4).setJobs(2).setLeaseAgeMs(120).setSelf(true)
                            .setStartedAt(Timestamp.newBuilder().setSeconds(1_770_000_000)));
            if (request.getEvents() > 0) {
                r.addEvents(MasterEvent.newBuilder().setSeq(7).setType(MasterEvent.Type.TAKEOVER).setMasterId(ID_A)
                        .setByMasterId(ID_B).setJobs(2).setDurationMs(640)
                        .setAt(Timestamp.newBuilder().setSeconds(1_770_000_100)).setDetail("site failure"));
            }
            observer.onNext(r.build());
            observer.onCompleted();
        }

        @Override
        public void getJob(GetJobRequest request, StreamObserver<JobStatus> observer) {
            observer.onNext(JobStatus.newBuilder().setId(request.getJobId()).setState(JobStatus.State.RUNNING)
                    .setJobClass("x.PiJob").setMaster(ID_B).setMasterAddress("10.0.0.2:7070")
                    .setTasks(io.gridwork.api.v1.TaskCounts.newBuilder().setTotal(4).setRunning(4).setResumed(2))
                    .build());
            observer.onCompleted();
        }
    }

    static final FakeMaster fake = new FakeMaster();

    @RegisterExtension
    static final FakeMasterServer master = new FakeMasterServer(fake);

    static int down;
    static int down2;

    @TempDir
    Path dir;

    final Map<String, String> env = new HashMap<>();

    @BeforeAll
    static void closedPorts() throws IOException {
        down = closedPort();
        down2 = closedPort();
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    GridRun grid(String... args) {
        return GridRun.execute(new ConfigDefaults(env, dir.resolve("home"), null), args);
    }

    @Test
    void mastersAsATableOneLinePerMasterTheAnsweringOneMarked() {
        GridRun r = grid("masters", "--master", master.address(), "--insecure");

        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("ID").contains("ADDRESS", "STATE", "EPOCH", "JOBS", "LEASE");
        assertThat(lines.get(1)).startsWith(ID_A + " ").contains("10.0.0.1:7070", "DEAD", "  3  ", "12.5s ago");
        assertThat(lines.get(2)).startsWith(ID_B + " *").contains("10.0.0.2:7070", "ACTIVE", "  4  ", "120ms ago");
        assertThat(fake.eventsAsked).isZero();
    }

    @Test
    void mastersWithEventsShowsTheTakeoverAndItsDuration() {
        GridRun r = grid("masters", "--master", master.address(), "--insecure", "--events", "5");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(fake.eventsAsked).isEqualTo(5);
        String takeover = r.out().lines().filter(l -> l.contains("TAKEOVER")).findFirst().orElseThrow();
        assertThat(takeover).contains(ID_A, ID_B, "640ms", "site failure");
    }

    @Test
    void mastersAsJsonHasTheContractFieldsWithNumbers() {
        GridRun r = grid("masters", "--master", master.address(), "--insecure", "--output", "json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonObject b = json.getAsJsonArray("masters").get(1).getAsJsonObject();
        assertThat(b.get("id").getAsString()).isEqualTo(ID_B);
        assertThat(b.get("address").getAsString()).isEqualTo("10.0.0.2:7070");
        assertThat(b.get("state").getAsString()).isEqualTo("ACTIVE");
        assertThat(b.get("epoch").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(b.get("epoch").getAsLong()).isEqualTo(4);
        assertThat(b.get("jobs").getAsLong()).isEqualTo(2);
        assertThat(b.get("lease_age_ms").getAsLong()).isEqualTo(120);
        assertThat(b.get("self").getAsBoolean()).isTrue();
        assertThat(json.getAsJsonArray("masters").get(0).getAsJsonObject().get("state").getAsString()).isEqualTo("DEAD");
    }

    @Test
    void aBadEventsCountExitsTwo() {
        GridRun r = grid("masters", "--master", master.address(), "--insecure", "--events", "-1");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("grid masters: --events must be from 0 to 1000\n");
    }

    @Test
    void aListOfMastersSkipsOneThatIsDownFromTheFlagAndFromGridMaster() {
        int before = fake.listed.get();
        GridRun flag = grid("masters", "--master", "127.0.0.1:" + down + "," + master.address(), "--insecure");
        assertThat(flag.code()).as(flag.err()).isZero();
        assertThat(flag.out()).contains(ID_B + " *");

        env.put("GRID_MASTER", "127.0.0.1:" + down + " , " + master.address());
        GridRun fromEnv = grid("masters", "--insecure", "--output", "json");
        assertThat(fromEnv.code()).as(fromEnv.err()).isZero();
        assertThat(fake.listed.get()).isEqualTo(before + 2);
    }

    @Test
    void aMalformedListOfMastersExitsTwoNamingTheEntry() {
        GridRun empty = grid("masters", "--master", master.address() + ",,", "--insecure");
        assertThat(empty.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(empty.err()).isEqualTo("grid masters: --master: empty address in '" + master.address() + ",,'\n");

        GridRun badPort = grid("status", "job-1", "--master", master.address() + ",otherhost:port", "--insecure");
        assertThat(badPort.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badPort.err()).isEqualTo("grid status: --master must be HOST:PORT, got 'otherhost:port'\n");
    }

    @Test
    void allMastersDownExitsThreeNamingThem() {
        GridRun r = grid("masters", "--master", "127.0.0.1:" + down + ",127.0.0.1:" + down2,
                "--insecure", "--timeout", "1s");
        assertThat(r.code()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.err()).startsWith("grid masters: cannot list the masters: no master of 127.0.0.1:" + down);
        assertThat(r.err().lines().count()).isEqualTo(1);
        assertThat(r.err()).doesNotContain("io exception");
    }

    @Test
    void statusShowsTheOwningMasterAsTextAndJson() {
        GridRun text = grid("status", "job-9", "--master", master.address(), "--insecure");
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains("  master     " + ID_B + " (10.0.0.2:7070)\n");

        GridRun json = grid("status", "job-9", "--master", master.address(), "--insecure", "--output", "json");
        JsonObject status = JsonParser.parseString(json.out()).getAsJsonObject();
        assertThat(status.get("master").getAsString()).isEqualTo(ID_B);
        assertThat(status.get("master_address").getAsString()).isEqualTo("10.0.0.2:7070");
    }

    @Test
    void statusCountsTheAttemptsResumedFromACheckpoint() {
        GridRun text = grid("status", "job-9", "--master", master.address(), "--insecure");
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains(", 2 resumed from a checkpoint\n");

        GridRun json = grid("status", "job-9", "--master", master.address(), "--insecure", "--output", "json");
        JsonObject tasks = JsonParser.parseString(json.out()).getAsJsonObject().getAsJsonObject("tasks");
        assertThat(tasks.get("resumed").getAsLong()).isEqualTo(2);
    }

    @Test
    void aBadCheckpointLimitExitsTwoNamingIt() {
        GridRun size = grid("master", "--data", dir.resolve("m").toString(), "--port", "0", "--max-checkpoint-size", "0");
        assertThat(size.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(size.err()).isEqualTo("grid master: max-checkpoint-size must be positive\n");
        GridRun interval = grid("master", "--data", dir.resolve("m").toString(), "--port", "0",
                "--min-checkpoint-interval", "soon");
        assertThat(interval.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(interval.err().lines().count()).isEqualTo(1);
        assertThat(interval.err()).contains("--min-checkpoint-interval").contains("'soon' is not a duration");
    }

    @Test
    void aStandbyOnH2ExitsTwoWithOneLine() {
        GridRun r = grid("master", "--standby", "--data", dir.resolve("m").toString(), "--port", "0");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("grid master: --standby needs a shared PostgreSQL store "
                + "(--store jdbc:postgresql://...): with H2 there is only one master\n");
    }

    @Test
    void standbyComesFromTheEnvironmentLikeEveryOptionAndABadAdvertiseIsNamed() {
        env.put("GRID_MASTER_STANDBY", "true");
        GridRun r = grid("master", "--data", dir.resolve("m").toString(), "--port", "0");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--standby needs a shared PostgreSQL store");

        env.clear();
        GridRun badAdvertise = grid("master", "--advertise", "nohostport", "--data", dir.resolve("m").toString());
        assertThat(badAdvertise.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badAdvertise.err()).isEqualTo("grid master: --advertise must be HOST:PORT, got 'nohostport'\n");
    }
}
