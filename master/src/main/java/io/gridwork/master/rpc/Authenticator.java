package io.gridwork.master.rpc;

import io.gridwork.api.v1.ClientServiceGrpc;
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
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who may call what, checked on every call before it reaches a service. People and scripts present a bearer
 * token; workers their client certificate (mutual TLS); a machine joining presents a join token. The table below
 * maps each method to an {@link Action}; the {@link AccessPolicy} says who may do it (the web console asks the same
 * policy), and services then narrow by ownership with it (a submitter's own jobs).
 */
public final class Authenticator implements ServerInterceptor {

    /** The caller, for services. */
    public static final Context.Key<Principal> PRINCIPAL = Context.key("gridwork-principal");

    /** Each method's action; the {@link AccessPolicy} says who may do it. */
    private static final Map<String, Action> ACTIONS = new HashMap<>();

    static {
        on(ClientServiceGrpc.getHasJarMethod(), Action.UPLOAD_JARS);
        on(ClientServiceGrpc.getUploadJarMethod(), Action.UPLOAD_JARS);
        on(ClientServiceGrpc.getSubmitJobMethod(), Action.SUBMIT_JOBS);
        on(ClientServiceGrpc.getGetJobMethod(), Action.READ_JOBS);
        on(ClientServiceGrpc.getListJobsMethod(), Action.READ_JOBS);
        on(ClientServiceGrpc.getWatchJobMethod(), Action.READ_JOBS);
        on(ClientServiceGrpc.getGetResultMethod(), Action.READ_RESULTS);
        on(ClientServiceGrpc.getCancelJobMethod(), Action.CANCEL_JOBS);
        on(ClientServiceGrpc.getListWorkersMethod(), Action.READ_WORKERS);
        on(ClientServiceGrpc.getWatchWorkersMethod(), Action.READ_WORKERS);
        on(ClientServiceGrpc.getDrainWorkerMethod(), Action.DRAIN_WORKERS);
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

    /** @param insecure let every call through (a master started with --insecure) */
    public Authenticator(TokenRegistry tokens, boolean insecure) {
        this.tokens = tokens;
        this.insecure = insecure;
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
            principal = insecure ? Principal.INSECURE : authenticate(call, headers, action);
        } catch (AuthException e) {
            call.close((e.unauthenticated() ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED)
                    .withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        Context context = principal == null ? Context.current() : Context.current().withValue(PRINCIPAL, principal);
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
