package io.gridwork.master.schedule;

import io.gridwork.master.core.Submission;
import io.gridwork.master.store.KeyValues;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.quartz.JobDataMap;

/**
 * What a schedule is: when it fires (a cron expression read in a time zone, or once at an instant), the job each
 * firing submits, and what to do about a missed fire time or a previous job still running.
 */
public record ScheduleSpec(String name, String cron, ZoneId zone, Instant at, Submission submission, Misfire misfire,
        Overlap overlap, Instant createdAt) {

    /** When the master was down at a fire time. */
    public enum Misfire {
        /** Fire once as soon as the master is back, however many fire times it missed (the default). */
        FIRE_ONCE,
        /** Skip the missed fire times (recorded as MISSED) and wait for the next one. */
        SKIP
    }

    /** When the previous job of the schedule still runs at a fire time. */
    public enum Overlap {
        /** Start nothing; record the firing as SKIPPED (the default). */
        SKIP,
        /** Start the job when the previous one ends; at most one firing waits. */
        QUEUE,
        /** Start the job at once, alongside the previous one. */
        ALLOW
    }

    /** The spec as Quartz stores it with the schedule's job (strings only: the job store runs with useProperties). */
    JobDataMap toData() {
        JobDataMap m = new JobDataMap();
        Submission s = submission;
        if (cron != null) {
            m.put("cron", cron);
        }
        if (at != null) {
            m.put("at", at.toString());
        }
        m.put("timezone", zone.getId());
        m.put("jar", s.jarSha256());
        m.put("class", s.jobClass());
        m.put("args", KeyValues.encode(s.args()));
        m.put("maxAttempts", Integer.toString(s.maxAttempts()));
        m.put("taskTimeoutMs", Long.toString(s.taskTimeoutMs()));
        m.put("owner", s.owner());
        m.put("require", s.require());
        m.put("slotsPerTask", Integer.toString(s.slotsPerTask()));
        m.put("priority", Integer.toString(s.priority()));
        m.put("noSpeculation", Boolean.toString(s.noSpeculation()));
        if (s.quorum() > 0 || s.quorumMax() > 0) {
            m.put("quorum", Integer.toString(s.quorum()));
            m.put("quorumMax", Integer.toString(s.quorumMax()));
        }
        m.put("misfire", misfire.name());
        m.put("overlap", overlap.name());
        m.put("createdAt", createdAt.toString());
        return m;
    }

    static ScheduleSpec fromData(String name, JobDataMap m) {
        Map<String, String> args = KeyValues.decode(m.getString("args"));
        Submission s = new Submission(m.getString("jar"), m.getString("class"), args,
                Integer.parseInt(m.getString("maxAttempts")), Long.parseLong(m.getString("taskTimeoutMs")),
                m.getString("owner"), m.getString("require"), Integer.parseInt(m.getString("slotsPerTask")),
                Integer.parseInt(m.getString("priority")), Boolean.parseBoolean(m.getString("noSpeculation")));
        if (m.getString("quorum") != null) { // (schedules stored before results by quorum have none)
            s = s.withQuorum(Integer.parseInt(m.getString("quorum")), Integer.parseInt(m.getString("quorumMax")));
        }
        String at = m.getString("at");
        return new ScheduleSpec(name, m.getString("cron"), ZoneId.of(m.getString("timezone")),
                at == null ? null : Instant.parse(at), s, Misfire.valueOf(m.getString("misfire")),
                Overlap.valueOf(m.getString("overlap")), Instant.parse(m.getString("createdAt")));
    }
}
