package io.gridwork.master.rpc;

import io.gridwork.api.v1.MasterServiceGrpc;
import io.gridwork.api.v1.PingRequest;
import io.gridwork.api.v1.PingResponse;
import io.gridwork.master.ha.PingHandler;
import io.grpc.stub.StreamObserver;

/**
 * The masters' own service: pings between the masters of one grid. The {@link Authenticator} has checked the peer
 * secret before a call gets here; the membership's {@link PingHandler} answers.
 */
public final class MasterServiceImpl extends MasterServiceGrpc.MasterServiceImplBase {

    private final PingHandler handler;

    public MasterServiceImpl(PingHandler handler) {
        this.handler = handler;
    }

    @Override
    public void ping(PingRequest request, StreamObserver<PingResponse> observer) {
        Statuses.unary(observer, () -> {
            if (request.getFromId().isEmpty()) {
                throw Statuses.invalid("from_id: the pinging master's id is required");
            }
            return handler.onPing(request);
        });
    }
}
