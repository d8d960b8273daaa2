package io.gridwork.master.core;

import java.util.List;

/** What a registering worker is told: its id and incarnation, and which of the tasks it holds to keep or drop. */
public record RegisterOutcome(String workerId, long incarnation, List<Messages.TaskKey> keep, List<Messages.TaskKey> drop) {}
