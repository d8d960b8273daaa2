package io.gridwork.worker.data;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * PeerService's door: over TLS, a call is served only if the caller presented a client certificate (checked during the
 * handshake by {@link PeerTrust}: a worker or master of this grid's CA); otherwise UNAUTHENTICATED. A worker started
 * with {@code --insecure} has no TLS at all, and serves everyone, as its whole grid does.
 */
final class PeerAuth implements ServerInterceptor {

    private final boolean tls;

    PeerAuth(boolean tls) {
        this.tls = tls;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        if (tls) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            Certificate[] peer = null;
            if (session != null) {
                try {
                    peer = session.getPeerCertificates();
                } catch (SSLPeerUnverifiedException e) {
                    peer = null;
                }
            }
            if (peer == null || peer.length == 0) {
                call.close(Status.UNAUTHENTICATED.withDescription("PeerService serves only the grid's workers and "
                        + "masters: present a client certificate of the grid's CA"), new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
        }
        return next.startCall(call, headers);
    }
}
