package io.gridwork.master.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.gridwork.internal.NamedThreads;
import io.gridwork.master.core.CoreException;
import io.gridwork.master.core.JobSnapshot;
import io.gridwork.master.core.ResultData;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.core.WorkerEvent;
import io.gridwork.master.core.WorkerSnapshot;
import io.gridwork.master.model.JobState;
import io.gridwork.master.model.Role;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.rpc.ProtoViews;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.AuthException;
import io.gridwork.master.security.Principal;
import io.gridwork.master.security.TokenRegistry;
import io.gridwork.master.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's web console: the dashboard (static pages), the read-only JSON API it is built on, two actions
 * (cancel a job, drain or undrain a worker) and {@code /metrics} for Prometheus. Same credentials as the CLI: a
 * bearer token in the {@code Authorization} header; a viewer may look, a submitter may also cancel its own jobs,
 * an admin may do everything. Served over HTTPS with the master's certificate (plain HTTP on an insecure master).
 * Every list is summarised or paginated, so a grid of 1,000 workers and a job of 1,000,000 tasks stay cheap to show.
 */
public final class Console implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Console.class);
    private static final Set<Role> PEOPLE = EnumSet.of(Role.ADMIN, Role.SUBMITTER, Role.VIEWER);
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,40}");
    private static final Pattern WORKER = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private static final int MAX_PAGE = 500;
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");

    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService sampler;
    private final Scheduler scheduler;
    private final Store store;
    private final TokenRegistry tokens;
    private final Audit audit;
    private final MasterMetrics metrics;
    private final boolean insecure;
    private final Throughput throughput;
    private final Gson gson = new GsonBuilder().serializeNulls().create();
    private final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();

    private Console(HttpServer server, Scheduler scheduler, Store store, TokenRegistry tokens, Audit audit,
            MasterMetrics metrics, boolean insecure) {
        this.server = server;
        this.scheduler = scheduler;
        this.store = store;
        this.tokens = tokens;
        this.audit = audit;
        this.metrics = metrics;
        this.insecure = insecure;
        this.executor = Executors.newFixedThreadPool(4, new NamedThreads("gridwork-http", true));
        this.sampler = Executors.newSingleThreadScheduledExecutor(new NamedThreads("gridwork-http-sampler", true));
        this.throughput = new Throughput(300);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /**
     * Starts serving on {@code bindHost:port} (0: a free port).
     *
     * @param keyManagers the master's certificate and key; null for plain HTTP (an insecure master)
     */
    public static Console start(String bindHost, int port, KeyManager[] keyManagers, Scheduler scheduler, Store store,
            TokenRegistry tokens, Audit audit, MasterMetrics metrics) throws IOException {
        InetSocketAddress address = new InetSocketAddress(bindHost, port);
        // without TCP_NODELAY a small answer waits for the client's delayed ACK: 40 ms a request
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server;
        if (keyManagers == null) {
            server = HttpServer.create(address, 64);
        } else {
            HttpsServer https = HttpsServer.create(address, 64);
            try {
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(keyManagers, null, null);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("cannot set up TLS for the dashboard: " + e.getMessage(), e);
            }
            server = https;
        }
        Console console = new Console(server, scheduler, store, tokens, audit, metrics, keyManagers == null);
        server.start();
        console.sampler.scheduleWithFixedDelay(console::sample, 0, 2, TimeUnit.SECONDS);
        log.info("dashboard at {}://{}:{}/", keyManagers == null ? "http" : "https", bindHost, console.port());
        return console;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        server.stop(0);
        executor.shutdownNow();
    }

    private void sample() {
        try {
            long done = 0;
            for (WorkerSnapshot w : scheduler.workers(true)) {
                done += w.completed();
            }
            throughput.add(System.currentTimeMillis(), done);
        } catch (RuntimeException e) {
            log.debug("throughput sample failed: {}", e.toString());
        }
    }

    // ================================================================================================ routing

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            x.getResponseHeaders().set("Cache-Control", "no-store");
            try {
                if (STATIC.containsKey(path) && method.equals("GET")) {
                    serveStatic(x, STATIC.get(path));
                    return;
                }
                if (path.equals("/metrics")) {
                    requireGet(method);
                    caller(x);
                    send(x, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (!path.startsWith("/api/")) {
                    throw new HttpError(404, "no page " + path);
                }
                Principal who = caller(x);
                List<String> parts = List.of(path.substring(5).split("/"));
                Map<String, String> q = query(x.getRequestURI());
                JsonElement body = route(x, method, parts, q, who);
                if (body != null) {
                    sendJson(x, 200, body);
                }
            } catch (HttpError e) {
                sendJson(x, e.status, error(e.getMessage()));
            } catch (CoreException e) {
                sendJson(x, status(e.kind()), error(e.getMessage()));
            } catch (RuntimeException e) {
                log.warn("dashboard request {} {} failed", method, path, e);
                sendJson(x, 500, error("internal error: " + e));
            }
        }
    }

    private JsonElement route(HttpExchange x, String method, List<String> p, Map<String, String> q, Principal who)
            throws IOException {
        String head = p.get(0);
        if (p.size() == 1 && head.equals("me")) {
            requireGet(method);
            return me(who);
        }
        if (p.size() == 1 && head.equals("overview")) {
            requireGet(method);
            return overview(who);
        }
        if (head.equals("workers")) {
            if (p.size() == 1) {
                requireGet(method);
                return workers(q);
            }
            String name = checked("worker", p.get(1), WORKER);
            if (p.size() == 2) {
                requireGet(method);
                return worker(name);
            }
            if (p.size() == 3 && (p.get(2).equals("drain") || p.get(2).equals("undrain"))) {
                requirePost(method);
                return drain(who, name, p.get(2).equals("drain"));
            }
        }
        if (head.equals("jobs")) {
            if (p.size() == 1) {
                requireGet(method);
                return jobs(q, who);
            }
            String id = checked("job", p.get(1), JOB_ID);
            if (p.size() == 2) {
                requireGet(method);
                return job(id, who);
            }
            if (p.size() == 3 && p.get(2).equals("tasks")) {
                requireGet(method);
                return tasks(id, q, who);
            }
            if (p.size() == 3 && p.get(2).equals("result")) {
                requireGet(method);
                result(x, id, who);
                return null;
            }
            if (p.size() == 3 && p.get(2).equals("cancel")) {
                requirePost(method);
                return cancel(id, who);
            }
        }
        throw new HttpError(404, "no API " + String.join("/", p));
    }

    // ================================================================================================ views

    private JsonElement me(Principal who) {
        JsonObject o = new JsonObject();
        o.addProperty("name", who.name());
        o.addProperty("role", who.role().name().toLowerCase(java.util.Locale.ROOT));
        o.addProperty("canCancel", who.role() == Role.ADMIN || who.role() == Role.SUBMITTER);
        o.addProperty("canDrain", who.role() == Role.ADMIN);
        o.addProperty("insecure", insecure);
        return o;
    }

    private JsonElement overview(Principal who) {
        JsonObject o = new JsonObject();
        List<WorkerSnapshot> all = scheduler.workers(true);
        Map<WorkerState, Integer> byState = new EnumMap<>(WorkerState.class);
        int slots = 0;
        int busy = 0;
        for (WorkerSnapshot w : all) {
            byState.merge(w.state(), 1, Integer::sum);
            if (!w.state().isDeparted()) {
                slots += w.slots();
                busy += Math.min(w.running(), w.slots());
            }
        }
        JsonObject workers = new JsonObject();
        workers.addProperty("total", all.size());
        workers.addProperty("slots", slots);
        workers.addProperty("slotsInUse", busy);
        JsonObject states = new JsonObject();
        byState.forEach((s, n) -> states.addProperty(s.name(), n));
        workers.add("byState", states);
        o.add("workers", workers);
        JsonObject jobStates = new JsonObject();
        store.jobsByState().forEach(jobStates::addProperty);
        o.add("jobsByState", jobStates);
        String owner = who.seesAllJobs() ? null : who.owner();
        o.add("activeJobs", jobList(scheduler.jobs(50, EnumSet.of(JobState.QUEUED, JobState.RUNNING), owner)));
        o.add("recentJobs", jobList(scheduler.jobs(20, EnumSet.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED),
                owner)));
        JsonArray rate = new JsonArray();
        for (Throughput.Point pt : throughput.rates()) {
            JsonArray a = new JsonArray();
            a.add(pt.atMillis());
            a.add(Math.round(pt.perSecond() * 10) / 10.0);
            rate.add(a);
        }
        o.add("tasksPerSecond", rate);
        JsonArray events = new JsonArray();
        for (WorkerEvent e : scheduler.recentWorkerEvents(100)) {
            events.add(proto(ProtoViews.event(e)));
        }
        o.add("events", events);
        return o;
    }

    private JsonElement workers(Map<String, String> q) {
        int offset = intParam(q, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = intParam(q, "limit", 100, 1, MAX_PAGE);
        String state = q.get("state");
        WorkerState wanted = null;
        if (state != null && !state.isEmpty()) {
            try {
                wanted = WorkerState.valueOf(state.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "state: unknown worker state " + state);
            }
        }
        boolean departed = "true".equals(q.get("departed")) || (wanted != null && wanted.isDeparted());
        List<WorkerSnapshot> all = new ArrayList<>();
        for (WorkerSnapshot w : scheduler.workers(departed)) {
            if (wanted == null || w.state() == wanted) {
                all.add(w);
            }
        }
        JsonObject o = new JsonObject();
        o.addProperty("total", all.size());
        o.addProperty("offset", offset);
        JsonArray page = new JsonArray();
        Instant now = Instant.now();
        for (int i = offset; i < Math.min(all.size(), offset + limit); i++) {
            page.add(workerJson(all.get(i), now));
        }
        o.add("workers", page);
        return o;
    }

    private JsonObject workerJson(WorkerSnapshot w, Instant now) {
        JsonObject j = proto(ProtoViews.worker(w)).getAsJsonObject();
        j.addProperty("heartbeatAgeMs", w.lastHeartbeat() == null ? null : Duration.between(w.lastHeartbeat(), now).toMillis());
        return j;
    }

    private JsonElement worker(String name) {
        WorkerSnapshot w = scheduler.workers(true).stream().filter(s -> s.name().equals(name) || s.id().equals(name))
                .findFirst().orElseThrow(() -> new HttpError(404, "worker: no worker " + name));
        JsonObject o = new JsonObject();
        o.add("worker", workerJson(w, Instant.now()));
        JsonArray running = new JsonArray();
        for (Scheduler.RunningAttempt a : scheduler.runningOn(w.id(), 200)) {
            JsonObject r = new JsonObject();
            r.addProperty("jobId", a.jobId());
            r.addProperty("jobClass", a.jobClass());
            r.addProperty("task", a.index());
            r.addProperty("attempt", a.attempt());
            r.addProperty("speculative", a.speculative());
            r.addProperty("startedAt", a.startedAt().toString());
            running.add(r);
        }
        o.add("running", running);
        JsonArray history = new JsonArray();
        for (io.gridwork.master.store.WorkerEventRow e : store.workerEvents(w.id(), 100)) {
            JsonObject h = new JsonObject();
            h.addProperty("type", e.type().name());
            h.addProperty("reason", e.reason());
            h.addProperty("incarnation", e.incarnation());
            h.addProperty("at", e.at().toString());
            history.add(h);
        }
        o.add("history", history);
        return o;
    }

    private JsonElement jobs(Map<String, String> q, Principal who) {
        int limit = intParam(q, "limit", 50, 1, MAX_PAGE);
        Set<JobState> states = EnumSet.noneOf(JobState.class);
        String state = q.get("state");
        if (state != null && !state.isEmpty()) {
            for (String s : state.split(",")) {
                try {
                    states.add(JobState.valueOf(s.trim().toUpperCase(java.util.Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new HttpError(400, "state: unknown job state " + s);
                }
            }
        }
        JsonObject o = new JsonObject();
        o.add("jobs", jobList(scheduler.jobs(limit, states, who.seesAllJobs() ? null : who.owner())));
        return o;
    }

    private JsonArray jobList(List<JobSnapshot> jobs) {
        JsonArray a = new JsonArray();
        for (JobSnapshot j : jobs) {
            a.add(proto(ProtoViews.job(j)));
        }
        return a;
    }

    private JobSnapshot visibleJob(String id, Principal who) {
        JobSnapshot job = scheduler.job(id).orElseThrow(() -> new HttpError(404, "job: no job " + id));
        if (!who.seesAllJobs() && !job.owner().equals(who.owner())) {
            throw new HttpError(403, "job " + id + " belongs to another user");
        }
        return job;
    }

    private JsonElement job(String id, Principal who) {
        JobSnapshot job = visibleJob(id, who);
        JsonObject o = new JsonObject();
        o.add("job", proto(ProtoViews.job(job)));
        TaskSummary summary = summary(job);
        JsonObject histogram = new JsonObject();
        JsonArray bounds = new JsonArray();
        for (long b : Store.DURATION_BUCKETS_MS) {
            bounds.add(b);
        }
        JsonArray hc = new JsonArray();
        for (long c : summary.durations()) {
            hc.add(c);
        }
        histogram.add("boundsMs", bounds);
        histogram.add("counts", hc);
        o.add("durations", histogram);
        o.add("errors", summary.errors());
        o.addProperty("canCancel", !job.state().isTerminal() && (who.role() == Role.ADMIN || who.role() == Role.SUBMITTER));
        return o;
    }

    /** A job's task durations by bucket and its latest errors. */
    private record TaskSummary(long[] durations, JsonArray errors) {}

    private static final int SUMMARIES_KEPT = 64;

    /** Summaries of ended jobs: they no longer change, and reading them may take a pass over their tasks. */
    private final Map<String, TaskSummary> ended = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, TaskSummary> eldest) {
                    return size() > SUMMARIES_KEPT;
                }
            });

    /**
     * A running job's summary comes from the scheduler's memory; an ended job's from what was kept with it (its
     * durations, and its errors only if it had any), once: a page polled every second over a job of a million
     * tasks never reads them all.
     */
    private TaskSummary summary(JobSnapshot job) {
        Optional<Scheduler.JobDetail> live = scheduler.detail(job.id());
        if (live.isPresent()) {
            JsonArray errors = new JsonArray();
            List<Scheduler.TaskError> recent = live.get().errors();
            for (int i = recent.size() - 1; i >= 0; i--) {
                Scheduler.TaskError e = recent.get(i);
                JsonObject o = new JsonObject();
                o.addProperty("index", e.index());
                o.addProperty("attempt", e.attempt());
                o.addProperty("worker", e.worker());
                o.addProperty("error", e.message());
                o.addProperty("at", e.at().toString());
                errors.add(o);
            }
            return new TaskSummary(live.get().durationBuckets(), errors);
        }
        TaskSummary cached = ended.get(job.id());
        if (cached != null) {
            return cached;
        }
        long[] durations = store.jobDurations(job.id()).orElseGet(() -> store.durationHistogram(job.id()));
        boolean hadErrors = job.failed() > 0 || job.retried() > 0 || job.state() == JobState.FAILED;
        TaskSummary summary = new TaskSummary(durations,
                hadErrors ? taskArray(store.taskPage(job.id(), 0, -1, true, 20)) : new JsonArray());
        if (job.state().isTerminal()) {
            ended.put(job.id(), summary);
        }
        return summary;
    }

    private JsonElement tasks(String id, Map<String, String> q, Principal who) {
        visibleJob(id, who);
        long from = longParam(q, "from", 0);
        int limit = intParam(q, "limit", 100, 1, MAX_PAGE);
        String filter = q.getOrDefault("filter", "all");
        int state;
        boolean errors = false;
        switch (filter) {
            case "all" -> state = -1;
            case "pending" -> state = 0;
            case "succeeded" -> state = 1;
            case "failed" -> state = 2;
            case "cancelled" -> state = 3;
            case "errors" -> {
                state = -1;
                errors = true;
            }
            default -> throw new HttpError(400, "filter: one of all, pending, succeeded, failed, cancelled, errors");
        }
        List<Store.TaskView> page = store.taskPage(id, from, state, errors, limit + 1);
        JsonObject o = new JsonObject();
        o.add("tasks", taskArray(page.size() > limit ? page.subList(0, limit) : page));
        o.addProperty("next", page.size() > limit ? page.get(limit).index() : null);
        return o;
    }

    private static final String[] TASK_STATES = {"PENDING", "SUCCEEDED", "FAILED", "CANCELLED"};

    private JsonArray taskArray(List<Store.TaskView> tasks) {
        Map<String, String> names = new HashMap<>();
        if (!tasks.isEmpty()) {
            for (WorkerSnapshot w : scheduler.workers(true)) {
                names.put(w.id(), w.name());
            }
        }
        JsonArray a = new JsonArray();
        for (Store.TaskView t : tasks) {
            JsonObject o = new JsonObject();
            o.addProperty("index", t.index());
            o.addProperty("state", t.state() >= 0 && t.state() < TASK_STATES.length ? TASK_STATES[t.state()] : "?");
            o.addProperty("attempts", t.failures() + t.losses() + (t.state() == 1 ? 1 : 0));
            o.addProperty("failures", t.failures());
            o.addProperty("losses", t.losses());
            o.addProperty("worker", t.workerId() == null ? null : names.getOrDefault(t.workerId(), t.workerId()));
            o.addProperty("workerId", t.workerId());
            o.addProperty("durationMs", t.durationMs());
            o.addProperty("error", t.error());
            a.add(o);
        }
        return a;
    }

    private void result(HttpExchange x, String id, Principal who) throws IOException {
        visibleJob(id, who);
        ResultData r = scheduler.result(id);
        String type = r.mediaType() == null ? "application/octet-stream" : r.mediaType();
        x.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"" + id + ".result\"");
        send(x, 200, type, r.bytes());
    }

    private JsonElement cancel(String id, Principal who) {
        if (who.role() != Role.ADMIN && who.role() != Role.SUBMITTER) {
            throw new HttpError(403, "role " + who.role().name().toLowerCase(java.util.Locale.ROOT) + " may not cancel jobs");
        }
        visibleJob(id, who);
        try {
            JobSnapshot cancelled = scheduler.cancel(id, "cancelled from the dashboard by " + who.describe())
                    .get(30, TimeUnit.SECONDS);
            audit.record(who, "job.cancel", id, "from the dashboard");
            return proto(ProtoViews.job(cancelled));
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof CoreException c) {
                throw c;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new HttpError(503, "the cancellation did not complete in time: " + e);
        }
    }

    private JsonElement drain(Principal who, String name, boolean drain) {
        if (who.role() != Role.ADMIN) {
            throw new HttpError(403, "role " + who.role().name().toLowerCase(java.util.Locale.ROOT) + " may not drain workers");
        }
        WorkerSnapshot w = scheduler.drain(name, drain, who.describe());
        audit.record(who, drain ? "worker.drain" : "worker.undrain", w.name() + " (" + w.id() + ")", "from the dashboard");
        return workerJson(w, Instant.now());
    }

    // ================================================================================================ plumbing

    private Principal caller(HttpExchange x) {
        if (insecure) {
            return Principal.INSECURE;
        }
        String header = x.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new HttpError(401, "missing credential: send the header Authorization: Bearer TOKEN "
                    + "(a viewer token is enough to look: grid token create --role viewer)");
        }
        Principal p;
        try {
            p = tokens.verify(header.substring(7).trim());
        } catch (AuthException e) {
            throw new HttpError(401, e.getMessage());
        }
        if (!PEOPLE.contains(p.role())) {
            throw new HttpError(403, "a join token can only join workers");
        }
        return p;
    }

    private JsonElement proto(MessageOrBuilder m) {
        try {
            return JsonParser.parseString(printer.print(m));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonObject error(String message) {
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        return o;
    }

    private void sendJson(HttpExchange x, int status, JsonElement body) throws IOException {
        send(x, status, "application/json; charset=utf-8", gson.toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private void serveStatic(HttpExchange x, String file) throws IOException {
        try (InputStream in = Console.class.getResourceAsStream("dashboard/" + file)) {
            if (in == null) {
                throw new HttpError(404, "no page " + file);
            }
            x.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
            send(x, 200, TYPES.get(file.substring(file.lastIndexOf('.') + 1)), in.readAllBytes());
        }
    }

    private static void requireGet(String method) {
        if (!method.equals("GET")) {
            throw new HttpError(405, "use GET");
        }
    }

    private static void requirePost(String method) {
        if (!method.equals("POST")) {
            throw new HttpError(405, "use POST");
        }
    }

    private static String checked(String what, String value, Pattern pattern) {
        if (!pattern.matcher(value).matches()) {
            throw new HttpError(400, what + ": not a valid " + what + " name or id");
        }
        return value;
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> q = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private static int intParam(Map<String, String> q, String name, int def, int min, int max) {
        long v = longParam(q, name, def);
        if (v < min || v > max) {
            throw new HttpError(400, name + ": must be from " + min + " to " + max);
        }
        return (int) v;
    }

    private static long longParam(Map<String, String> q, String name, long def) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) {
            return def;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new HttpError(400, name + ": not a number: " + v);
        }
    }

    private static int status(CoreException.Kind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> 400;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, FAILED_PRECONDITION -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case PERMISSION_DENIED -> 403;
            case UNAVAILABLE -> 503;
        };
    }

    /** An HTTP error with the status it is sent with. */
    static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }
}
