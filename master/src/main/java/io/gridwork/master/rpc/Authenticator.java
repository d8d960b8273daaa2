package io.gridwork.master.rpc;

import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.MasterServiceGrpc;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.client.BearerToken;
import io.gridwork.internal.tls.Certificates;
import io.gridwork.master.security.AccessPolicy;
import io.gridwork.master.security.AccessPolicy.Action;
import io.gridwork.master.security.AuthException;
import io.gridwork.master.security.Principal;
import io.gridwork.master.security.TokenRegistry;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who may call what, checked on every call before it reaches a service. People and scripts present a bearer
 * token; workers their client certificate (mutual TLS); a machine joining presents a join token; another master of
 * the grid the peer secret ({@code authorization: Peer <secret>}, checked even on an insecure master). The table below
 * maps each method to an {@link Action}; the {@link AccessPolicy} says who may do it (the web console asks the same
 * policy), and services then narrow by ownership with it (a submitter's own jobs).
 */
public final class Authenticator implements ServerInterceptor {

    /** The caller, for services. */
    public static final Context.Key<Principal> PRINCIPAL = Context.key("gridwork-principal");

    /** The caller's own {@code authorization} header, as it came (null if none): passed on when a call is forwarded. */
    public static final Context.Key<String> AUTHORIZATION = Context.key("gridwork-authorization");

    /**
     * Set by a master that forwards a client's call to the job's owner (its own id): the owner answers such a call
     * itself and never forwards it again, so two masters that disagree about a job's owner cannot bounce it.
     */
    public static final Metadata.Key<String> FORWARDED_BY = Metadata.Key.of("gridwork-forwarded-by",
            Metadata.ASCII_STRING_MARSHALLER);

    /** The id of the master that forwarded this call, or null for a call from a client. */
    public static final Context.Key<String> FORWARDED = Context.key("gridwork-forwarded-by");

    private static final String PEER_PREFIX = "Peer ";

    /** Each method's action; the {@link AccessPolicy} says who may do it. */
    private static final Map<String, Action> ACTIONS = new HashMap<>();

    static {
        on(ClientServiceGrpc.getHasJarMethod(), Action.UPLOAD_JARS);
        on(ClientServiceGrpc.getUploadJarMethod(), Action.UPLOAD_JARS);
        on(ClientServiceGrpc.getSubmitJobMethod(), Action.SUBMIT_JOBS);
        on(ClientServiceGrpc.getSubmitAndWatchMethod(), Action.SUBMIT_JOBS); // the submitter follows its own job
        on(ClientServiceGrpc.getGetJobMethod(), Action.READ_JOBS);
        on(ClientServiceGrpc.getListJobsMethod(), Action.READ_JOBS);
        on(ClientServiceGrpc.getWatchJobMethod(), Action.READ_JOBS);
        on(ClientServiceGrpc.getGetResultMethod(), Action.READ_RESULTS);
        on(ClientServiceGrpc.getGetTaskLogsMethod(), Action.READ_RESULTS); // task output is job data, as results are
        on(ClientServiceGrpc.getCancelJobMethod(), Action.CANCEL_JOBS);
        on(ClientServiceGrpc.getListWorkersMethod(), Action.READ_WORKERS);
        on(ClientServiceGrpc.getWatchWorkersMethod(), Action.READ_WORKERS);
        on(ClientServiceGrpc.getListMastersMethod(), Action.READ_MASTERS);
        on(ClientServiceGrpc.getDrainWorkerMethod(), Action.DRAIN_WORKERS);
        on(ClientServiceGrpc.getResetTrustMethod(), Action.RESET_TRUST);
        on(ClientServiceGrpc.getCreateScheduleMethod(), Action.CREATE_SCHEDULES);
        on(ClientServiceGrpc.getListSchedulesMethod(), Action.READ_SCHEDULES);
        on(ClientServiceGrpc.getGetScheduleMethod(), Action.READ_SCHEDULES);
        on(ClientServiceGrpc.getPauseScheduleMethod(), Action.CHANGE_SCHEDULES);
        on(ClientServiceGrpc.getResumeScheduleMethod(), Action.CHANGE_SCHEDULES);
        on(ClientServiceGrpc.getDeleteScheduleMethod(), Action.CHANGE_SCHEDULES);
        on(ClientServiceGrpc.getCreateTokenMethod(), Action.MANAGE_TOKENS);
        on(ClientServiceGrpc.getListTokensMethod(), Action.MANAGE_TOKENS);
        on(ClientServiceGrpc.getRevokeTokenMethod(), Action.MANAGE_TOKENS);
        on(ClientServiceGrpc.getListAuditMethod(), Action.READ_AUDIT);
        on(WorkerServiceGrpc.getJoinMethod(), Action.JOIN);
        on(WorkerServiceGrpc.getRegisterMethod(), Action.ACT_AS_WORKER);
        on(WorkerServiceGrpc.getConnectMethod(), Action.ACT_AS_WORKER);
        on(WorkerServiceGrpc.getFetchJarMethod(), Action.ACT_AS_WORKER);
        on(WorkerServiceGrpc.getLocateChunksMethod(), Action.ACT_AS_WORKER);
        on(WorkerServiceGrpc.getFetchChunkMethod(), Action.ACT_AS_WORKER);
        on(WorkerServiceGrpc.getPutCheckpointMethod(), Action.ACT_AS_WORKER);
        on(ClientServiceGrpc.getPutDataMethod(), Action.PUT_DATA);
        on(ClientServiceGrpc.getListDataMethod(), Action.READ_DATA);
        on(ClientServiceGrpc.getGetDataMethod(), Action.READ_DATA);
        on(ClientServiceGrpc.getDeleteDataMethod(), Action.DELETE_DATA);
        on(ClientServiceGrpc.getGetUsageMethod(), Action.READ_USAGE);
        on(ClientServiceGrpc.getSetQuotaMethod(), Action.MANAGE_QUOTAS);
        on(ClientServiceGrpc.getListQuotasMethod(), Action.MANAGE_QUOTAS);
        on(ClientServiceGrpc.getDeleteQuotaMethod(), Action.MANAGE_QUOTAS);
        on(MasterServiceGrpc.getPingMethod(), Action.PING_AS_MASTER);
    }

    private static void on(MethodDescriptor<?, ?> method, Action action) {
        ACTIONS.put(method.getFullMethodName(), action);
    }

    /** The action a method stands for, or null for a method nobody may call. */
    static Action action(String fullMethodName) {
        Action action = ACTIONS.get(fullMethodName);
        return action == null && fullMethodName.startsWith("grpc.health.") ? Action.CHECK_HEALTH : action;
    }

    private final TokenRegistry tokens;
    private final boolean insecure;
    private final Supplier<String> peerSecret;

    /** An authenticator that lets no master ping this one. */
    public Authenticator(TokenRegistry tokens, boolean insecure) {
        this(tokens, insecure, () -> null);
    }

    /**
     * @param insecure let every call through (a master started with --insecure), except pings: those always need
     *     the peer secret
     * @param peerSecret the grid's peer secret (read at each ping; null: no master may ping this one)
     */
    public Authenticator(TokenRegistry tokens, boolean insecure, Supplier<String> peerSecret) {
        this.tokens = tokens;
        this.insecure = insecure;
        this.peerSecret = peerSecret;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Action action = action(method);
        Principal principal;
        try {
            if (action == null) {
                throw new AuthException(false, "no access to " + method);
            }
            if (action.credential() == AccessPolicy.Credential.PEER_SECRET) {
                checkPeer(headers);
                principal = null;
            } else {
                principal = insecure ? Principal.INSECURE : authenticate(call, headers, action);
            }
        } catch (AuthException e) {
            call.close((e.unauthenticated() ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED)
                    .withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        Context context = principal == null ? Context.current() : Context.current().withValue(PRINCIPAL, principal);
        String authorization = headers.get(BearerToken.AUTHORIZATION);
        if (authorization != null && action.credential() == AccessPolicy.Credential.TOKEN) {
            context = context.withValue(AUTHORIZATION, authorization);
        }
        String forwardedBy = headers.get(FORWARDED_BY);
        if (forwardedBy != null) {
            context = context.withValue(FORWARDED, forwardedBy);
        }
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** Who is calling, by the credential the action takes; the policy then says whether it may. */
    private Principal authenticate(ServerCall<?, ?> call, Metadata headers, Action action) throws AuthException {
        if (action.credential() == AccessPolicy.Credential.NONE) {
            return null;
        }
        String bearer = bearer(headers);
        String workerName = workerCertificate(call);
        Principal who;
        switch (action.credential()) {
            case WORKER_CERTIFICATE:
                if (workerName != null) {
                    who = Principal.worker(workerName);
                } else if (bearer != null) {
                    throw new AuthException(false, AccessPolicy.refusalOfTokens(action));
                } else {
                    throw new AuthException(true, "this call needs a worker certificate; join the grid first with "
                            + "--join-token (grid token create --role worker)");
                }
                break;
            case JOIN_TOKEN:
                if (bearer == null) {
                    throw new AuthException(true, "joining needs a join token (grid token create --role worker)");
                }
                who = tokens.verify(bearer);
                break;
            default:
                if (bearer != null) {
                    who = tokens.verify(bearer);
                } else if (workerName != null) {
                    who = Principal.worker(workerName);
                } else {
                    throw new AuthException(true, "missing credential: pass --token, set GRID_TOKEN, or use --credentials FILE");
                }
        }
        AccessPolicy.check(who, action);
        return who;
    }

    /** Another master's ping: its header must carry the grid's peer secret, compared in constant time. */
    private void checkPeer(Metadata headers) throws AuthException {
        String value = headers.get(BearerToken.AUTHORIZATION);
        if (value == null || !value.startsWith(PEER_PREFIX)) {
            throw new AuthException(true, "a ping needs the header authorization: Peer <secret> (the grid's peer secret)");
        }
        String secret = peerSecret.get();
        byte[] given = value.substring(PEER_PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8);
        if (secret == null || !MessageDigest.isEqual(given, secret.getBytes(StandardCharsets.UTF_8))) {
            throw new AuthException(true, "authorization: the peer secret is not this grid's");
        }
    }

    private static String bearer(Metadata headers) throws AuthException {
        String value = headers.get(BearerToken.AUTHORIZATION);
        if (value == null) {
            return null;
        }
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new AuthException(true, "the authorization header must be 'Bearer <token>'");
        }
        return value.substring(7).trim();
    }

    /** The worker name in a verified client certificate, or null. */
    private static String workerCertificate(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate) {
                String cn = Certificates.commonName((X509Certificate) chain[0]);
                if (cn.startsWith(Certificates.WORKER_CN_PREFIX)) {
                    return cn.substring(Certificates.WORKER_CN_PREFIX.length());
                }
            }
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            // a person or a script: no certificate
        }
        return null;
    }

}
