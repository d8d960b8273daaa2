package io.gridwork.master.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Health-checks a worker over a connection of its own (not the worker's stream): the master's direct path. */
public interface Prober {

    /** Completes with the outcome; never completes exceptionally. */
    CompletableFuture<Outcome> probe(String host, int port, Duration timeout);

    /** Whether the worker answered, and what happened if not. */
    record Outcome(boolean reachable, String detail) {}
}
