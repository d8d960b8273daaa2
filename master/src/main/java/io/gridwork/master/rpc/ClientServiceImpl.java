package io.gridwork.master.rpc;

import com.google.protobuf.UnsafeByteOperations;
import io.gridwork.api.v1.CancelJobRequest;
import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.GetResultRequest;
import io.gridwork.api.v1.GetTaskLogsRequest;
import io.gridwork.api.v1.GetTaskLogsResponse;
import io.gridwork.api.v1.HasJarRequest;
import io.gridwork.api.v1.HasJarResponse;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListJobsRequest;
import io.gridwork.api.v1.ListJobsResponse;
import io.gridwork.api.v1.ListMastersRequest;
import io.gridwork.api.v1.ListMastersResponse;
import io.gridwork.api.v1.ListWorkersRequest;
import io.gridwork.api.v1.ListWorkersResponse;
import io.gridwork.api.v1.ResultChunk;
import io.gridwork.api.v1.ResultHeader;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.SubmitJobResponse;
import io.gridwork.api.v1.UploadJarRequest;
import io.gridwork.api.v1.UploadJarResponse;
import io.gridwork.api.v1.WatchJobRequest;
import io.gridwork.api.v1.WatchWorkersRequest;
import io.gridwork.api.v1.CreateTokenRequest;
import io.gridwork.api.v1.CreateTokenResponse;
import io.gridwork.api.v1.ListAuditRequest;
import io.gridwork.api.v1.ListAuditResponse;
import io.gridwork.api.v1.ListTokensRequest;
import io.gridwork.api.v1.ListTokensResponse;
import io.gridwork.api.v1.RevokeTokenRequest;
import io.gridwork.api.v1.Token;
import io.gridwork.api.v1.CreateScheduleRequest;
import io.gridwork.api.v1.GetScheduleRequest;
import io.gridwork.api.v1.ListSchedulesRequest;
import io.gridwork.api.v1.ListSchedulesResponse;
import io.gridwork.api.v1.Schedule;
import io.gridwork.api.v1.ScheduleRequest;
import io.gridwork.master.schedule.ScheduleSpec;
import io.gridwork.master.schedule.ScheduleView;
import io.gridwork.master.schedule.Schedules;
import java.time.Clock;
import java.time.ZoneId;
import io.gridwork.api.v1.DrainWorkerRequest;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.master.core.WorkerSnapshot;
import io.gridwork.master.ha.MasterDirectory;
import io.gridwork.master.store.JobRepository;
import io.gridwork.internal.tls.TokenText;
import io.gridwork.master.model.Role;
import io.gridwork.master.security.AccessPolicy;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.Principal;
import io.gridwork.master.security.TokenRegistry;
import io.gridwork.master.store.TokenRow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import io.gridwork.master.code.InvalidJarException;
import io.gridwork.master.code.JarRepository;
import io.gridwork.master.core.Follower;
import io.gridwork.master.core.JobSnapshot;
import io.gridwork.master.core.ResultData;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.core.Submission;
import io.gridwork.master.model.JobState;
import io.gridwork.master.store.JarRow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client service: thin; checks each request, calls the core, maps the outcome to a status. With several masters
 * on one store (see {@link JobRoutes}) it answers every call for every job: a job another live master runs is
 * forwarded there; a standby refuses submissions with UNAVAILABLE naming the active masters, so a client with a list
 * of masters goes on to the next.
 */
public final class ClientServiceImpl extends ClientServiceGrpc.ClientServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(ClientServiceImpl.class);
    static final int DEFAULT_LIST_LIMIT = 50;
    static final int MAX_LIST_LIMIT = 1000;
    /** Most slots one task may occupy, and the range of job priorities. */
    static final int MAX_SLOTS_PER_TASK = 4096;
    static final int MAX_PRIORITY = 1000;

    private final Scheduler scheduler;
    private final JarRepository jars;
    private final int maxArgsBytes;
    private final TokenRegistry tokens;
    private final Audit audit;
    private final String caFingerprint;
    private final Schedules schedules;
    private final Clock clock;
    /** Where a submission's outcome is answered (never the scheduler's loop, which completes it). */
    private final java.util.concurrent.Executor responses;
    /** The grid's masters (this one alone when there is no other). */
    private final MasterDirectory masters;
    /** Where a job's calls go; null: always here (a service built without the other masters). */
    private final JobRoutes routes;
    /** The data grid's calls; null: this master has none (its calls are UNAVAILABLE). */
    private volatile DataCalls data;

    /** A client service without schedules (their calls are UNAVAILABLE). */
    public ClientServiceImpl(Scheduler scheduler, JarRepository jars, int maxArgsBytes, TokenRegistry tokens, Audit audit,
            String caFingerprint) {
        this(scheduler, null, Clock.systemUTC(), jars, maxArgsBytes, tokens, audit, caFingerprint);
    }

    /**
     * @param schedules the master's schedules, or null
     * @param caFingerprint the CA's fingerprint, written into join tokens (null on an insecure master)
     */
    public ClientServiceImpl(Scheduler scheduler, Schedules schedules, Clock clock, JarRepository jars, int maxArgsBytes,
            TokenRegistry tokens, Audit audit, String caFingerprint) {
        this(scheduler, schedules, clock, jars, maxArgsBytes, tokens, audit, caFingerprint,
                java.util.concurrent.ForkJoinPool.commonPool());
    }

    /** @param responses answers submissions once their job is stored (the service's own executor) */
    public ClientServiceImpl(Scheduler scheduler, Schedules schedules, Clock clock, JarRepository jars, int maxArgsBytes,
            TokenRegistry tokens, Audit audit, String caFingerprint, java.util.concurrent.Executor responses) {
        this(scheduler, schedules, clock, jars, maxArgsBytes, tokens, audit, caFingerprint, responses, null, null, null);
    }

    /**
     * @param masters the grid's masters as this one sees them; null: this master alone, answering every call itself
     * @param jobRows the stored jobs, read for their owning master
     * @param peers channels to the other masters, for forwarded calls
     */
    public ClientServiceImpl(Scheduler scheduler, Schedules schedules, Clock clock, JarRepository jars, int maxArgsBytes,
            TokenRegistry tokens, Audit audit, String caFingerprint, java.util.concurrent.Executor responses,
            MasterDirectory masters, JobRepository jobRows, PeerChannels peers) {
        this.masters = masters;
        this.routes = masters == null || jobRows == null || peers == null ? null : new JobRoutes(masters, jobRows, peers);
        this.responses = responses;
        this.schedules = schedules;
        this.clock = clock;
        this.scheduler = scheduler;
        this.jars = jars;
        this.maxArgsBytes = maxArgsBytes;
        this.tokens = tokens;
        this.audit = audit;
        this.caFingerprint = caFingerprint;
        this.usage = new UsageCalls(scheduler, tokens, audit, clock);
    }

    // ---------------------------------------------------------------------------------------------- usage and quotas
    private final UsageCalls usage;

    @Override
    public void getUsage(io.gridwork.api.v1.GetUsageRequest request,
            StreamObserver<io.gridwork.api.v1.GetUsageResponse> observer) {
        Statuses.unary(observer, () -> usage.usage(request, caller()));
    }

    @Override
    public void setQuota(io.gridwork.api.v1.SetQuotaRequest request, StreamObserver<io.gridwork.api.v1.Quota> observer) {
        Statuses.unary(observer, () -> usage.set(request, caller()));
    }

    @Override
    public void listQuotas(io.gridwork.api.v1.ListQuotasRequest request,
            StreamObserver<io.gridwork.api.v1.ListQuotasResponse> observer) {
        Statuses.unary(observer, usage::list);
    }

    @Override
    public void deleteQuota(io.gridwork.api.v1.DeleteQuotaRequest request,
            StreamObserver<io.gridwork.api.v1.Quota> observer) {
        Statuses.unary(observer, () -> usage.delete(request, caller()));
    }

    /** Serves the data grid's calls from {@code grid}; returns this service. */
    public ClientServiceImpl dataGrid(io.gridwork.master.data.DataGrid grid) {
        this.data = new DataCalls(grid, audit);
        return this;
    }

    private DataCalls data() {
        DataCalls d = data;
        if (d == null) {
            throw Status.UNAVAILABLE.withDescription("this master has no data grid").asRuntimeException();
        }
        return d;
    }

    @Override
    public StreamObserver<io.gridwork.api.v1.PutDataRequest> putData(StreamObserver<io.gridwork.api.v1.DataSet> observer) {
        DataCalls d = data;
        if (d == null) {
            observer.onError(Status.UNAVAILABLE.withDescription("this master has no data grid").asRuntimeException());
            return new StreamObserver<>() {
                @Override
                public void onNext(io.gridwork.api.v1.PutDataRequest value) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            };
        }
        return d.putData(observer);
    }

    @Override
    public void listData(io.gridwork.api.v1.ListDataRequest request,
            StreamObserver<io.gridwork.api.v1.ListDataResponse> observer) {
        toData(observer, d -> d.listData(request, observer));
    }

    @Override
    public void getData(io.gridwork.api.v1.GetDataRequest request, StreamObserver<io.gridwork.api.v1.ChunkPiece> observer) {
        toData(observer, d -> d.getData(request, observer));
    }

    @Override
    public void deleteData(io.gridwork.api.v1.DeleteDataRequest request,
            StreamObserver<io.gridwork.api.v1.DataSet> observer) {
        toData(observer, d -> d.deleteData(request, observer));
    }

    /** Hands a unary or server-streaming call to the data grid's calls; what fails (no data grid too) is its status. */
    private <R> void toData(StreamObserver<R> observer, java.util.function.Consumer<DataCalls> call) {
        try {
            call.accept(data());
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
        }
    }

    /** The caller (set by the {@link Authenticator}); an insecure master's callers may do everything. */
    static Principal caller() {
        Principal p = Authenticator.PRINCIPAL.get();
        return p == null ? Principal.INSECURE : p;
    }

    /** A submitter sees only its own jobs. */
    private static JobSnapshot visible(JobSnapshot job) {
        Principal p = caller();
        if (!AccessPolicy.mayAccess(p, job.owner())) {
            throw Status.PERMISSION_DENIED.withDescription("job " + job.id() + " belongs to another user")
                    .asRuntimeException();
        }
        return job;
    }

    private JobSnapshot visibleJob(String id) {
        return visible(scheduler.job(id).orElseThrow(() -> Status.NOT_FOUND.withDescription("job_id: no job " + id)
                .asRuntimeException()));
    }

    /** Where the calls about job {@code id} go; refuses a caller that may not see the job. */
    private JobRoutes.Route route(String id) {
        if (routes == null) {
            return new JobRoutes.Route(JobRoutes.Kind.HERE, null, null);
        }
        JobRoutes.Route route = routes.route(id);
        if (route.row() != null && !AccessPolicy.mayAccess(caller(), route.row().owner())) {
            throw Status.PERMISSION_DENIED.withDescription("job " + id + " belongs to another user").asRuntimeException();
        }
        return route;
    }

    private StatusRuntimeException unreachable(String id, JobRoutes.Route route) {
        return JobRoutes.unreachable(id, route.row().ownerMaster(), route.owner());
    }

    private JobStatus status(JobSnapshot s) {
        return status(s, scheduler.upstream(List.of(s.id())), scheduler.downstream(List.of(s.id())));
    }

    /** A job's status with the jobs it runs after and those that run after it (read in one query for a list). */
    private JobStatus status(JobSnapshot s, Map<String, List<String>> upstream, Map<String, List<String>> downstream) {
        JobStatus status = withDependencies(ProtoViews.job(s, masters), s, upstream.getOrDefault(s.id(), List.of()),
                downstream.getOrDefault(s.id(), List.of()));
        DataCalls d = data;
        if (s.dataSets().isEmpty() || d == null) {
            return status;
        }
        return status.toBuilder().setData(DataCalls.counters(d.grid().counters(s.id()))).build();
    }

    /** The status with {@code after} and {@code downstream}, and a WAITING job's reason (why it waits). */
    private JobStatus withDependencies(JobStatus status, JobSnapshot s, List<String> after, List<String> downstream) {
        if (after.isEmpty() && downstream.isEmpty() && s.state() != JobState.WAITING) {
            return status;
        }
        JobStatus.Builder b = status.toBuilder().addAllAfter(after).addAllDownstream(downstream);
        if (s.state() == JobState.WAITING) {
            b.setWaitingReason(scheduler.waitingFor(s.id()).orElse("waiting for "
                    + (after.isEmpty() ? "the jobs it runs after" : String.join(", ", after)) + " to succeed"));
        }
        return b.build();
    }

    /**
     * The jobs a submission runs after: job ids, at most {@code MAX_AFTER}, each one the caller may see (a job's
     * result is only read by whom may read it).
     */
    private List<String> after(SubmitJobRequest request) {
        if (request.getAfterCount() > MAX_AFTER) {
            throw Statuses.invalid("after: " + request.getAfterCount() + " jobs, over the limit of " + MAX_AFTER);
        }
        List<String> after = new java.util.ArrayList<>();
        for (String id : request.getAfterList()) {
            Validation.jobId("after", id);
            if (after.contains(id)) {
                throw Statuses.invalid("after: " + id + " is named twice");
            }
            JobSnapshot job = scheduler.job(id).orElseThrow(() -> Statuses.invalid("after: no job " + id));
            visible(job);
            after.add(id);
        }
        for (Map.Entry<String, String> a : new java.util.TreeMap<>(request.getArgsMap()).entrySet()) {
            if (a.getValue().startsWith("@result:") && after.isEmpty()) {
                throw Statuses.invalid("args: " + a.getKey() + "=" + a.getValue() + " needs after: a job can only "
                        + "read the result of a job it runs after");
            }
        }
        return after;
    }

    /** The most jobs one job may run after (as the core's limit). */
    static final int MAX_AFTER = 64;

    /** UNAVAILABLE on a standby, which takes no new work, naming the masters that do. */
    private void refuseOnStandby() {
        if (masters == null || !masters.standby()) {
            return;
        }
        List<String> active = new java.util.ArrayList<>();
        for (MasterDirectory.Peer m : masters.masters()) {
            // a peer SUSPECT or LINK_FAILED from here (a ping missed under load) is still an active master
            if (Set.of("ACTIVE", "SUSPECT", "LINK_FAILED").contains(m.state()) && !m.self()) {
                active.add(m.address());
            }
        }
        throw Status.UNAVAILABLE.withDescription("this master is a standby; active masters: "
                + (active.isEmpty() ? "none yet" : String.join(", ", active))).asRuntimeException();
    }

    @Override
    public void hasJar(HasJarRequest request, StreamObserver<HasJarResponse> observer) {
        Statuses.unary(observer, () -> {
            Validation.sha256("sha256", request.getSha256());
            return jars.find(request.getSha256())
                    .map(row -> HasJarResponse.newBuilder().setPresent(true).setSize(row.size()).build())
                    .orElse(HasJarResponse.getDefaultInstance());
        });
    }

    @Override
    public StreamObserver<UploadJarRequest> uploadJar(StreamObserver<UploadJarResponse> observer) {
        return new StreamObserver<>() {
            private JarRepository.Upload upload;
            private boolean failed;

            @Override
            public void onNext(UploadJarRequest part) {
                if (failed) {
                    return;
                }
                try {
                    if (upload == null) {
                        if (!part.hasHeader()) {
                            throw Statuses.invalid("header: the first message of an upload must be its header");
                        }
                        upload = jars.begin(part.getHeader().getSha256(), part.getHeader().getSize(),
                                part.getHeader().getFileName());
                    } else if (part.hasHeader()) {
                        throw Statuses.invalid("header: an upload has one header, in its first message");
                    } else {
                        upload.write(part.getChunk().toByteArray());
                    }
                } catch (InvalidJarException e) {
                    fail((e.tooLarge() ? Status.RESOURCE_EXHAUSTED : Status.INVALID_ARGUMENT)
                            .withDescription(e.getMessage()).asRuntimeException());
                } catch (Throwable t) {
                    fail(Statuses.of(t));
                }
            }

            @Override
            public void onError(Throwable t) {
                if (upload != null) {
                    upload.abort();
                }
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                if (upload == null) {
                    fail(Statuses.invalid("header: the upload was empty"));
                    return;
                }
                try {
                    JarRow row = upload.finish();
                    log.info("jar {} stored ({} bytes, {})", row.sha256(), row.size(), row.fileName());
                    DataCalls d = data;
                    if (d != null) {
                        // data grid: the jar is a data set too, so workers fetch it from each other (JobSpec.jar_data_id)
                        try {
                            d.grid().jarUploaded(row.sha256(), jars.path(row.sha256()), caller().owner());
                        } catch (java.io.IOException | RuntimeException e) {
                            log.warn("jar {} is not in the data grid (workers fetch it from the master): {}",
                                    row.sha256(), e.toString());
                        }
                    }
                    observer.onNext(UploadJarResponse.newBuilder().setSha256(row.sha256()).setSize(row.size()).build());
                    observer.onCompleted();
                } catch (InvalidJarException e) {
                    fail(Status.INVALID_ARGUMENT.withDescription("jar: " + e.getMessage()).asRuntimeException());
                } catch (Throwable t) {
                    fail(Statuses.of(t));
                }
            }

            private void fail(RuntimeException status) {
                failed = true;
                if (upload != null) {
                    upload.abort();
                }
                observer.onError(status);
            }
        };
    }

 /** A submission checked and ready to go to the scheduler, with its audit entry (written in the job's own commit). */
    private record Accepted(Submission submission, io.gridwork.master.store.StoreBatch.JobAudit entry) {}

    /** Checks a SubmitJob request (the fields, the caller, its data sets); throws the status that refuses it. */
    private Accepted accept(SubmitJobRequest request) {
        refuseOnStandby();
        Validation.sha256("jar_sha256", request.getJarSha256());
        Validation.jobClass("job_class", request.getJobClass());
        Validation.args("args", request.getArgsMap(), maxArgsBytes);
        Validation.range("options.max_attempts", request.getOptions().getMaxAttempts(), 0, 100);
        Validation.range("options.task_timeout_ms", request.getOptions().getTaskTimeoutMs(), 0, TimeUnit.DAYS.toMillis(30));
        io.gridwork.api.v1.JobOptions o = request.getOptions();
        Validation.requirement("options.require", o.getRequire());
        Validation.range("options.slots_per_task", o.getSlotsPerTask(), 0, MAX_SLOTS_PER_TASK);
        Validation.range("options.priority", o.getPriority(), -MAX_PRIORITY, MAX_PRIORITY);
        quorum(o);
        Principal who = caller();
        if (request.getDataCount() > 0) {
            data().checkSubmission(request.getDataMap());
        }
        List<String> after = after(request);
        // audited in the job's own commit: no write of its own before the answer
        io.gridwork.master.store.StoreBatch.JobAudit entry = audit.forNewJob(who, "job.submit", request.getJobClass()
                + " " + request.getArgsMap().keySet() + " jar " + request.getJarSha256());
        Submission submission = new Submission(request.getJarSha256(), request.getJobClass(), request.getArgsMap(),
                o.getMaxAttempts(), o.getTaskTimeoutMs(), who.owner(), o.getRequire(), o.getSlotsPerTask(),
                o.getPriority(), o.getNoSpeculation()).audited(entry).withData(request.getDataMap())
                .withQuorum(o.getQuorum(), o.getQuorumMax()).after(after);
        return new Accepted(submission, entry);
    }

    @Override
    public void submitJob(SubmitJobRequest request, StreamObserver<SubmitJobResponse> observer) {
        Accepted accepted;
        try {
            accepted = accept(request);
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
            return;
        }
        // no thread of this service waits for the job's code or its commit: the call completes when the job is stored
        scheduler.submit(accepted.submission()).whenCompleteAsync((job, error) -> {
            if (error != null) {
                observer.onError(Statuses.of(error));
                return;
            }
            Statuses.unary(observer, () -> {
                audit.stored(accepted.entry(), job.id());
                return SubmitJobResponse.newBuilder().setJobId(job.id()).build();
            });
        }, responses);
    }

    /**
     * SubmitJob and WatchJob on one call: the first status goes out once the job is stored (the submission's
     * acknowledgement, as SubmitJob's answer), then the job's status as it changes, the last one final once it is
     * stored. A client that waits for its job saves the second call and its set-up.
     */
    @Override
    public void submitAndWatch(SubmitJobRequest request, StreamObserver<JobStatus> observer) {
        ServerCallStreamObserver<JobStatus> call = (ServerCallStreamObserver<JobStatus>) observer;
        Accepted accepted;
        try {
            accepted = accept(request);
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
            return;
        }
        // gRPC takes a cancel handler only now: it stops the following once one runs (a cancelled call lets the job go on)
        AtomicReference<Runnable> stop = new AtomicReference<>(() -> { });
        call.setOnCancelHandler(() -> stop.get().run());
        Consumer<JobSnapshot> send = sender(call);
        // the statuses go out from the scheduler's loop as they are published: the first once the job is committed
        Follower follower = new Follower() {
            @Override
            public void status(JobSnapshot snapshot) {
                send.accept(snapshot);
            }

            @Override
            public void stopWith(Runnable watch) {
                watching(call, stop, watch);
            }
        };
        scheduler.submit(accepted.submission(), follower).whenCompleteAsync((job, error) -> {
            if (error != null) {
                observer.onError(Statuses.of(error));
                return;
            }
            audit.stored(accepted.entry(), job.id());
        }, responses);
    }

    @Override
    public void getJob(GetJobRequest request, StreamObserver<JobStatus> observer) {
        try {
            Validation.jobId("job_id", request.getJobId());
            JobRoutes.Route route = route(request.getJobId());
            if (route.kind() == JobRoutes.Kind.FORWARD) {
                // the owner down: the job as stored (its counts as of its last journal commit)
                routes.unary(ClientServiceGrpc.getGetJobMethod(), request, route.owner(), observer,
                        () -> status(visibleJob(request.getJobId())));
                return;
            }
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
            return;
        }
        // with what its ended attempts used so far (the usage ledger): GetJob only, not every WatchJob update
        Statuses.unary(observer, () -> status(visibleJob(request.getJobId())).toBuilder()
                .setUsage(usage.jobUsage(request.getJobId())).build());
    }

    /** Ended attempts a GetTaskLogs call returns unless it asks for another number. */
    static final int DEFAULT_ATTEMPTS_LIMIT = 100;

    @Override
    public void getTaskLogs(GetTaskLogsRequest request, StreamObserver<GetTaskLogsResponse> observer) {
        try {
            Validation.jobId("job_id", request.getJobId());
            if (request.hasTask() && request.getTask() < 0) {
                throw Statuses.invalid("task must be 0 or more, got " + request.getTask());
            }
            if (request.getAttempt() < 0) {
                throw Statuses.invalid("attempt must be 1 or more (0: every attempt), got " + request.getAttempt());
            }
            if (request.getAttempt() > 0 && !request.hasTask()) {
                throw Statuses.invalid("attempt needs task: an attempt number is a task's");
            }
            if (request.getAfterSeq() < 0) {
                throw Statuses.invalid("after_seq must be 0 or more, got " + request.getAfterSeq());
            }
            Validation.range("limit", request.getLimit(), 0, MAX_LIST_LIMIT);
            JobRoutes.Route route = route(request.getJobId());
            if (route.kind() == JobRoutes.Kind.FORWARD) {
                // its owner knows the attempts running now; the ended ones are in the shared store
                routes.unary(ClientServiceGrpc.getGetTaskLogsMethod(), request, route.owner(), observer,
                        () -> taskLogs(request));
                return;
            }
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
            return;
        }
        Statuses.unary(observer, () -> taskLogs(request));
    }

    private GetTaskLogsResponse taskLogs(GetTaskLogsRequest request) {
        String jobId = request.getJobId();
        JobSnapshot job = visibleJob(jobId); // before the attempts: a job seen ended has all of them stored
        Long index = request.hasTask() ? request.getTask() : null;
        if (index != null && index >= job.total()) {
            throw Status.NOT_FOUND.withDescription("task: job " + jobId + " has no task " + index + " (it has "
                    + job.total() + (job.splitComplete() ? "" : " so far") + ", numbered from 0)").asRuntimeException();
        }
        int limit = request.getLimit() == 0 ? DEFAULT_ATTEMPTS_LIMIT : request.getLimit();
        List<io.gridwork.master.store.TaskAttemptRow> ended = scheduler.endedAttempts(jobId, index, request.getAttempt(),
                request.getFailuresOnly(), request.getAfterSeq(), limit + 1);
        boolean more = ended.size() > limit;
        GetTaskLogsResponse.Builder b = GetTaskLogsResponse.newBuilder().setMore(more)
                .setJobEnded(job.state().isTerminal());
        long next = request.getAfterSeq();
        for (io.gridwork.master.store.TaskAttemptRow a : more ? ended.subList(0, limit) : ended) {
            b.addAttempts(ProtoViews.attempt(a));
            next = Math.max(next, a.seq());
        }
        b.setNextAfterSeq(next);
        if (!more && !job.state().isTerminal() && !request.getFailuresOnly()) {
            for (Scheduler.LiveAttempt a : scheduler.runningAttempts(jobId, index)) {
                if (request.getAttempt() == 0 || a.attempt() == request.getAttempt()) {
                    b.addAttempts(ProtoViews.attempt(a));
                }
            }
        }
        if (request.getAttempt() > 0 && b.getAttemptsCount() == 0 && request.getAfterSeq() == 0) {
            throw Status.NOT_FOUND.withDescription("attempt: task " + index + " of job " + jobId + " has no attempt "
                    + request.getAttempt() + (job.state().isTerminal() ? "" : " yet")).asRuntimeException();
        }
        return b.build();
    }

    @Override
    public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> observer) {
        Statuses.unary(observer, () -> {
            Validation.range("limit", request.getLimit(), 0, MAX_LIST_LIMIT);
            int limit = request.getLimit() == 0 ? DEFAULT_LIST_LIMIT : request.getLimit();
            Set<JobState> states = EnumSet.noneOf(JobState.class);
            for (JobStatus.State s : request.getStatesList()) {
                if (s == JobStatus.State.STATE_UNSPECIFIED || s == JobStatus.State.UNRECOGNIZED) {
                    throw Statuses.invalid("states: unknown job state");
                }
                states.add(JobState.valueOf(s.name()));
            }
            String schedule = request.getSchedule().isEmpty() ? null : request.getSchedule();
            if (schedule != null) {
                Validation.scheduleName("schedule", schedule);
            }
            String jobClass = request.getJobClass().isEmpty() ? null : request.getJobClass();
            if (jobClass != null) {
                Validation.jobClass("job_class", jobClass);
            }
            ListJobsResponse.Builder b = ListJobsResponse.newBuilder();
            Principal who = caller();
            String owner = AccessPolicy.ownerFilter(who); // null: the caller sees every owner's jobs
            if (!request.getOwner().isEmpty()) {
                if (owner != null && !owner.equals(request.getOwner())) {
                    return b.build(); // another owner's jobs, which this caller does not see
                }
                owner = request.getOwner();
            }
            List<JobSnapshot> found = scheduler.jobs(limit, states, owner, schedule, jobClass);
            List<String> ids = found.stream().map(JobSnapshot::id).toList();
            Map<String, List<String>> upstream = scheduler.upstream(ids);
            Map<String, List<String>> downstream = scheduler.downstream(ids);
            for (JobSnapshot s : found) {
                b.addJobs(status(s, upstream, downstream));
            }
            return b.build();
        });
    }

    @Override
    public void watchJob(WatchJobRequest request, StreamObserver<JobStatus> observer) {
        ServerCallStreamObserver<JobStatus> call = (ServerCallStreamObserver<JobStatus>) observer;
        try {
            Validation.jobId("job_id", request.getJobId());
            JobRoutes.Route route = route(request.getJobId());
            if (route.kind() == JobRoutes.Kind.FORWARD) {
                routes.stream(ClientServiceGrpc.getWatchJobMethod(), request, route.owner(), call,
                        s -> !isTerminal(s.getState()), unreachable(request.getJobId(), route));
                return;
            }
            if (route.kind() == JobRoutes.Kind.OWNER_GONE) {
                throw unreachable(request.getJobId(), route); // a survivor takes it over: watch it there
            }
            // a job that runs here is checked on its published status (its owner never changes), without a call to
            // the loop; the watch starts from the status read here
            JobSnapshot current = visible(scheduler.published(request.getJobId())
                    .orElseGet(() -> visibleJob(request.getJobId())));
            AtomicReference<Runnable> stop = new AtomicReference<>(() -> { });
            call.setOnCancelHandler(() -> stop.get().run());
            follow(request.getJobId(), current, call, false, stop);
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
        }
    }

    /**
     * Streams the status of job {@code id}, which runs here, from {@code current} to its end on {@code call}; with
     * {@code sendCurrent}, {@code current} goes out at once (and is not sent twice when the watch starts from it).
     * The call's cancel handler (set while gRPC took it) runs what this puts in {@code stop}.
     */
    private void follow(String id, JobSnapshot current, ServerCallStreamObserver<JobStatus> call, boolean sendCurrent,
            AtomicReference<Runnable> stop) {
        Consumer<JobSnapshot> send = sender(call);
        if (sendCurrent) {
            send.accept(current);
        }
        watching(call, stop, scheduler.watch(id, current, send));
    }

    /** A watch started for {@code call}: its cancel handler stops it from now on, or now if it was cancelled already. */
    private static void watching(ServerCallStreamObserver<?> call, AtomicReference<Runnable> stop, Runnable watch) {
        stop.set(watch);
        if (call.isCancelled()) {
            watch.run(); // cancelled before the watch started: the handler ran the empty stop
        }
    }

    /**
     * What sends a job's statuses to a watching call (any thread, often the scheduler's loop: no store read here): a
     * slow reader misses intermediate statuses, never the last one, after which the call completes.
     */
    private Consumer<JobSnapshot> sender(ServerCallStreamObserver<JobStatus> call) {
        Object lock = new Object();
        JobSnapshot[] sent = {null};
        Consumer<JobSnapshot> send = snapshot -> {
            synchronized (lock) {
                if (call.isCancelled() || (sent[0] != null && sent[0].state().isTerminal())) {
                    return;
                }
                boolean terminal = snapshot.state().isTerminal();
                if (!terminal && (!call.isReady() || snapshot.equals(sent[0]))) {
                    return; // a slow reader misses intermediate states, never the last one
                }
                sent[0] = snapshot;
                // on the scheduler's loop: no store read here (GetJob has the job's dependencies)
                call.onNext(status(snapshot, Map.of(), Map.of()));
                if (terminal) {
                    call.onCompleted();
                }
            }
        };
        return send;
    }

    @Override
    public void cancelJob(CancelJobRequest request, StreamObserver<JobStatus> observer) {
        if (forwardedCancel(request, observer)) {
            return;
        }
        Statuses.unary(observer, () -> {
            Validation.jobId("job_id", request.getJobId());
            if (request.getReason().length() > 1000) {
                throw Statuses.invalid("reason must be at most 1000 characters");
            }
            JobRoutes.Route route = route(request.getJobId());
            if (route.kind() == JobRoutes.Kind.OWNER_GONE) {
                throw unreachable(request.getJobId(), route);
            }
            visibleJob(request.getJobId());
            JobSnapshot cancelled = scheduler.cancel(request.getJobId(), request.getReason()).get(30, TimeUnit.SECONDS);
            audit.record(caller(), "job.cancel", request.getJobId(), request.getReason());
            return status(cancelled);
        });
    }

    /** Cancels a job another master runs there (the owner checks and audits it); UNAVAILABLE if it is unreachable. */
    private boolean forwardedCancel(CancelJobRequest request, StreamObserver<JobStatus> observer) {
        JobRoutes.Route route;
        try {
            Validation.jobId("job_id", request.getJobId());
            route = route(request.getJobId());
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
            return true;
        }
        if (route.kind() != JobRoutes.Kind.FORWARD) {
            return false;
        }
        routes.unary(ClientServiceGrpc.getCancelJobMethod(), request, route.owner(), observer, () -> {
            throw unreachable(request.getJobId(), route);
        });
        return true;
    }

    private static boolean isTerminal(JobStatus.State state) {
        return state == JobStatus.State.SUCCEEDED || state == JobStatus.State.FAILED || state == JobStatus.State.CANCELLED;
    }

    @Override
    public void listMasters(ListMastersRequest request, StreamObserver<ListMastersResponse> observer) {
        Statuses.unary(observer, () -> {
            Validation.range("events", request.getEvents(), 0, MAX_LIST_LIMIT);
            ListMastersResponse.Builder b = ListMastersResponse.newBuilder();
            if (masters == null) {
                return b.build();
            }
            masters.masters().forEach(m -> b.addMasters(ProtoViews.master(m)));
            if (request.getEvents() > 0) {
                masters.events(request.getEvents()).forEach(e -> b.addEvents(ProtoViews.masterEvent(e)));
            }
            return b.build();
        });
    }

    @Override
    public void getResult(GetResultRequest request, StreamObserver<ResultChunk> observer) {
        // answered here whichever master runs the job, never forwarded: a job has a result only once it has ended,
        // and then its state and its result are in the shared store; before, every master answers the same
        // FAILED_PRECONDITION from the stored state, even while the job's owner is unreachable
        ResultData result;
        try {
            Validation.jobId("job_id", request.getJobId());
            visibleJob(request.getJobId());
            result = scheduler.result(request.getJobId());
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
            return;
        }
        ResultHeader.Builder header = ResultHeader.newBuilder().setJobId(result.jobId())
                .setMediaType(result.mediaType() == null ? "application/octet-stream" : result.mediaType())
                .setSize(result.bytes().length);
        if (result.text() != null) {
            header.setText(result.text());
        }
        ServerCallStreamObserver<ResultChunk> call = (ServerCallStreamObserver<ResultChunk>) observer;
        call.onNext(ResultChunk.newBuilder().setHeader(header).build());
        ChunkStreamer.start(call, new ByteArrayInputStream(result.bytes()),
                chunk -> ResultChunk.newBuilder().setData(UnsafeByteOperations.unsafeWrap(chunk)).build());
    }

    @Override
    public void watchWorkers(WatchWorkersRequest request, StreamObserver<io.gridwork.api.v1.WorkerEvent> observer) {
        ServerCallStreamObserver<io.gridwork.api.v1.WorkerEvent> call =
                (ServerCallStreamObserver<io.gridwork.api.v1.WorkerEvent>) observer;
        try {
            Validation.range("history", request.getHistory(), 0, 1000);
            Object lock = new Object();
            AtomicReference<Runnable> stop = new AtomicReference<>(() -> { });
            call.setOnCancelHandler(() -> stop.get().run());
            stop.set(scheduler.watchWorkers(request.getHistory(), event -> {
                synchronized (lock) {
                    if (!call.isCancelled()) {
                        call.onNext(ProtoViews.event(event));
                    }
                }
            }));
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
        }
    }

    @Override
    public void createToken(CreateTokenRequest request, StreamObserver<CreateTokenResponse> observer) {
        Statuses.unary(observer, () -> {
            Validation.tokenName("name", request.getName());
            if (request.getRole() == Token.Role.ROLE_UNSPECIFIED || request.getRole() == Token.Role.UNRECOGNIZED) {
                throw Statuses.invalid("role must be admin, submitter, viewer or worker");
            }
            Validation.range("ttl_seconds", request.getTtlSeconds(), 0, TimeUnit.DAYS.toSeconds(3650));
            Role role = Role.valueOf(request.getRole().name());
            Duration ttl = request.getTtlSeconds() > 0 ? Duration.ofSeconds(request.getTtlSeconds())
                    : role == Role.WORKER ? TokenRegistry.DEFAULT_JOIN_TOKEN_TTL : Duration.ZERO;
            if (role == Role.WORKER && caFingerprint == null) {
                throw Status.FAILED_PRECONDITION.withDescription("an insecure master takes workers without join tokens")
                        .asRuntimeException();
            }
            TokenRegistry.Created created = tokens.create(request.getName(), role, ttl, caller().describe());
            String secret = role == Role.WORKER
                    ? new TokenText.Join(caFingerprint, TokenText.token(created.secret())).toString() : created.secret();
            audit.record(caller(), "token.create", created.token().name() + " (" + created.token().id() + ")",
                    "role " + role.name().toLowerCase(Locale.ROOT) + (created.token().expiresAt() == null ? ""
                            : ", expires " + created.token().expiresAt()));
            return CreateTokenResponse.newBuilder().setToken(ProtoViews.token(created.token())).setSecret(secret).build();
        });
    }

    @Override
    public void listTokens(ListTokensRequest request, StreamObserver<ListTokensResponse> observer) {
        Statuses.unary(observer, () -> {
            ListTokensResponse.Builder b = ListTokensResponse.newBuilder();
            tokens.list(request.getIncludeRevoked()).forEach(t -> b.addTokens(ProtoViews.token(t)));
            return b.build();
        });
    }

    @Override
    public void revokeToken(RevokeTokenRequest request, StreamObserver<Token> observer) {
        Statuses.unary(observer, () -> {
            if (request.getIdOrName().isBlank()) {
                throw Statuses.invalid("id_or_name is required");
            }
            List<TokenRow> revoked = tokens.revoke(request.getIdOrName());
            if (revoked.isEmpty()) {
                throw Status.NOT_FOUND.withDescription("id_or_name: no active token " + request.getIdOrName())
                        .asRuntimeException();
            }
            for (TokenRow t : revoked) {
                audit.record(caller(), "token.revoke", t.name() + " (" + t.id() + ")", "");
            }
            return ProtoViews.token(revoked.get(0));
        });
    }

    @Override
    public void listAudit(ListAuditRequest request, StreamObserver<ListAuditResponse> observer) {
        Statuses.unary(observer, () -> {
            Validation.range("limit", request.getLimit(), 0, MAX_LIST_LIMIT);
            ListAuditResponse.Builder b = ListAuditResponse.newBuilder();
            audit.recent(request.getLimit() == 0 ? DEFAULT_LIST_LIMIT : request.getLimit())
                    .forEach(a -> b.addEntries(ProtoViews.audit(a)));
            return b.build();
        });
    }

    // ---------------------------------------------------------------------------------------------- schedules

    @Override
    public void createSchedule(CreateScheduleRequest request, StreamObserver<Schedule> observer) {
        Statuses.unary(observer, () -> {
            refuseOnStandby();
            Validation.scheduleName("name", request.getName());
            Validation.sha256("jar_sha256", request.getJarSha256());
            Validation.jobClass("job_class", request.getJobClass());
            Validation.args("args", request.getArgsMap(), maxArgsBytes);
            io.gridwork.api.v1.JobOptions o = request.getOptions();
            Validation.range("options.max_attempts", o.getMaxAttempts(), 0, 100);
            Validation.range("options.task_timeout_ms", o.getTaskTimeoutMs(), 0, TimeUnit.DAYS.toMillis(30));
            Validation.requirement("options.require", o.getRequire());
            Validation.range("options.slots_per_task", o.getSlotsPerTask(), 0, MAX_SLOTS_PER_TASK);
            Validation.range("options.priority", o.getPriority(), -MAX_PRIORITY, MAX_PRIORITY);
            quorum(o);
            if (request.getCron().length() > 200) {
                throw Statuses.invalid("cron must be at most 200 characters");
            }
            ZoneId zone;
            try {
                zone = request.getTimezone().isEmpty() ? Schedules.DEFAULT_ZONE : ZoneId.of(request.getTimezone());
            } catch (java.time.DateTimeException e) {
                throw Statuses.invalid("timezone: unknown time zone '" + Validation.abbreviate(request.getTimezone()) + "'");
            }
            if (request.getMisfire() == Schedule.Misfire.UNRECOGNIZED || request.getOverlap() == Schedule.Overlap.UNRECOGNIZED) {
                throw Statuses.invalid("misfire, overlap: unknown policy");
            }
            Principal who = caller();
            Submission submission = new Submission(request.getJarSha256(), request.getJobClass(), request.getArgsMap(),
                    o.getMaxAttempts(), o.getTaskTimeoutMs(), who.owner(), o.getRequire(), o.getSlotsPerTask(),
                    o.getPriority(), o.getNoSpeculation())
                    .withQuorum(o.getQuorum(), o.getQuorumMax());
            ScheduleSpec spec = new ScheduleSpec(request.getName(), request.getCron().isBlank() ? null : request.getCron(),
                    zone, request.hasAt() ? ProtoViews.instant(request.getAt()) : null, submission,
                    request.getMisfire() == Schedule.Misfire.MISFIRE_SKIP ? ScheduleSpec.Misfire.SKIP
                            : ScheduleSpec.Misfire.FIRE_ONCE,
                    request.getOverlap() == Schedule.Overlap.OVERLAP_QUEUE ? ScheduleSpec.Overlap.QUEUE
                            : request.getOverlap() == Schedule.Overlap.OVERLAP_ALLOW ? ScheduleSpec.Overlap.ALLOW
                            : ScheduleSpec.Overlap.SKIP, clock.instant());
            ScheduleView created = schedules().add(spec);
            audit.record(who, "schedule.create", created.spec().name(), (spec.cron() != null ? "cron " + created.spec().cron()
                    + " " + zone : "at " + spec.at()) + ": " + request.getJobClass() + " jar " + request.getJarSha256());
            return ProtoViews.schedule(created);
        });
    }

    @Override
    public void listSchedules(ListSchedulesRequest request, StreamObserver<ListSchedulesResponse> observer) {
        Statuses.unary(observer, () -> {
            Principal who = caller();
            ListSchedulesResponse.Builder b = ListSchedulesResponse.newBuilder();
            schedules().list(AccessPolicy.ownerFilter(who)).forEach(v -> b.addSchedules(ProtoViews.schedule(v)));
            return b.build();
        });
    }

    @Override
    public void getSchedule(GetScheduleRequest request, StreamObserver<Schedule> observer) {
        Statuses.unary(observer, () -> {
            Validation.scheduleName("name", request.getName());
            Validation.range("runs", request.getRuns(), 0, MAX_LIST_LIMIT);
            return ProtoViews.schedule(visibleSchedule(request.getName(), request.getRuns() == 0 ? 20 : request.getRuns()));
        });
    }

    @Override
    public void pauseSchedule(ScheduleRequest request, StreamObserver<Schedule> observer) {
        changeSchedule(request, observer, "schedule.pause", name -> schedules().pause(name));
    }

    @Override
    public void resumeSchedule(ScheduleRequest request, StreamObserver<Schedule> observer) {
        changeSchedule(request, observer, "schedule.resume", name -> schedules().resume(name));
    }

    /** Pause or resume: a schedule the caller sees, the action audited, then the schedule as it is now. */
    private void changeSchedule(ScheduleRequest request, StreamObserver<Schedule> observer, String action,
            java.util.function.Function<String, ScheduleView> change) {
        Statuses.unary(observer, () -> {
            visibleSchedule(request.getName(), 0);
            audit.record(caller(), action, request.getName(), "");
            return ProtoViews.schedule(change.apply(request.getName()));
        });
    }

    @Override
    public void deleteSchedule(ScheduleRequest request, StreamObserver<Schedule> observer) {
        Statuses.unary(observer, () -> {
            visibleSchedule(request.getName(), 0);
            ScheduleView removed = schedules().remove(request.getName());
            audit.record(caller(), "schedule.remove", request.getName(), "");
            return ProtoViews.schedule(removed);
        });
    }

    private Schedules schedules() {
        if (schedules == null) {
            throw Status.UNAVAILABLE.withDescription("this master runs no schedules").asRuntimeException();
        }
        return schedules;
    }

    /** A submitter sees and changes only its own schedules. */
    private ScheduleView visibleSchedule(String name, int runs) {
        Validation.scheduleName("name", name);
        ScheduleView view = schedules().get(name, runs);
        Principal p = caller();
        if (!AccessPolicy.mayAccess(p, view.spec().submission().owner())) {
            throw Status.PERMISSION_DENIED.withDescription("schedule " + name + " belongs to another user").asRuntimeException();
        }
        return view;
    }

    @Override
    public void drainWorker(DrainWorkerRequest request, StreamObserver<WorkerInfo> observer) {
        Statuses.unary(observer, () -> {
            if (request.getWorker().isEmpty()) {
                throw Statuses.invalid("worker: give a worker's name or id");
            }
            Validation.workerName("worker", request.getWorker());
            Principal who = caller();
            WorkerSnapshot w = scheduler.drain(request.getWorker(), request.getDrain(), who.describe());
            audit.record(who, request.getDrain() ? "worker.drain" : "worker.undrain", w.name() + " (" + w.id() + ")", "");
            return worker(w);
        });
    }

    /** Checks a job's quorum options (0: the job's own, else 1 and quorum + 2). */
    private static void quorum(io.gridwork.api.v1.JobOptions o) {
        Validation.range("options.quorum", o.getQuorum(), 0, io.gridwork.sdk.JobOptions.MAX_QUORUM);
        Validation.range("options.quorum_max", o.getQuorumMax(), 0, io.gridwork.sdk.JobOptions.MAX_QUORUM_REPLICAS);
        if (o.getQuorum() > 0 && o.getQuorumMax() > 0 && o.getQuorumMax() < o.getQuorum()) {
            throw Statuses.invalid("options.quorum_max: " + o.getQuorumMax() + " is below options.quorum "
                    + o.getQuorum());
        }
    }

    /** A worker as clients see it, with its trust record from quorum jobs. */
    private WorkerInfo worker(WorkerSnapshot w) {
        return ProtoViews.worker(w, scheduler.trust(w.name()));
    }

    @Override
    public void resetTrust(io.gridwork.api.v1.ResetTrustRequest request, StreamObserver<WorkerInfo> observer) {
        Statuses.unary(observer, () -> {
            if (request.getWorker().isEmpty()) {
                throw Statuses.invalid("worker: give a worker's name or id");
            }
            Validation.workerName("worker", request.getWorker());
            Principal who = caller();
            io.gridwork.master.core.Scheduler.TrustReset reset = scheduler.resetTrust(request.getWorker());
            String name = reset.name();
            audit.record(who, "worker.reset-trust", name, "was " + reset.was().agreed() + " agreed, "
                    + reset.was().disagreed() + " disagreed");
            for (WorkerSnapshot w : scheduler.workers(true)) {
                if (w.name().equals(name)) {
                    return worker(w);
                }
            }
            return WorkerInfo.newBuilder().setName(name).build(); // a record of a worker no longer known
        });
    }

    @Override
    public void listWorkers(ListWorkersRequest request, StreamObserver<ListWorkersResponse> observer) {
        Statuses.unary(observer, () -> {
            ListWorkersResponse.Builder b = ListWorkersResponse.newBuilder();
            scheduler.workers(request.getIncludeDeparted()).forEach(w -> b.addWorkers(worker(w)));
            return b.build();
        });
    }
}
