package io.gridwork.master.rpc;

import io.gridwork.master.core.Prober;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The master's direct path to a suspected worker: a standard gRPC health check on the worker's health port,
 * over a connection of its own (a fresh channel each time, so a broken earlier connection cannot answer for it).
 */
public final class HealthProber implements Prober {

    private final ChannelCredentials credentials;
    private final Executor executor;

    public HealthProber(ChannelCredentials credentials, Executor executor) {
        this.credentials = credentials;
        this.executor = executor;
    }

    @Override
    public CompletableFuture<Outcome> probe(String host, int port, Duration timeout) {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        ManagedChannel channel;
        try {
            channel = Grpc.newChannelBuilderForAddress(host, port, credentials).executor(executor).build();
        } catch (RuntimeException e) {
            outcome.complete(new Outcome(false, "cannot connect: " + e.getMessage()));
            return outcome;
        }
        HealthGrpc.newStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .check(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(HealthCheckResponse response) {
                        boolean serving = response.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
                        outcome.complete(new Outcome(serving, serving ? "serving" : "health " + response.getStatus()));
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status s = Status.fromThrowable(t);
                        outcome.complete(new Outcome(false, s.getCode() == Status.Code.DEADLINE_EXCEEDED
                                ? "no answer within " + timeout.toMillis() + " ms"
                                : s.getCode() + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")")));
                    }

                    @Override
                    public void onCompleted() {
                        outcome.complete(new Outcome(false, "no health status"));
                    }
                });
        outcome.whenComplete((o, e) -> channel.shutdownNow());
        return outcome;
    }
}
