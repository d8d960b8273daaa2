package io.gridwork.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.JobSpec;
import io.gridwork.api.v1.MasterEndpoint;
import io.gridwork.api.v1.MasterMessage;
import io.gridwork.api.v1.ProbeRequest;
import io.gridwork.api.v1.RegisterResponse;
import io.gridwork.api.v1.ResultRejection;
import io.gridwork.api.v1.TaskAssignment;
import io.gridwork.api.v1.TaskRef;
import io.gridwork.api.v1.Takeover;
import io.gridwork.worker.FromMaster.Assignment;
import io.gridwork.worker.FromMaster.MasterInfo;
import io.gridwork.worker.FromMaster.Probe;
import io.gridwork.worker.FromMaster.Registered;
import io.gridwork.worker.FromMaster.Rejection;
import io.gridwork.worker.FromMaster.TaskKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The link's mapping of what a master says to the core's records: every field the core reads, and nothing lost. */
class FromMasterTest {

    private static final TaskRef REF = TaskRef.newBuilder().setJobId("job-1").setIndex(3).setAttemptId(77).build();
    private static final TaskKey KEY = new TaskKey("job-1", 3, 77);

    @Test
    void aMessageWithEveryPartBecomesTheSameRecords() {
        JobSpec spec = JobSpec.newBuilder().setJobId("job-1").setJobClass("a.B").setLeaseEpoch(4).build();
        MasterMessage m = MasterMessage.newBuilder()
                .addTakeovers(Takeover.newBuilder().setFromMasterId("m1").setToMasterId("m2").setToAddress("h:1")
                        .setEpoch(9).addJobIds("job-1").addJobIds("job-2"))
                .addMasters(MasterEndpoint.newBuilder().setId("m2").setAddress("h:1").setStandby(true))
                .addJobs(spec)
                .addAssignments(TaskAssignment.newBuilder().setRef(REF).setAttempt(2)
                        .setInput(ByteString.copyFromUtf8("in")).setSlots(3))
                .setReleaseUnstarted(true)
                .addCancels(REF).addAcks(REF)
                .addRejections(ResultRejection.newBuilder().setRef(REF).setReason("late"))
                .addEndedJobs("job-0")
                .setDemand(12)
                .addProbes(ProbeRequest.newBuilder().setProbeId(5).setHost("w2").setPort(7071).setTimeoutMs(300))
                .build();

        FromMaster f = FromMaster.of(m);

        assertThat(f.takeovers()).containsExactly(new FromMaster.Takeover("m1", "m2", "h:1", 9, List.of("job-1", "job-2")));
        assertThat(f.masters()).containsExactly(new MasterInfo("m2", "h:1", true));
        assertThat(f.jobs()).containsExactly(spec);
        assertThat(f.assignments()).hasSize(1);
        Assignment a = f.assignments().get(0);
        assertThat(a.task()).isEqualTo(KEY);
        assertThat(a.attempt()).isEqualTo(2);
        assertThat(a.input()).isEqualTo("in".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(a.slots()).isEqualTo(3);
        assertThat(f.releaseUnstarted()).isTrue();
        assertThat(f.cancels()).containsExactly(KEY);
        assertThat(f.acks()).containsExactly(KEY);
        assertThat(f.rejections()).containsExactly(new Rejection(KEY, "late"));
        assertThat(f.endedJobs()).containsExactly("job-0");
        assertThat(f.demand()).isEqualTo(12);
        assertThat(f.probes()).containsExactly(new Probe(5, "w2", 7071, 300));
        assertThat(KEY.toRef()).isEqualTo(REF);
    }

    @Test
    void aMessageThatDoesNotSayItsDemandHasNone() {
        FromMaster f = FromMaster.of(MasterMessage.newBuilder().addAcks(REF).build());
        assertThat(f.demand()).isNull();
        assertThat(FromMaster.of(MasterMessage.newBuilder().setDemand(0).build()).demand()).isZero();
        assertThat(f.releaseUnstarted()).isFalse();
        assertThat(f.assignments()).isEmpty();
    }

    @Test
    void aRegistrationAnswerKeepsWhatTheLinkAndTheCoreRead() {
        RegisterResponse r = RegisterResponse.newBuilder().setWorkerId("w-9").setIncarnation(4).setMasterId("m1")
                .setMasterEpoch(2).setHeartbeatIntervalMs(1500).addDrop(REF)
                .addMasters(MasterEndpoint.newBuilder().setId("m1").setAddress("h:7070")).build();
        assertThat(Registered.of(r)).isEqualTo(new Registered("w-9", 4, "m1", 2, 1500, List.of(KEY),
                List.of(new MasterInfo("m1", "h:7070", false))));
    }
}
