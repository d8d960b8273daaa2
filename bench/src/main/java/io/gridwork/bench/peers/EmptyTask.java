package io.gridwork.bench.peers;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * The peer's empty task: a {@link Callable} that does nothing, sent by the client and run by the member. It is on
 * both class paths (the bench jar), as Hazelcast's executor needs; plain Java serialization, as a user's task would
 * be by default.
 */
public final class EmptyTask implements Callable<Integer>, Serializable {

    private static final long serialVersionUID = 1L;

    @Override
    public Integer call() {
        return 0;
    }
}
