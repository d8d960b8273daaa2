package io.gridwork.client;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.CancelJobRequest;
import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.GetResultRequest;
import io.gridwork.api.v1.HasJarRequest;
import io.gridwork.api.v1.JarHeader;
import io.gridwork.api.v1.JobOptions;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListJobsRequest;
import io.gridwork.api.v1.ListWorkersRequest;
import io.gridwork.api.v1.ResultChunk;
import io.gridwork.api.v1.ResultHeader;
import io.gridwork.api.v1.SubmitJobRequest;
import io.gridwork.api.v1.UploadJarRequest;
import io.gridwork.api.v1.UploadJarResponse;
import io.gridwork.api.v1.WatchJobRequest;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.internal.tls.GridTrust;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.security.cert.X509Certificate;
import io.grpc.Context;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Submits jobs to a Gridwork master and follows them: the Java API that the {@code grid} CLI is built on.
 *
 * <pre>{@code
 * try (GridClient client = GridClient.connect("localhost:7070")) {
 *     String jobId = client.submit(JobSubmission.builder()
 *             .jar(Path.of("examples/target/gridwork-examples.jar"))
 *             .jobClass("io.gridwork.examples.PiJob")
 *             .arg("samples", "100000000")
 *             .build());
 *     JobStatus done = client.await(jobId, Duration.ofMinutes(5), status -> {});
 *     if (done.getState() == JobStatus.State.SUCCEEDED) {
 *         double pi = client.result(jobId).decode(Codecs.DOUBLE);
 *     }
 * }
 * }</pre>
 *
 * <p><b>Credentials.</b> A client given no token, CA or credentials of its own (as {@code connect} is) uses the
 * credentials file the {@code grid} commands use: {@code $GRID_CREDENTIALS}, else
 * {@code ~/.gridwork/master/credentials}, which the master writes when it first starts with its default data
 * directory ({@link Credentials#findDefaultFile}). Elsewhere, give them to the {@link Builder}:
 *
 * <pre>{@code
 * GridClient client = GridClient.builder().target("master-host:7070")
 *         .token("gw1....").caFingerprint("sha256:...").build();
 * }</pre>
 *
 * <p><b>Data sets.</b> {@link #putData} stores a large file in the data grid (on the workers) and returns its
 * content-addressed id; {@link JobSubmission.Builder#data} gives it to a job, which reads it where it lies;
 * {@link #listData}, {@link #getData} and {@link #deleteData} do what {@code grid data ls/get/rm} do.
 *
 * <p>Every call has a deadline ({@link Builder#callTimeout}, 30 s by default). Failed calls throw
 * {@link GridException} with the gRPC status code and the master's description. Thread-safe; one client can be
 * shared.
 *
 * <p><b>Several masters.</b> The target can be a comma-separated list ({@code "m1:7070,m2:7070"}: masters sharing
 * one PostgreSQL store). The client talks to one master at a time and stays with the one that last answered. A
 * call that fails with {@code UNAVAILABLE} (connection refused, a standby refusing work, a master going away) goes
 * to the next master, round after round with a short backoff, until the call's deadline. Reads, cancels, drains
 * and jar uploads are retried like that; a submission (and any call through {@link #call(java.util.function.Function)})
 * only when it certainly did not reach a master that could have stored it: the connection was refused, or a
 * standby refused it ({@link #STANDBY_REFUSAL}); otherwise its error is thrown, since the job may exist.
 * {@link #await} keeps waiting across a failover: when its watch breaks it watches again on another master. With
 * one master, calls are not retried, except that {@link #await} keeps waiting across a master restart.
 */
public final class GridClient implements AutoCloseable {

    /** Default deadline of one call. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);
    /** How long {@link #await} waits for an unreachable master to come back (a restart) before giving up. */
    public static final Duration DEFAULT_RECONNECT_TIMEOUT = Duration.ofSeconds(60);
    /** The master's address when none is given. */
    public static final String DEFAULT_TARGET = "localhost:7070";

    /**
     * How the description of a standby's refusal of work begins: {@code UNAVAILABLE "this master is a standby;
     * active masters: ..."}. A submission refused so is certain not to be stored, and goes to the next master.
     */
    public static final String STANDBY_REFUSAL = "this master is a standby";

    private static final int CHUNK_SIZE = 1 << 20;
    private static final Duration ROUND_BACKOFF_FIRST = Duration.ofMillis(50);
    private static final Duration ROUND_BACKOFF_MAX = Duration.ofSeconds(1);
    private static final Duration MAX_WATCH_CALL = Duration.ofHours(1);
    private static final Duration RECONNECT_BACKOFF_MAX = Duration.ofSeconds(5);

    /** One master: its address as given and the stubs of the channel to it. */
    private static final class Endpoint {
        final String target;
        final ClientServiceGrpc.ClientServiceBlockingStub blocking;
        final ClientServiceGrpc.ClientServiceStub async;

        Endpoint(String target, Channel channel, String token) {
            this.target = target;
            ClientServiceGrpc.ClientServiceBlockingStub b = ClientServiceGrpc.newBlockingStub(channel);
            ClientServiceGrpc.ClientServiceStub a = ClientServiceGrpc.newStub(channel);
            if (token != null) {
                BearerToken bearer = new BearerToken(token);
                b = b.withCallCredentials(bearer);
                a = a.withCallCredentials(bearer);
            }
            this.blocking = b;
            this.async = a;
        }
    }

    /** Which failures of a call let it go on to the next master. */
    private enum Retry {
        /** Any UNAVAILABLE: the call can be repeated without harm. */
        IDEMPOTENT,
        /** Only an UNAVAILABLE that proves the call reached no master able to act on it. */
        NOT_DELIVERED
    }

    /**
     * What this client's errors tell its user to do about a missing credential. The defaults name the
     * {@link Builder}'s methods; the {@code grid} command line passes its own, naming its options.
     *
     * @param noCa how to give the master's CA (after "no CA to check the master against: ")
     * @param noToken how to give a token (after "missing credential: ")
     */
    public record Hints(String noCa, String noToken) {
        /** The Java API's: the builder methods. */
        public static final Hints JAVA = new Hints(
                "give GridClient.builder().credentials(Credentials.read(file)), .trustCa(certificate) or "
                        + ".caFingerprint(\"sha256:...\"), or .insecure(true) for a master started with --insecure",
                "this client sends no token: give GridClient.builder().token(\"gw1....\") (grid token create prints "
                        + "one) or .credentials(Credentials.read(file))");

        public Hints {
            Objects.requireNonNull(noCa, "noCa");
            Objects.requireNonNull(noToken, "noToken");
        }
    }

    private final List<Endpoint> endpoints;
    private final List<ManagedChannel> ownedChannels;
    private final String target;
    private final Duration callTimeout;
    private final Duration reconnectTimeout;
    /** Whether calls carry a token: an UNAUTHENTICATED answer to a client without one is told with {@link #hints}. */
    private final boolean hasToken;
    private final Hints hints;
    /** The index of the master that answered last: calls go there first. */
    private final AtomicInteger current = new AtomicInteger();
    /** The network threads of the channels the builder made (ended by {@link #close}); null for {@link #over}. */
    private EventLoops eventLoops;

    private GridClient(List<String> targets, List<? extends Channel> channels, List<ManagedChannel> ownedChannels,
            Duration callTimeout, Duration reconnectTimeout, String token, Hints hints) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            list.add(new Endpoint(targets.get(i), channels.get(i), token));
        }
        this.endpoints = List.copyOf(list);
        this.ownedChannels = List.copyOf(ownedChannels);
        this.target = String.join(",", targets);
        this.callTimeout = callTimeout;
        this.reconnectTimeout = reconnectTimeout;
        this.hasToken = token != null;
        this.hints = hints;
    }

    /**
     * A client of the master at {@code host:port} (or of the masters {@code host:port,host:port,...}), with default
     * settings and the default credentials file (see the class comment).
     *
     * @throws GridException UNAUTHENTICATED if there is no credentials file to check the master with
     */
    public static GridClient connect(String target) {
        return builder().target(target).build();
    }

    /** A client over a channel the caller made and will close (for example an in-process channel in tests). */
    public static GridClient over(Channel channel) {
        return over(List.of(channel), null);
    }

    /** The same, sending a bearer token with every call. */
    public static GridClient over(Channel channel, String token) {
        return over(List.of(channel), token);
    }

    /**
     * A client of several masters over channels the caller made and will close, one per master, tried in this order;
     * {@code token} (or null) is sent with every call.
     */
    public static GridClient over(List<? extends Channel> channels, String token) {
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("no channel to a master");
        }
        List<String> names = new ArrayList<>();
        for (Channel c : channels) {
            names.add(c.authority());
        }
        return new GridClient(names, channels, List.of(), DEFAULT_CALL_TIMEOUT, DEFAULT_RECONNECT_TIMEOUT, token,
                Hints.JAVA);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The master's address (or the comma-separated masters' addresses), as given. */
    public String target() {
        return target;
    }

    /** The masters' addresses, in the order they are tried. */
    public List<String> targets() {
        List<String> all = new ArrayList<>();
        endpoints.forEach(e -> all.add(e.target));
        return all;
    }

    /** The address of the master calls go to first: the one that answered last. */
    public String currentTarget() {
        return endpoints.get(current.get()).target;
    }

    /**
     * Uploads a jar unless the master already holds one with the same SHA-256; returns the SHA-256.
     * Submitting again with the same jar sends no bytes.
     */
    public String uploadJar(Path jar) throws IOException {
        long size;
        String sha256;
        try {
            size = Files.size(jar);
            sha256 = sha256(jar);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(jar.toString(), null, "no such file");
        }
        try {
            // the same bytes under the same hash: sending them again (to another master) does no harm
            return call("upload the jar", Retry.IDEMPOTENT, e -> {
                if (stub(e).hasJar(HasJarRequest.newBuilder().setSha256(sha256).build()).getPresent()) {
                    return sha256;
                }
                try {
                    return upload(e, jar, size, sha256);
                } catch (IOException io) {
                    throw new UncheckedIOException(io);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Streams the jar to one master; a failed call is thrown as the gRPC exception, for {@link #call} to judge. */
    private String upload(Endpoint endpoint, Path jar, long size, String sha256) throws IOException {
        Duration deadline = callTimeout.plusSeconds(size / (1 << 20));
        UpStream<UploadJarRequest, UploadJarResponse> up = new UpStream<>(observer ->
                endpoint.async.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).uploadJar(observer));
        try (InputStream in = Files.newInputStream(jar)) {
            if (up.send(UploadJarRequest.newBuilder().setHeader(JarHeader.newBuilder()
                    .setSha256(sha256).setSize(size).setFileName(jar.getFileName().toString())).build())) {
                byte[] buffer = new byte[CHUNK_SIZE];
                int n;
                while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0
                        && up.send(UploadJarRequest.newBuilder().setChunk(ByteString.copyFrom(buffer, 0, n)).build())) {
                    // sent; a call that ended (failed) stops the loop, and finish() throws its status
                }
            }
        } catch (IOException | RuntimeException e) {
            up.cancel("cannot read " + jar + ": " + e);
            throw e;
        }
        up.finish(deadline, "upload of " + jar);
        return sha256;
    }

    /** Uploads the jar if needed, submits the job and returns its id once the master has stored it. */
    public String submit(JobSubmission submission) throws IOException {
        SubmitJobRequest request = request(submission);
        return call("submit the job", Retry.NOT_DELIVERED, e -> stub(e).submitJob(request)).getJobId();
    }

    /**
     * Submits a job and waits until it ends, on one call to the master: {@code progress} sees the job's status once
     * the master has stored it (its id in {@link JobStatus#getId()}: the submission is acknowledged from then on),
     * then each status on the way, and the final one is returned. The same as {@link #submit} followed by
     * {@link #await}, one round trip and one call shorter:
     *
     * <pre>{@code
     * JobStatus done = client.submitAndAwait(JobSubmission.builder().jar(jar).jobClass("io.gridwork.examples.PiJob")
     *         .arg("samples", "1000000").build(), Duration.ofMinutes(5), s -> { });
     * }</pre>
     *
     * <p>A submission no master took is retried as {@link #submit} retries it (never twice stored). If the call
     * breaks once the job is stored, the wait goes on as {@link #await} does (riding out a restart or failover). A
     * master without this call (an older version) gets {@code SubmitJob} and {@code WatchJob} instead. The master
     * has {@link Builder#callTimeout} to acknowledge the submission even when {@code timeout} is shorter, so that a
     * wait that runs out names the job it gave up on.
     *
     * @throws GridException the master refused the job (as {@link #submit}), or as {@link #await} throws
     *     ({@code DEADLINE_EXCEEDED} once {@code timeout} has passed since the call: the job goes on)
     */
    public JobStatus submitAndAwait(JobSubmission submission, Duration timeout, Consumer<JobStatus> progress)
            throws IOException {
        return submitAndAwait(submission, timeout, progress, problem -> { });
    }

    /**
     * As {@link #submitAndAwait(JobSubmission, Duration, Consumer)}, and tells {@code reconnecting} each time the
     * master it follows cannot be reached once the job is stored and it is about to try again (as
     * {@link #await(String, Duration, Consumer, Consumer)} does): what {@code grid submit --wait} shows.
     */
    public JobStatus submitAndAwait(JobSubmission submission, Duration timeout, Consumer<JobStatus> progress,
            Consumer<GridException> reconnecting) throws IOException {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(reconnecting, "reconnecting");
        SubmitJobRequest request = request(submission);
        long end = System.nanoTime() + timeout.toNanos();
        // the call lasts the wait, but at least the call timeout: the submission's acknowledgement has that long
        Duration callLimit = timeout.compareTo(callTimeout) > 0 ? timeout : callTimeout;
        Duration limit = callLimit.compareTo(MAX_WATCH_CALL) < 0 ? callLimit : MAX_WATCH_CALL;
        Watched watched;
        try {
            watched = call("submit the job", Retry.NOT_DELIVERED, e -> {
                Context.CancellableContext ctx = Context.current().withCancellation();
                try {
                    Iterator<JobStatus> updates = ctx.call(() -> e.blocking
                            .withDeadlineAfter(limit.toMillis(), TimeUnit.MILLISECONDS).submitAndWatch(request));
                    if (!updates.hasNext()) {
                        throw new GridException(Status.Code.INTERNAL, "the master ended SubmitAndWatch without "
                                + "the job's status");
                    }
                    return new Watched(ctx, updates, updates.next()); // the first: the job is stored
                } catch (RuntimeException failed) {
                    ctx.close();
                    throw failed;
                } catch (Exception failed) {
                    ctx.close();
                    throw new GridException(Status.Code.UNKNOWN, failed.toString(), failed);
                }
            });
        } catch (GridException e) {
            if (e.code() != Status.Code.UNIMPLEMENTED) {
                throw e;
            }
            // a master of a version before SubmitAndWatch: the two calls
            String id = submit(submission);
            return await(id, Duration.ofNanos(Math.max(1, end - System.nanoTime())), progress, reconnecting);
        }
        String id = watched.first().getId();
        java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
        try (Context.CancellableContext ctx = watched.ctx()) {
            if (limit.compareTo(timeout) > 0) {
                // the call outlives the wait (a wait shorter than the call timeout): end it when the wait is over
                CompletableFuture.delayedExecutor(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)
                        .execute(() -> {
                            timedOut.set(true);
                            ctx.cancel(null);
                        });
            }
            JobStatus status = watched.first();
            progress.accept(status);
            if (isTerminal(status.getState())) {
                return status;
            }
            while (watched.updates().hasNext()) {
                status = watched.updates().next();
                progress.accept(status);
                if (isTerminal(status.getState())) {
                    return status;
                }
            }
        } catch (StatusRuntimeException e) {
            // the call broke once the job was stored (its master going away, the call's deadline): wait as await does
            if (timedOut.get()) {
                throw new GridException(Status.Code.DEADLINE_EXCEEDED, "job " + id + " did not end within " + timeout);
            }
            if (e.getStatus().getCode() != Status.Code.UNAVAILABLE
                    && e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
                throw problem(e, endpoints.get(current.get()));
            }
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                GridException problem = problem(e, endpoints.get(current.get()));
                if (problem.isTlsFailure()) {
                    throw problem;
                }
                reconnecting.accept(problem);
            }
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
            throw new GridException(Status.Code.DEADLINE_EXCEEDED, "job " + id + " did not end within " + timeout);
        }
        return await(id, Duration.ofNanos(left), progress, reconnecting);
    }

    /** A SubmitAndWatch call under way: its context (closing it cancels the call), its stream and its first status. */
    private record Watched(Context.CancellableContext ctx, Iterator<JobStatus> updates, JobStatus first) {}

    /** The SubmitJob request of {@code submission}, its jar uploaded first if the master may not hold it. */
    private SubmitJobRequest request(JobSubmission submission) throws IOException {
        String sha256 = submission.jarSha256().isPresent() ? submission.jarSha256().get()
                : uploadJar(submission.jar().orElseThrow());
        return SubmitJobRequest.newBuilder()
                .setJarSha256(sha256)
                .setJobClass(submission.jobClass())
                .putAllArgs(submission.args())
                .setOptions(options(submission))
                .putAllData(submission.data())
                .addAllAfter(submission.after())
                .build();
    }

    // ---- the data grid (see data.proto) ----

    /** {@link #putData(Path, String, int)} under the file's name, with the master's default replicas. */
    public io.gridwork.api.v1.DataSet putData(Path file) throws IOException {
        return putData(file, null, 0);
    }

    /**
     * Stores a file in the data grid and returns its data set (its {@code id} names it from then on: the same bytes
     * always give the same id, and putting them again gives the same data set).
     *
     * <pre>{@code
     * DataSet text = client.putData(Path.of("corpus.txt"), "corpus", 3);
     * client.submit(JobSubmission.builder().jar(jar).jobClass("io.gridwork.examples.WordCountJob")
     *         .data("text", text.getId()).build());
     * }</pre>
     *
     * <p>The file is read twice and never held in memory: once to compute its id, then to send it in pieces of 1 MiB
     * while hashing it again. If it changes meanwhile (its size or modification time, or bytes that no longer give
     * that id), the put is cancelled before its last byte, so that the master keeps nothing, and
     * {@link FileChangedException} is thrown.
     *
     * @param name     a label for people (null or blank: the file's name)
     * @param replicas how many workers should hold each chunk (0: the master's default)
     * @throws java.nio.file.NoSuchFileException no such file
     * @throws FileChangedException              the file changed while it was put
     * @throws GridException                     the master refused the put or could not be reached
     */
    public io.gridwork.api.v1.DataSet putData(Path file, String name, int replicas) throws IOException {
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must not be negative, got " + replicas);
        }
        java.nio.file.attribute.BasicFileAttributes before = attributes(file);
        if (!before.isRegularFile()) {
            throw new java.nio.file.FileSystemException(file.toString(), null, "not a regular file");
        }
        String label = name == null || name.isBlank() ? String.valueOf(file.getFileName()) : name;
        String id = dataId(file);
        try {
            // the same bytes give the same data set: putting them again (on another master) does no harm
            return call("put the data set", Retry.IDEMPOTENT, e -> {
                try {
                    return putData(e, file, label, replicas, before, id);
                } catch (IOException io) {
                    throw new UncheckedIOException(io);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The id a file would have as a data set (see {@code DataLayout}), computed as it is read. */
    public static String dataId(Path file) throws IOException {
        io.gridwork.internal.data.DataLayout.Hasher hasher = new io.gridwork.internal.data.DataLayout.Hasher();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                hasher.update(buffer, 0, n);
            }
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        return hasher.finish();
    }

    private static java.nio.file.attribute.BasicFileAttributes attributes(Path file) throws IOException {
        try {
            return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
    }

    /**
     * Streams the file to one master. The piece that completes the announced size is sent only after the file was
     * found unchanged, so a changed file is cancelled before the master could store it.
     */
    private io.gridwork.api.v1.DataSet putData(Endpoint endpoint, Path file, String name, int replicas,
            java.nio.file.attribute.BasicFileAttributes before, String id) throws IOException {
        long size = before.size();
        Duration deadline = callTimeout.plusSeconds(size / (1 << 20));
        UpStream<io.gridwork.api.v1.PutDataRequest, io.gridwork.api.v1.DataSet> up = new UpStream<>(
                observer -> endpoint.async.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).putData(observer));
        io.gridwork.internal.data.DataLayout.Hasher hasher = new io.gridwork.internal.data.DataLayout.Hasher();
        try (InputStream in = Files.newInputStream(file)) {
            up.send(io.gridwork.api.v1.PutDataRequest.newBuilder().setHeader(io.gridwork.api.v1.PutDataRequest.Header
                    .newBuilder().setName(name).setReplicas(replicas).setSize(size)).build());
            byte[] buffer = new byte[io.gridwork.internal.data.DataLayout.PIECE_SIZE];
            long sent = 0;
            while (true) {
                int n = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, size - sent));
                hasher.update(buffer, 0, n);
                boolean last = sent + n == size;
                if (n == 0 && !last) {
                    up.cancel("the file changed");
                    throw new FileChangedException(file, "it has " + sent + " bytes now, " + size + " before");
                }
                if (last) {
                    String changed = changed(file, in, before, hasher, id);
                    if (changed != null) {
                        up.cancel("the file changed");
                        throw new FileChangedException(file, changed);
                    }
                }
                if (n > 0 && !up.send(io.gridwork.api.v1.PutDataRequest.newBuilder()
                        .setData(ByteString.copyFrom(buffer, 0, n)).build())) {
                    break; // the master answered early (an error): up.finish() throws it
                }
                sent += n;
                if (last) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            up.cancel("the put failed: " + e);
            throw e;
        }
        return up.finish(deadline, "put of " + file);
    }

    /** Why the file differs from when it was first read (null: it does not), once its last announced byte is read. */
    private static String changed(Path file, InputStream in, java.nio.file.attribute.BasicFileAttributes before,
            io.gridwork.internal.data.DataLayout.Hasher hasher, String id) throws IOException {
        if (in.read() >= 0) {
            return "it grew beyond " + before.size() + " bytes";
        }
        java.nio.file.attribute.BasicFileAttributes now = attributes(file);
        if (now.size() != before.size()) {
            return "size " + before.size() + " -> " + now.size() + " bytes";
        }
        if (!now.lastModifiedTime().equals(before.lastModifiedTime())) {
            return "modified at " + now.lastModifiedTime() + ", " + before.lastModifiedTime() + " before";
        }
        String sentId = hasher.finish();
        if (!sentId.equals(id)) {
            return "its bytes give the id " + sentId + ", " + id + " before";
        }
        return null;
    }

    /** Every data set the caller may see (a submitter: its own; an admin: all), as {@code grid data ls} lists them. */
    public List<io.gridwork.api.v1.DataSet> listData() {
        return call("list the data sets", Retry.IDEMPOTENT, e -> stub(e).listData(
                io.gridwork.api.v1.ListDataRequest.getDefaultInstance())).getDataSetsList();
    }

    /**
     * One data set.
     *
     * @throws GridException NOT_FOUND when there is no such data set (or the caller may not see it)
     */
    public io.gridwork.api.v1.DataSet dataSet(String id) {
        requireDataId(id);
        List<io.gridwork.api.v1.DataSet> found = call("get the data set", Retry.IDEMPOTENT, e -> stub(e).listData(
                io.gridwork.api.v1.ListDataRequest.newBuilder().setId(id).build())).getDataSetsList();
        return found.stream().filter(d -> d.getId().equals(id)).findFirst().orElseThrow(() -> new GridException(
                Status.Code.NOT_FOUND, "no data set " + id));
    }

    /**
     * Writes a data set to {@code out}: its bytes go to a temporary file next to it, are checked against the data
     * set's id (every chunk's hash and the root), and only then is the file moved to {@code out} (replacing a file
     * there). On any failure {@code out} is left as it was. Returns the data set.
     *
     * @throws GridException NOT_FOUND for an unknown id; DATA_LOSS when the bytes do not give the id
     */
    public io.gridwork.api.v1.DataSet getData(String id, Path out) throws IOException {
        io.gridwork.api.v1.DataSet set = dataSet(id);
        Path target = out.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".part");
        try {
            Duration deadline = callTimeout.plusSeconds(set.getSize() / (1 << 20));
            try {
                call("get the data set", Retry.IDEMPOTENT, e -> {
                    try {
                        receive(e, set, temp, deadline);
                        return null;
                    } catch (IOException io) {
                        throw new UncheckedIOException(io);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            try {
                Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return set;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Streams a data set from one master into {@code temp} (from its start), verifying it against its id. */
    private void receive(Endpoint endpoint, io.gridwork.api.v1.DataSet set, Path temp, Duration deadline)
            throws IOException {
        io.gridwork.internal.data.DataLayout.Hasher hasher = new io.gridwork.internal.data.DataLayout.Hasher(
                set.getChunkSize() > 0 ? set.getChunkSize() : io.gridwork.internal.data.DataLayout.CHUNK_SIZE);
        try (Context.CancellableContext ctx = Context.current().withCancellation();
                java.io.OutputStream file = Files.newOutputStream(temp)) {
            Context previous = ctx.attach();
            try {
                Iterator<io.gridwork.api.v1.ChunkPiece> pieces = endpoint.blocking
                        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                        .getData(io.gridwork.api.v1.GetDataRequest.newBuilder().setId(set.getId()).build());
                boolean first = true;
                while (pieces.hasNext()) {
                    io.gridwork.api.v1.ChunkPiece piece = pieces.next();
                    if (first && piece.getTotalSize() != 0 && piece.getTotalSize() != set.getSize()) {
                        throw new GridException(Status.Code.DATA_LOSS, "the master announced " + piece.getTotalSize()
                                + " bytes of data set " + set.getId() + ", which has " + set.getSize());
                    }
                    first = false;
                    byte[] bytes = piece.getData().toByteArray();
                    if (hasher.size() + bytes.length > set.getSize()) {
                        throw new GridException(Status.Code.DATA_LOSS, "the master sent more than the "
                                + set.getSize() + " bytes of data set " + set.getId());
                    }
                    hasher.update(bytes, 0, bytes.length);
                    file.write(bytes);
                }
            } finally {
                ctx.detach(previous);
            }
        }
        if (hasher.size() != set.getSize()) {
            throw new GridException(Status.Code.DATA_LOSS, "the master sent " + hasher.size() + " of the "
                    + set.getSize() + " bytes of data set " + set.getId());
        }
        String got = hasher.finish();
        if (!got.equals(set.getId())) {
            throw new GridException(Status.Code.DATA_LOSS, "the bytes received give the id " + got + ", not "
                    + set.getId() + ": nothing was written");
        }
    }

    /**
     * Deletes a data set; returns it as it was.
     *
     * @throws GridException NOT_FOUND for an unknown id; FAILED_PRECONDITION (naming the job) while a job that has
     *     not ended reads it
     */
    public io.gridwork.api.v1.DataSet deleteData(String id) {
        requireDataId(id);
        return call("delete the data set", Retry.NOT_DELIVERED, e -> stub(e).deleteData(
                io.gridwork.api.v1.DeleteDataRequest.newBuilder().setId(id).build()));
    }

    private static void requireDataId(String id) {
        if (!io.gridwork.internal.data.DataLayout.isId(id)) {
            throw new IllegalArgumentException("'" + id + "' is not a data set id (64 lowercase hex digits; grid data ls "
                    + "lists them)");
        }
    }

    /**
     * A client-streaming call as a sender that respects flow control: {@link #send} waits until the transport is
     * ready, {@link #finish} half-closes and waits for the answer.
     */
    private static final class UpStream<Q, A> {
        private final CompletableFuture<A> done = new CompletableFuture<>();
        private final Semaphore ready = new Semaphore(0);
        private final ClientCallStreamObserver<Q> requests;

        @SuppressWarnings("unchecked")
        UpStream(java.util.function.Function<io.grpc.stub.StreamObserver<A>, io.grpc.stub.StreamObserver<Q>> start) {
            ClientResponseObserver<Q, A> observer = new ClientResponseObserver<>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
                    requestStream.setOnReadyHandler(ready::release);
                }

                @Override
                public void onNext(A value) {
                    done.complete(value);
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    done.complete(null);
                }
            };
            this.requests = (ClientCallStreamObserver<Q>) start.apply(observer);
        }

        /** Sends one message once the transport can take it; false if the call already ended (it failed). */
        boolean send(Q message) {
            try {
                while (!requests.isReady() && !done.isDone()) {
                    ready.tryAcquire(100, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                requests.cancel("interrupted", e);
                Thread.currentThread().interrupt();
                throw new GridException(Status.Code.CANCELLED, "interrupted");
            }
            if (done.isDone()) {
                return false;
            }
            requests.onNext(message);
            return true;
        }

        /** Cancels the call (nothing sent is kept); harmless once it ended. */
        void cancel(String why) {
            if (!done.isDone()) {
                requests.cancel(why, null);
            }
        }

        /** Half-closes and waits for the answer; a failed call is thrown as its gRPC exception. */
        A finish(Duration deadline, String what) {
            requests.onCompleted();
            try {
                A answer = done.get(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS);
                if (answer == null) {
                    throw new GridException(Status.Code.INTERNAL, "the master did not answer the " + what);
                }
                return answer;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof StatusRuntimeException) {
                    throw (StatusRuntimeException) e.getCause();
                }
                throw new GridException(Status.Code.UNKNOWN, what + " failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GridException(Status.Code.CANCELLED, "interrupted during the " + what);
            } catch (TimeoutException e) {
                throw new GridException(Status.Code.DEADLINE_EXCEEDED, "the " + what + " timed out");
            }
        }
    }

    /** Uploads the jar if needed and creates the schedule; returns it, with its next fire times. */
    public io.gridwork.api.v1.Schedule createSchedule(ScheduleSubmission schedule) throws IOException {
        JobSubmission job = schedule.job();
        if (!job.data().isEmpty()) {
            throw new IllegalArgumentException("a schedule cannot take data sets (data " + String.join(", ",
                    job.data().keySet()) + "): submit the job instead");
        }
        if (!job.after().isEmpty()) {
            throw new IllegalArgumentException("a schedule cannot run after jobs (after " + String.join(", ",
                    job.after()) + "): submit the pipeline from the scheduled program instead");
        }
        String sha256 = job.jarSha256().isPresent() ? job.jarSha256().get() : uploadJar(job.jar().orElseThrow());
        io.gridwork.api.v1.CreateScheduleRequest.Builder request = io.gridwork.api.v1.CreateScheduleRequest.newBuilder()
                .setName(schedule.name())
                .setJarSha256(sha256)
                .setJobClass(job.jobClass())
                .putAllArgs(job.args())
                .setOptions(options(job))
                .setMisfire(schedule.misfire())
                .setOverlap(schedule.overlap());
        if (schedule.cron() != null) {
            request.setCron(schedule.cron());
        }
        if (schedule.timezone() != null) {
            request.setTimezone(schedule.timezone().getId());
        }
        if (schedule.at() != null) {
            request.setAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(schedule.at().getEpochSecond())
                    .setNanos(schedule.at().getNano()));
        }
        return call("create the schedule", Retry.NOT_DELIVERED, e -> stub(e).createSchedule(request.build()));
    }

    /** Every schedule (a submitter's own only), by name. */
    public List<io.gridwork.api.v1.Schedule> schedules() {
        return call("list schedules", Retry.IDEMPOTENT, e -> stub(e).listSchedules(
                io.gridwork.api.v1.ListSchedulesRequest.getDefaultInstance())).getSchedulesList();
    }

    /** A schedule with its next fire times and its {@code runs} most recent firings (0: the default, 20). */
    public io.gridwork.api.v1.Schedule schedule(String name, int runs) {
        return call("get the schedule", Retry.IDEMPOTENT, e -> stub(e).getSchedule(
                io.gridwork.api.v1.GetScheduleRequest.newBuilder().setName(name).setRuns(runs).build()));
    }

    public io.gridwork.api.v1.Schedule pauseSchedule(String name) {
        return call("pause the schedule", Retry.IDEMPOTENT, e -> stub(e).pauseSchedule(scheduleRequest(name)));
    }

    /** Resumes a paused schedule; a fire time missed while paused follows its misfire policy. */
    public io.gridwork.api.v1.Schedule resumeSchedule(String name) {
        return call("resume the schedule", Retry.IDEMPOTENT, e -> stub(e).resumeSchedule(scheduleRequest(name)));
    }

    /** Removes a schedule and its history (the jobs it started stay); returns it as it was. */
    public io.gridwork.api.v1.Schedule removeSchedule(String name) {
        return call("remove the schedule", Retry.NOT_DELIVERED, e -> stub(e).deleteSchedule(scheduleRequest(name)));
    }

    private static io.gridwork.api.v1.ScheduleRequest scheduleRequest(String name) {
        return io.gridwork.api.v1.ScheduleRequest.newBuilder().setName(name).build();
    }

    private static JobOptions options(JobSubmission submission) {
        return JobOptions.newBuilder()
                .setMaxAttempts(submission.maxAttempts())
                .setTaskTimeoutMs(submission.taskTimeout().toMillis())
                .setRequire(submission.require())
                .setSlotsPerTask(submission.slotsPerTask())
                .setPriority(submission.priority())
                .setNoSpeculation(submission.noSpeculation())
                .setQuorum(submission.quorum())
                .setQuorumMax(submission.quorumMax())
                .build();
    }

    /** The job's status now. */
    public JobStatus status(String jobId) {
        return call("get the job", Retry.IDEMPOTENT, e -> stub(e).getJob(GetJobRequest.newBuilder().setJobId(jobId).build()));
    }

    /**
     * A job's task attempts with their logs (see {@code GetTaskLogs} in client.proto): the attempts that ended, in the
     * order they ended, after {@code request.after_seq}, then those running now. For example, every attempt of task 3:
     * <pre>{@code
     * GetTaskLogsResponse r = client.taskLogs(GetTaskLogsRequest.newBuilder().setJobId(id).setTask(3).build());
     * r.getAttemptsList().forEach(a -> System.out.println(a.getAttempt() + " " + a.getOutcome() + "\n" + a.getLog()));
     * }</pre>
     * To follow a job, call again with {@code after_seq} set to the response's {@code next_after_seq} until
     * {@code job_ended}.
     */
    public io.gridwork.api.v1.GetTaskLogsResponse taskLogs(io.gridwork.api.v1.GetTaskLogsRequest request) {
        return call("read the task logs", Retry.IDEMPOTENT, e -> stub(e).getTaskLogs(request));
    }

    /** The most recent jobs, newest first. */
    public List<JobStatus> jobs(int limit) {
        return call("list jobs", Retry.IDEMPOTENT, e -> stub(e).listJobs(ListJobsRequest.newBuilder().setLimit(limit).build()))
                .getJobsList();
    }

    /** The most recent jobs a schedule started, newest first. */
    public List<JobStatus> jobs(int limit, String schedule) {
        return call("list jobs", Retry.IDEMPOTENT, e -> stub(e).listJobs(ListJobsRequest.newBuilder().setLimit(limit)
                .setSchedule(schedule).build())).getJobsList();
    }

    /**
     * The most recent jobs that match {@code request} (its states, schedule, owner and job class; its limit), newest
     * first.
     */
    public List<JobStatus> jobs(ListJobsRequest request) {
        return call("list jobs", Retry.IDEMPOTENT, e -> stub(e).listJobs(request)).getJobsList();
    }

    /** Cancels a job that has not ended; returns its status after the cancellation. */
    public JobStatus cancel(String jobId, String reason) {
        return call("cancel the job", Retry.IDEMPOTENT, e -> stub(e).cancelJob(
                CancelJobRequest.newBuilder().setJobId(jobId).setReason(reason == null ? "" : reason).build()));
    }

    /** The workers the master knows; departed (DEAD or LEFT) ones only if asked for. */
    public List<WorkerInfo> workers(boolean includeDeparted) {
        return call("list workers", Retry.IDEMPOTENT, e -> stub(e).listWorkers(
                ListWorkersRequest.newBuilder().setIncludeDeparted(includeDeparted).build())).getWorkersList();
    }

    /**
     * Drains a worker (by name or id): it gets no new tasks, its running ones finish, and it shows DRAINING until
     * {@link #undrainWorker}. Admins only.
     */
    public WorkerInfo drainWorker(String worker) {
        return call("drain the worker", Retry.IDEMPOTENT, e -> stub(e).drainWorker(
                io.gridwork.api.v1.DrainWorkerRequest.newBuilder().setWorker(worker).setDrain(true).build()));
    }

    /**
     * Clears a worker's trust record from quorum jobs (by its name or id), so a worker excluded for its disagreements
     * takes quorum jobs' tasks again. Admins only.
     */
    public WorkerInfo resetTrust(String worker) {
        return call("reset the worker's trust record", Retry.IDEMPOTENT, e -> stub(e).resetTrust(
                io.gridwork.api.v1.ResetTrustRequest.newBuilder().setWorker(worker).build()));
    }

    /** Lets a drained worker take tasks again. Admins only. */
    public WorkerInfo undrainWorker(String worker) {
        return call("undrain the worker", Retry.IDEMPOTENT, e -> stub(e).drainWorker(
                io.gridwork.api.v1.DrainWorkerRequest.newBuilder().setWorker(worker).setDrain(false).build()));
    }

    /**
     * Follows the workers' state changes: calls {@code listener} with up to {@code history} recent events, then
     * with each new one, until the thread is interrupted or {@code until} passes. Rides out a master restart
     * (it reconnects with backoff and asks for nothing it has seen). With several masters, when the one it follows
     * goes away it follows the next one from then on (each master numbers the events of the workers connected to
     * it, so history is not replayed across the switch).
     */
    public void watchWorkers(int history, Instant until, Consumer<io.gridwork.api.v1.WorkerEvent> listener) {
        long lastSeq = -1;
        Duration backoff = Duration.ofMillis(100);
        int ask = history;
        int failures = 0;
        int followed = current.get();
        while (Instant.now().isBefore(until) && !Thread.currentThread().isInterrupted()) {
            Duration left = Duration.between(Instant.now(), until);
            Duration callLimit = left.compareTo(MAX_WATCH_CALL) < 0 ? left : MAX_WATCH_CALL;
            int index = current.get();
            Endpoint endpoint = endpoints.get(index);
            if (index != followed) {
                lastSeq = -1; // another master's numbering
                ask = 0;
                followed = index;
            }
            long[] seen = {lastSeq};
            try (Context.CancellableContext ctx = Context.current().withCancellation()) {
                int askNow = ask;
                ctx.run(() -> {
                    Iterator<io.gridwork.api.v1.WorkerEvent> events = endpoint.blocking
                            .withDeadlineAfter(Math.max(1, callLimit.toMillis()), TimeUnit.MILLISECONDS)
                            .watchWorkers(io.gridwork.api.v1.WatchWorkersRequest.newBuilder().setHistory(askNow).build());
                    while (events.hasNext()) {
                        io.gridwork.api.v1.WorkerEvent e = events.next();
                        if (e.getSeq() > seen[0]) {
                            seen[0] = e.getSeq();
                            listener.accept(e);
                        }
                    }
                });
                lastSeq = seen[0];
                backoff = Duration.ofMillis(100);
                failures = 0;
            } catch (StatusRuntimeException e) {
                lastSeq = seen[0];
                Status.Code code = e.getStatus().getCode();
                if (code == Status.Code.CANCELLED && Thread.currentThread().isInterrupted()) {
                    return; // the caller was interrupted: stop following
                }
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
                    throw problem(e, endpoint);
                }
                if (code == Status.Code.UNAVAILABLE) {
                    failures++;
                    if (endpoints.size() > 1) {
                        current.compareAndSet(index, (index + 1) % endpoints.size());
                    }
                    if (failures % endpoints.size() == 0) {
                        sleep(backoff);
                        backoff = backoff.multipliedBy(2).compareTo(RECONNECT_BACKOFF_MAX) > 0 ? RECONNECT_BACKOFF_MAX
                                : backoff.multipliedBy(2);
                    }
                }
            }
            ask = 1000; // after a reconnect, catch up on what happened meanwhile (seen events are skipped)
        }
    }

    /**
     * The masters of the grid as the master that answers sees them (id, address, state, epoch, jobs, lease age), and
     * its {@code events} most recent master events (oldest first; 0: none).
     */
    public io.gridwork.api.v1.ListMastersResponse masters(int events) {
        return call("list the masters", Retry.IDEMPOTENT, e -> stub(e).listMasters(
                io.gridwork.api.v1.ListMastersRequest.newBuilder().setEvents(events).build()));
    }

    /**
     * Any other call of the client service (tokens, the audit log), with this client's deadline and credentials:
     * {@code client.call(stub -> stub.listTokens(ListTokensRequest.getDefaultInstance()))}.
     */
    public <T> T call(java.util.function.Function<ClientServiceGrpc.ClientServiceBlockingStub, T> call) {
        return call("call the master", Retry.NOT_DELIVERED, e -> call.apply(stub(e)));
    }

    /** The result of a job that succeeded. */
    public JobResult result(String jobId) {
        return call("get the result", Retry.IDEMPOTENT, e -> {
            Iterator<ResultChunk> chunks = stub(e).getResult(GetResultRequest.newBuilder().setJobId(jobId).build());
            ResultHeader header = null;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            while (chunks.hasNext()) {
                ResultChunk chunk = chunks.next();
                if (chunk.hasHeader()) {
                    header = chunk.getHeader();
                } else {
                    bytes.writeBytes(chunk.getData().toByteArray());
                }
            }
            if (header == null) {
                throw new GridException(Status.Code.INTERNAL, "the master sent no result header for job " + jobId);
            }
            if (bytes.size() != header.getSize()) {
                throw new GridException(Status.Code.DATA_LOSS, "result of job " + jobId + " is " + bytes.size()
                        + " bytes, the master announced " + header.getSize());
            }
            return new JobResult(jobId, header.getMediaType(), bytes.toByteArray(),
                    header.hasText() ? header.getText() : null);
        });
    }

    /**
     * Waits until the job ends and returns its final status; {@code progress} sees each status on the way.
     * If the master becomes unreachable, keeps trying (with backoff) for up to {@link Builder#reconnectTimeout} at
     * a time, so a wait rides out a master restart; with several masters it watches again on the next one at once,
     * so it rides out a failover (the status then names the master that took the job over). Throws
     * {@link GridException} (UNAVAILABLE) if no master answers for longer than that, and with
     * {@code DEADLINE_EXCEEDED} when {@code timeout} runs out.
     */
    public JobStatus await(String jobId, Duration timeout, Consumer<JobStatus> progress) {
        return await(jobId, timeout, progress, problem -> { });
    }

    /**
     * As {@link #await(String, Duration, Consumer)}, and tells {@code reconnecting} each time the master it follows
     * cannot be reached and it is about to try again (with what went wrong), so that a caller can say so while it
     * waits.
     */
    public JobStatus await(String jobId, Duration timeout, Consumer<JobStatus> progress,
            Consumer<GridException> reconnecting) {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(reconnecting, "reconnecting");
        Instant end = Instant.now().plus(timeout);
        Duration backoff = Duration.ofMillis(100);
        Instant unreachableSince = null;
        int failures = 0;
        while (true) {
            Duration left = Duration.between(Instant.now(), end);
            if (left.isNegative() || left.isZero()) {
                throw new GridException(Status.Code.DEADLINE_EXCEEDED, "job " + jobId + " did not end within " + timeout);
            }
            Duration callLimit = left.compareTo(MAX_WATCH_CALL) < 0 ? left : MAX_WATCH_CALL;
            int index = current.get();
            Endpoint endpoint = endpoints.get(index);
            boolean[] heard = {false};
            try (Context.CancellableContext ctx = Context.current().withCancellation()) {
                JobStatus last = ctx.call(() -> {
                    Iterator<JobStatus> updates = endpoint.blocking
                            .withDeadlineAfter(callLimit.toMillis(), TimeUnit.MILLISECONDS)
                            .watchJob(WatchJobRequest.newBuilder().setJobId(jobId).build());
                    JobStatus status = null;
                    while (updates.hasNext()) {
                        status = updates.next();
                        heard[0] = true;
                        progress.accept(status);
                        if (isTerminal(status.getState())) {
                            return status;
                        }
                    }
                    return status;
                });
                if (last != null && isTerminal(last.getState())) {
                    return last;
                }
                // the stream ended before the job did (its master is going away): watch again
                backoff = Duration.ofMillis(100);
                unreachableSince = null;
                failures = 0;
            } catch (StatusRuntimeException e) {
                if (heard[0]) {
                    // the master answered, then went away: a new outage starts now
                    backoff = Duration.ofMillis(100);
                    unreachableSince = null;
                    failures = 0;
                }
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
                    throw problem(e, endpoint);
                }
                if (code == Status.Code.UNAVAILABLE) {
                    GridException problem = problem(e, endpoint);
                    if (problem.isTlsFailure()) {
                        throw problem;
                    }
                    unreachableSince = unreachableSince == null ? Instant.now() : unreachableSince;
                    if (Duration.between(unreachableSince, Instant.now()).compareTo(reconnectTimeout) > 0) {
                        throw endpoints.size() == 1 ? problem : new GridException(Status.Code.UNAVAILABLE,
                                "no master of " + target + " answered for " + reconnectTimeout.toSeconds()
                                + " s; last: " + problem.getMessage(), e);
                    }
                    failures++;
                    reconnecting.accept(problem);
                    if (endpoints.size() > 1) {
                        current.compareAndSet(index, (index + 1) % endpoints.size());
                        if (failures % endpoints.size() != 0) {
                            continue; // the next master at once; back off after a whole round
                        }
                    }
                }
                Duration wait = Duration.between(Instant.now(), end);
                sleep(backoff.compareTo(wait) < 0 ? backoff : wait.isNegative() ? Duration.ZERO : wait);
                backoff = backoff.multipliedBy(2).compareTo(RECONNECT_BACKOFF_MAX) > 0 ? RECONNECT_BACKOFF_MAX
                        : backoff.multipliedBy(2);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new GridException(Status.Code.UNKNOWN, e.toString(), e);
            }
        }
    }

    /** Whether a job in this state has ended. */
    public static boolean isTerminal(JobStatus.State state) {
        return state == JobStatus.State.SUCCEEDED || state == JobStatus.State.FAILED
                || state == JobStatus.State.CANCELLED;
    }

    /** The lower-case hex SHA-256 of a file. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public void close() {
        for (ManagedChannel channel : ownedChannels) {
            channel.shutdown();
        }
        for (ManagedChannel channel : ownedChannels) {
            try {
                if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (eventLoops != null) {
            eventLoops.close();
        }
    }

    /** A failed call as an exception for the caller: a missing token is told in this client's own terms. */
    private GridException problem(StatusRuntimeException e, Endpoint endpoint) {
        if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED && !hasToken) {
            return new GridException(Status.Code.UNAUTHENTICATED, "missing credential: " + hints.noToken(), e);
        }
        return GridException.of(e, endpoint.target);
    }

    private ClientServiceGrpc.ClientServiceBlockingStub stub(Endpoint endpoint) {
        return endpoint.blocking.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs {@code call} on the master that answered last; on an UNAVAILABLE that {@code retry} allows, goes on to
     * the next master, round after round with a short backoff between rounds, until {@link Builder#callTimeout}
     * has passed since the first try. With one master it tries once.
     */
    private <T> T call(String what, Retry retry, java.util.function.Function<Endpoint, T> call) {
        int n = endpoints.size();
        long deadline = System.nanoTime() + callTimeout.toNanos();
        Duration backoff = ROUND_BACKOFF_FIRST;
        Map<String, String> failed = new LinkedHashMap<>();
        int failures = 0;
        while (true) {
            int index = current.get();
            Endpoint endpoint = endpoints.get(index);
            try {
                T result = call.apply(endpoint);
                current.set(index); // stay with the master that answered
                return result;
            } catch (StatusRuntimeException e) {
                GridException problem = problem(e, endpoint);
                if (n == 1 || !failsOver(e, problem, retry)) {
                    throw problem;
                }
                failed.put(endpoint.target, problem.getMessage());
                current.compareAndSet(index, (index + 1) % n);
                failures++;
                if (failures % n == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= backoff.toNanos()) {
                        throw new GridException(Status.Code.UNAVAILABLE, "cannot " + what + ": no master of " + target
                                + " took the call (" + String.join("; ", failed.values()) + ")", e);
                    }
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(ROUND_BACKOFF_MAX) > 0 ? ROUND_BACKOFF_MAX
                            : backoff.multipliedBy(2);
                }
            }
        }
    }

    /** Whether a failed call may go on to the next master. */
    private static boolean failsOver(StatusRuntimeException e, GridException problem, Retry retry) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || problem.isTlsFailure()) {
            return false;
        }
        return retry == Retry.IDEMPOTENT || notDelivered(e.getStatus());
    }

    /**
     * Whether an UNAVAILABLE proves that no master acted on the call: the connection was never made (refused, no
     * route, unknown host), or a standby refused it. A connection that broke while the call was under way proves
     * nothing: the master may have stored a job and died before it answered.
     */
    static boolean notDelivered(Status status) {
        String description = status.getDescription();
        if (description != null && description.toLowerCase(java.util.Locale.ROOT).startsWith(STANDBY_REFUSAL)) {
            return true;
        }
        for (Throwable t = status.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GridException(Status.Code.CANCELLED, "interrupted");
        }
    }

    /** Builds a {@link GridClient}: the master's address, a token, and how to check the master's certificate. */
    public static final class Builder {
        private String target;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration reconnectTimeout = DEFAULT_RECONNECT_TIMEOUT;
        private String token;
        private X509Certificate ca;
        private String caFingerprint;
        private boolean insecure;
        private boolean credentialsGiven;
        private boolean defaultCredentials = true;
        private Hints hints = Hints.JAVA;

        private Builder() {}

        /**
         * The master's address, {@code host:port}, or several masters of one grid, comma-separated
         * ({@code m1:7070,m2:7070}), tried in that order.
         */
        public Builder target(String target) {
            this.target = Objects.requireNonNull(target, "target");
            return this;
        }

        /** Deadline of each call (not of {@link #await}, which takes its own). */
        public Builder callTimeout(Duration callTimeout) {
            if (callTimeout.isNegative() || callTimeout.isZero()) {
                throw new IllegalArgumentException("callTimeout must be positive");
            }
            this.callTimeout = callTimeout;
            return this;
        }

        /** How long {@link GridClient#await} keeps trying to reach a master that went away. */
        public Builder reconnectTimeout(Duration reconnectTimeout) {
            this.reconnectTimeout = Objects.requireNonNull(reconnectTimeout, "reconnectTimeout");
            return this;
        }

        /** A bearer token ({@code gw1....}) sent with every call. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** The master's CA: its certificate must have been signed by it. */
        public Builder trustCa(X509Certificate ca) {
            this.ca = ca;
            return this;
        }

        /** The fingerprint ({@code sha256:<hex>}) of the master's CA, as a join token or {@code grid token} shows it. */
        public Builder caFingerprint(String fingerprint) {
            this.caFingerprint = GridTrust.normalize(fingerprint);
            return this;
        }

        /** Token, CA and (if not given) master address from a credentials file. */
        public Builder credentials(Credentials credentials) {
            credentialsGiven = true;
            credentials.token().ifPresent(t -> { if (token == null) { token = t; } });
            credentials.ca().ifPresent(c -> { if (ca == null && caFingerprint == null) { ca = c; } });
            credentials.master().ifPresent(m -> { if (target == null) { target = m; } });
            return this;
        }

        /**
         * Whether a client given no credentials, CA or token uses the default credentials file (see
         * {@link Credentials#findDefaultFile}); true by default. Turn it off to use only what is given here.
         */
        public Builder defaultCredentials(boolean use) {
            this.defaultCredentials = use;
            return this;
        }

        /** What the client's errors say to do about a missing credential (the default names this builder's methods). */
        public Builder hints(Hints hints) {
            this.hints = Objects.requireNonNull(hints, "hints");
            return this;
        }

        /** Plaintext, for a master started with {@code --insecure}. */
        public Builder insecure(boolean insecure) {
            this.insecure = insecure;
            return this;
        }

        /**
         * @throws GridException UNAUTHENTICATED if neither a CA nor its fingerprint was given nor found in the
         *     default credentials file (and not insecure): there would be no way to tell the real master from an
         *     impostor; or if the default credentials file cannot be read
         */
        public GridClient build() {
            String defaultsFrom = null;
            if (defaultCredentials && !insecure && !credentialsGiven && (token == null || ca == null && caFingerprint == null)) {
                Optional<Path> file = Credentials.findDefaultFile();
                if (file.isPresent()) {
                    try {
                        credentials(Credentials.read(file.get()));
                    } catch (IOException e) {
                        throw new GridException(Status.Code.UNAUTHENTICATED, "cannot read the credentials file "
                                + file.get() + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
                                : e.getMessage()), e);
                    }
                    defaultsFrom = file.get().toString();
                }
            }
            String address = target != null ? target : DEFAULT_TARGET;
            List<String> targets = Addresses.parseList(address, "target");
            ChannelCredentials transport;
            if (insecure) {
                transport = InsecureChannelCredentials.create();
            } else if (ca != null || caFingerprint != null) {
                transport = TlsChannelCredentials.newBuilder()
                        .trustManager(ca != null ? GridTrust.master(ca) : GridTrust.masterPinned(caFingerprint)).build();
            } else {
                String looked = defaultsFrom != null ? " (the credentials file " + defaultsFrom + " has none)"
                        : defaultCredentials && !credentialsGiven ? " (there is no credentials file at "
                                + Credentials.defaultFile() + ", nor one named by $" + Credentials.FILE_ENV + ")"
                        : "";
                throw new GridException(Status.Code.UNAUTHENTICATED, "no CA to check the master against" + looked
                        + ": " + hints.noCa());
            }
            List<ManagedChannel> channels = new ArrayList<>();
            EventLoops loops = EventLoops.create(targets.size());
            try {
                for (String t : targets) {
                    channels.add(loops.channelBuilder(t, transport)
                            .keepAliveTime(30, TimeUnit.SECONDS)
                            .keepAliveTimeout(10, TimeUnit.SECONDS)
                            .maxInboundMessageSize(64 << 20)
                            .build());
                }
            } catch (RuntimeException | Error e) {
                channels.forEach(ManagedChannel::shutdownNow);
                loops.close();
                throw e;
            }
            GridClient client = new GridClient(targets, channels, channels, callTimeout, reconnectTimeout, token, hints);
            client.eventLoops = loops;
            return client;
        }
    }
}
