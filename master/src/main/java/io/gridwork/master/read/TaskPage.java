package io.gridwork.master.read;

import java.util.List;

/** A page of a job's tasks in index order, and the index the next page starts from (null: this was the last). */
public record TaskPage(List<TaskLine> tasks, Long next) {

    public TaskPage {
        tasks = List.copyOf(tasks);
    }
}
