package io.gridwork.master.schedule;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/**
 * What Quartz runs at each fire time of a schedule: it hands the firing to {@link Schedules}, which submits the
 * job. One firing of a schedule at a time, so a firing always sees what the one before it did.
 */
@DisallowConcurrentExecution
final class FireJob implements Job {

    private final Schedules schedules;

    FireJob(Schedules schedules) {
        this.schedules = schedules;
    }

    @Override
    public void execute(JobExecutionContext context) {
        schedules.fire(context.getJobDetail().getKey().getName(), context.getMergedJobDataMap(),
                context.getScheduledFireTime() == null ? null : context.getScheduledFireTime().toInstant(),
                context.getFireTime().toInstant());
    }
}
