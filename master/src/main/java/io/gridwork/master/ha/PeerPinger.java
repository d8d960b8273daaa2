package io.gridwork.master.ha;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Pings another master ({@code MasterService.Ping}). */
public interface PeerPinger extends AutoCloseable {

    /** Completes with whether the master at {@code address} (host:port) answered within {@code deadline}; never fails. */
    CompletableFuture<Boolean> ping(String address, Duration deadline);

    @Override
    default void close() {
    }
}
