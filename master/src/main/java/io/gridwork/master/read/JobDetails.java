package io.gridwork.master.read;

import java.util.List;

/**
 * What a job's page shows beyond its {@link JobView}: its task durations and its errors. A job that runs has its
 * latest failed attempts ({@code recentErrors}, newest first); one that ended has its tasks that kept an error
 * message ({@code erroredTasks}, in index order, only if it had any failure at all). One of the two is empty.
 */
public record JobDetails(JobView job, DurationHistogram durations, List<TaskError> recentErrors, List<TaskLine> erroredTasks) {

    public JobDetails {
        recentErrors = List.copyOf(recentErrors);
        erroredTasks = List.copyOf(erroredTasks);
    }
}
