package io.gridwork.master.rpc;

import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.client.BearerToken;
import io.gridwork.internal.tls.Certificates;
import io.gridwork.master.model.Role;
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
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who may call what, checked on every call before it reaches a service. People and scripts present a bearer
 * token; workers their client certificate (mutual TLS); a machine joining presents a join token. The one table
 * below says, per method, which of them may call it; services then narrow by ownership (a submitter's own jobs).
 */
public final class Authenticator implements ServerInterceptor {

    /** The caller, for services. */
    public static final Context.Key<Principal> PRINCIPAL = Context.key("gridwork-principal");

    private enum Access { OPEN, JOIN, WORKER, ROLES }

    private record Rule(Access access, Set<Role> roles, String what) {}

    private static final Set<Role> ANYONE = EnumSet.of(Role.ADMIN, Role.SUBMITTER, Role.VIEWER);
    private static final Set<Role> SUBMITTERS = EnumSet.of(Role.ADMIN, Role.SUBMITTER);
    private static final Set<Role> ADMINS = EnumSet.of(Role.ADMIN);
    private static final Map<String, Rule> RULES = new HashMap<>();

    static {
        roles(ClientServiceGrpc.getHasJarMethod(), SUBMITTERS, "upload jars");
        roles(ClientServiceGrpc.getUploadJarMethod(), SUBMITTERS, "upload jars");
        roles(ClientServiceGrpc.getSubmitJobMethod(), SUBMITTERS, "submit jobs");
        roles(ClientServiceGrpc.getGetJobMethod(), ANYONE, "read jobs");
        roles(ClientServiceGrpc.getListJobsMethod(), ANYONE, "read jobs");
        roles(ClientServiceGrpc.getWatchJobMethod(), ANYONE, "read jobs");
        roles(ClientServiceGrpc.getGetResultMethod(), ANYONE, "read results");
        roles(ClientServiceGrpc.getCancelJobMethod(), SUBMITTERS, "cancel jobs");
        roles(ClientServiceGrpc.getListWorkersMethod(), ANYONE, "read workers");
        roles(ClientServiceGrpc.getWatchWorkersMethod(), ANYONE, "read workers");
        roles(ClientServiceGrpc.getDrainWorkerMethod(), ADMINS, "drain workers");
        roles(ClientServiceGrpc.getCreateScheduleMethod(), SUBMITTERS, "create schedules");
        roles(ClientServiceGrpc.getListSchedulesMethod(), ANYONE, "read schedules");
        roles(ClientServiceGrpc.getGetScheduleMethod(), ANYONE, "read schedules");
        roles(ClientServiceGrpc.getPauseScheduleMethod(), SUBMITTERS, "change schedules");
        roles(ClientServiceGrpc.getResumeScheduleMethod(), SUBMITTERS, "change schedules");
        roles(ClientServiceGrpc.getDeleteScheduleMethod(), SUBMITTERS, "change schedules");
        roles(ClientServiceGrpc.getCreateTokenMethod(), ADMINS, "manage tokens");
        roles(ClientServiceGrpc.getListTokensMethod(), ADMINS, "manage tokens");
        roles(ClientServiceGrpc.getRevokeTokenMethod(), ADMINS, "manage tokens");
        roles(ClientServiceGrpc.getListAuditMethod(), ADMINS, "read the audit log");
        RULES.put(WorkerServiceGrpc.getJoinMethod().getFullMethodName(), new Rule(Access.JOIN, Set.of(), "join as a worker"));
        for (MethodDescriptor<?, ?> m : new MethodDescriptor<?, ?>[] {WorkerServiceGrpc.getRegisterMethod(),
                WorkerServiceGrpc.getConnectMethod(), WorkerServiceGrpc.getFetchJarMethod()}) {
            RULES.put(m.getFullMethodName(), new Rule(Access.WORKER, Set.of(), "act as a worker"));
        }
    }

    private static void roles(MethodDescriptor<?, ?> method, Set<Role> roles, String what) {
        RULES.put(method.getFullMethodName(), new Rule(Access.ROLES, roles, what));
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
        Rule rule = RULES.get(method);
        if (rule == null && method.startsWith("grpc.health.")) {
            rule = new Rule(Access.OPEN, Set.of(), "check health");
        }
        Principal principal;
        try {
            if (rule == null) {
                throw new AuthException(false, "no access to " + method);
            }
            principal = insecure ? Principal.INSECURE : authenticate(call, headers, rule);
        } catch (AuthException e) {
            call.close((e.unauthenticated() ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED)
                    .withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        Context context = principal == null ? Context.current() : Context.current().withValue(PRINCIPAL, principal);
        return Contexts.interceptCall(context, call, headers, next);
    }

    private Principal authenticate(ServerCall<?, ?> call, Metadata headers, Rule rule) throws AuthException {
        if (rule.access() == Access.OPEN) {
            return null;
        }
        String bearer = bearer(headers);
        String workerName = workerCertificate(call);
        switch (rule.access()) {
            case WORKER:
                if (workerName != null) {
                    return Principal.worker(workerName);
                }
                if (bearer != null) {
                    throw new AuthException(false, "a token cannot " + rule.what() + ": this call needs a worker "
                            + "certificate (a worker gets one by joining with a join token)");
                }
                throw new AuthException(true, "this call needs a worker certificate; join the grid first with "
                        + "--join-token (grid token create --role worker)");
            case JOIN: {
                if (bearer == null) {
                    throw new AuthException(true, "joining needs a join token (grid token create --role worker)");
                }
                Principal p = tokens.verify(bearer);
                if (p.kind() != Principal.Kind.JOIN_TOKEN) {
                    throw new AuthException(false, "a token of role " + lower(p.role()) + " cannot join as a worker; "
                            + "use a join token (grid token create --role worker)");
                }
                return p;
            }
            default: {
                if (bearer == null) {
                    if (workerName != null) {
                        throw new AuthException(false, "a worker certificate cannot " + rule.what());
                    }
                    throw new AuthException(true, "missing credential: pass --token, set GRID_TOKEN, or use --credentials FILE");
                }
                Principal p = tokens.verify(bearer);
                if (!rule.roles().contains(p.role())) {
                    throw new AuthException(false, p.kind() == Principal.Kind.JOIN_TOKEN
                            ? "a join token can only join workers; it cannot " + rule.what()
                            : "role " + lower(p.role()) + " may not " + rule.what());
                }
                return p;
            }
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

    private static String lower(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }
}
