package io.gridwork.master.rpc;

import io.gridwork.client.BearerToken;
import io.gridwork.master.ha.MasterDirectory;
import io.gridwork.master.store.JobRepository;
import io.gridwork.master.store.JobRow;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Concurrent access: where a client's call about one job is answered. A job that has ended is answered here, from
 * the store (its final state and counts are there, whoever ran it). A job that has not ended and that this master owns
 * is answered here, live. A job another live master owns is forwarded to that master with the caller's own
 * {@code authorization} header (the owner authenticates it again: the tokens are in the shared store) and the
 * caller's deadline; a job whose owner is gone (DEAD, LEFT, or no longer known) waits for a survivor to take it over.
 * A call another master forwarded is always answered here, so two masters that disagree about an owner cannot pass
 * a call back and forth.
 */
final class JobRoutes {

    /** The deadline of a forwarded unary call whose caller set none. */
    static final long DEFAULT_FORWARD_DEADLINE_MS = 30_000;

    /** Where a job's calls go. */
    enum Kind {
        /** Answer here: this master runs it, or it has ended, or it is unknown. */
        HERE,
        /** Another live master runs it: forward. */
        FORWARD,
        /** Its master is gone and nobody has taken it over yet: reads from the store, changes refused (UNAVAILABLE). */
        OWNER_GONE
    }

    /** A job's route: {@code row} is its stored row (null for an unknown job), {@code owner} the master that runs it. */
    record Route(Kind kind, JobRow row, MasterDirectory.Peer owner) {}

    private final MasterDirectory directory;
    private final JobRepository rows;
    private final PeerChannels peers;

    JobRoutes(MasterDirectory directory, JobRepository rows, PeerChannels peers) {
        this.directory = directory;
        this.rows = rows;
        this.peers = peers;
    }

    Route route(String jobId) {
        if (Authenticator.FORWARDED.get() != null) {
            return new Route(Kind.HERE, null, null);
        }
        Optional<JobRow> found = rows.find(jobId);
        if (found.isEmpty()) {
            return new Route(Kind.HERE, null, null);
        }
        JobRow row = found.get();
        String owner = row.ownerMaster();
        if (row.state().isTerminal() || owner == null || owner.equals(directory.selfId())) {
            return new Route(Kind.HERE, row, null);
        }
        Optional<MasterDirectory.Peer> peer = directory.master(owner);
        if (peer.isPresent() && peer.get().live() && !peer.get().self() && peer.get().address() != null
                && !peer.get().address().isEmpty()) {
            return new Route(Kind.FORWARD, row, peer.get());
        }
        return new Route(Kind.OWNER_GONE, row, peer.orElse(null));
    }

    /** UNAVAILABLE: the master that runs the job cannot be reached now; a client retries (elsewhere). */
    static StatusRuntimeException unreachable(String jobId, String ownerId, MasterDirectory.Peer owner) {
        String who = owner == null ? ownerId : owner.id() + ", " + owner.address();
        return Status.UNAVAILABLE.withDescription("the master that runs job " + jobId + " (" + who + ") is unreachable; "
                + "retry: another master takes its jobs over").asRuntimeException();
    }

    /**
     * Forwards a unary call to {@code owner}. Its answer, or its error, goes to {@code down}, except UNAVAILABLE (the
     * owner is down or stopping): then {@code whenUnreachable} is answered instead (a response, or a status to throw).
     */
    <Q, R> void unary(MethodDescriptor<Q, R> method, Q request, MasterDirectory.Peer owner, StreamObserver<R> down,
            Supplier<R> whenUnreachable) {
        Deadline deadline = Context.current().getDeadline();
        CallOptions options = CallOptions.DEFAULT.withDeadline(deadline != null ? deadline
                : Deadline.after(DEFAULT_FORWARD_DEADLINE_MS, TimeUnit.MILLISECONDS));
        ClientCalls.asyncUnaryCall(channel(owner).newCall(method, options), request, new StreamObserver<R>() {
            @Override
            public void onNext(R value) {
                down.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                if (Status.fromThrowable(t).getCode() != Status.Code.UNAVAILABLE) {
                    down.onError(t);
                    return;
                }
                Statuses.unary(down, whenUnreachable::get);
            }

            @Override
            public void onCompleted() {
                down.onCompleted();
            }
        });
    }

    /**
     * Forwards a server-streaming call to {@code owner}, relaying its messages with flow control: the owner is asked
     * for the next message only once the caller can take it, or, if {@code droppable} says a message may be left out
     * (an intermediate status), at once, leaving out what the caller is too slow for. UNAVAILABLE (the owner died or
     * stopped, maybe mid-stream) ends the caller's stream with {@code unreachable}, so the caller reconnects.
     */
    <Q, R> void stream(MethodDescriptor<Q, R> method, Q request, MasterDirectory.Peer owner,
            ServerCallStreamObserver<R> down, Predicate<R> droppable, StatusRuntimeException unreachable) {
        Deadline deadline = Context.current().getDeadline();
        CallOptions options = deadline == null ? CallOptions.DEFAULT : CallOptions.DEFAULT.withDeadline(deadline);
        ClientCalls.asyncServerStreamingCall(channel(owner).newCall(method, options), request,
                new Relay<>(down, droppable, unreachable));
    }

    private Channel channel(MasterDirectory.Peer owner) {
        Metadata headers = new Metadata();
        String authorization = Authenticator.AUTHORIZATION.get();
        if (authorization != null) {
            headers.put(BearerToken.AUTHORIZATION, authorization);
        }
        headers.put(Authenticator.FORWARDED_BY, directory.selfId());
        return ClientInterceptors.intercept(peers.channel(owner.address()), MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** Relays one forwarded stream to the caller. */
    private static final class Relay<Q, R> implements ClientResponseObserver<Q, R> {
        private final ServerCallStreamObserver<R> down;
        private final Predicate<R> droppable;
        private final StatusRuntimeException unreachable;
        private ClientCallStreamObserver<Q> up;
        /** A message was relayed while the caller could take no more: ask for the next once it can. */
        private boolean waiting;
        private boolean done;

        Relay(ServerCallStreamObserver<R> down, Predicate<R> droppable, StatusRuntimeException unreachable) {
            this.down = down;
            this.droppable = droppable;
            this.unreachable = unreachable;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
            up = requestStream;
            up.disableAutoRequestWithInitial(1);
            down.setOnCancelHandler(() -> up.cancel("the caller cancelled", null));
            down.setOnReadyHandler(this::ready);
        }

        private synchronized void ready() {
            if (waiting && !done) {
                waiting = false;
                up.request(1);
            }
        }

        @Override
        public synchronized void onNext(R value) {
            if (done || down.isCancelled()) {
                return;
            }
            boolean drop = droppable.test(value);
            if (!drop || down.isReady()) {
                down.onNext(value);
            }
            if (drop || down.isReady()) {
                up.request(1);
            } else {
                waiting = true;
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            if (done || down.isCancelled()) {
                return;
            }
            done = true;
            down.onError(Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE ? unreachable : t);
        }

        @Override
        public synchronized void onCompleted() {
            if (done || down.isCancelled()) {
                return;
            }
            done = true;
            down.onCompleted();
        }
    }
}
