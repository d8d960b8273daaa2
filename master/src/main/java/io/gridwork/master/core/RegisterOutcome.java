package io.gridwork.master.core;

import java.util.List;

/**
 * What a registering worker is told: its id and incarnation, which of the tasks it holds to keep or drop, and who
 * answered: this master's id and lease epoch, and every live master of the grid (it connects to them all).
 */
public record RegisterOutcome(String workerId, long incarnation, List<Messages.TaskKey> keep, List<Messages.TaskKey> drop,
        String masterId, long masterEpoch, List<Messages.MasterEndpoint> masters) {

    public RegisterOutcome(String workerId, long incarnation, List<Messages.TaskKey> keep, List<Messages.TaskKey> drop) {
        this(workerId, incarnation, keep, drop, "", 0, List.of());
    }
}
