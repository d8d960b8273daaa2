package io.gridwork.master.ha;

import io.gridwork.api.v1.PingRequest;
import io.gridwork.api.v1.PingResponse;

/**
 * What answers another master's ping ({@code MasterService.Ping}): implemented by the membership (the failure
 * detector learns from pings it receives, too). The RPC layer has already checked the caller's peer secret. Called on
 * the gRPC worker pool: must answer promptly and never block on the store.
 */
@FunctionalInterface
public interface PingHandler {

    PingResponse onPing(PingRequest request);
}
