package io.gridwork.master.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.gridwork.internal.NamedThreads;
import io.gridwork.master.core.CoreException;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.model.JobState;
import io.gridwork.master.model.WorkerState;
import io.gridwork.master.read.JobDetails;
import io.gridwork.master.read.JobView;
import io.gridwork.master.read.ReadModel;
import io.gridwork.master.read.ResultView;
import io.gridwork.master.read.RunningAttemptView;
import io.gridwork.master.read.TaskFilter;
import io.gridwork.master.read.TaskPage;
import io.gridwork.master.read.WorkerCounts;
import io.gridwork.master.read.WorkerEventView;
import io.gridwork.master.read.WorkerView;
import io.gridwork.master.security.AccessPolicy;
import io.gridwork.master.security.AccessPolicy.Action;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.AuthException;
import io.gridwork.master.security.Principal;
import io.gridwork.master.security.TokenRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's web console: the dashboard (static pages), the read-only JSON API it is built on, two actions
 * (cancel a job, drain or undrain a worker) and {@code /metrics} for Prometheus. Same credentials as the CLI: a
 * bearer token in the {@code Authorization} header, and the same {@link AccessPolicy}: a viewer may look, a submitter
 * may also cancel its own jobs, an admin may do everything. Served over HTTPS with the master's certificate (plain
 * HTTP on an insecure master), on Jetty with the limits of {@link HttpPort}: a slow or stalled client holds a
 * socket, never a thread, and a connection silent for 30 s is closed. Every list is summarised or paginated, so a
 * grid of 1,000 workers and a job of 1,000,000 tasks stay cheap to show. What it shows comes from the {@link ReadModel}; the two actions go to the
 * scheduler.
 */
public final class Console implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Console.class);
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,40}");
    private static final Pattern WORKER = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    /** The largest page of a list, as the gRPC API's (ClientServiceImpl.MAX_LIST_LIMIT); a limit of 0 is the default. */
    static final int MAX_PAGE = 1000;
    /** A task's attempts the dashboard shows (the latest). */
    private static final int MAX_ATTEMPTS = 100;
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");
    /** The task page's filters by their name in the query ({@code ?filter=errors}). */
    private static final Map<String, TaskFilter> FILTERS = new HashMap<>();

    static {
        for (TaskFilter f : TaskFilter.values()) {
            FILTERS.put(f.name().toLowerCase(Locale.ROOT), f);
        }
    }

    private final Server server;
    private final boolean tls;
    private final ScheduledExecutorService sampler;
    private final ReadModel read;
    private final Scheduler scheduler;
    private final TokenRegistry tokens;
    private final Audit audit;
    private final MasterMetrics metrics;
    private final boolean insecure;
    private final Throughput throughput;
    private final Gson gson = new GsonBuilder().serializeNulls().create();
    /** The data grid, for its page and the jobs' data counters; null: none. */
    private volatile io.gridwork.master.data.DataGrid data;

    private Console(String bindHost, int port, SSLContext tls, HttpPort.Limits limits, ReadModel read,
            Scheduler scheduler, TokenRegistry tokens, Audit audit, MasterMetrics metrics, boolean insecure) {
        this.read = read;
        this.scheduler = scheduler;
        this.tokens = tokens;
        this.audit = audit;
        this.metrics = metrics;
        this.insecure = insecure;
        this.tls = tls != null;
        this.sampler = Executors.newSingleThreadScheduledExecutor(new NamedThreads("gridwork-http-sampler", true));
        this.throughput = new Throughput(300);
        this.server = HttpPort.create(bindHost, port, tls, limits, "gridwork-http", new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Console.this.handle(request, response, callback);
                return true;
            }
        });
    }

    /**
     * Starts serving on {@code bindHost:port} (0: a free port).
     *
     * @param keyManagers the master's certificate and key; null for plain HTTP (an insecure master)
     * @param read what the pages show
     * @param scheduler where the two actions (cancel a job, drain a worker) go
     */
    public static Console start(String bindHost, int port, KeyManager[] keyManagers, ReadModel read, Scheduler scheduler,
            TokenRegistry tokens, Audit audit, MasterMetrics metrics) throws IOException {
        SSLContext tls = null;
        if (keyManagers != null) {
            try {
                tls = SSLContext.getInstance("TLS");
                tls.init(keyManagers, null, null);
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("cannot set up TLS for the dashboard: " + e.getMessage(), e);
            }
        }
        Console console = new Console(bindHost, port, tls, HttpPort.Limits.DEFAULT, read, scheduler, tokens, audit,
                metrics, keyManagers == null);
        HttpPort.start(console.server);
        console.sampler.scheduleWithFixedDelay(console::sample, 0, 2, TimeUnit.SECONDS);
        return console;
    }

    public int port() {
        return HttpPort.port(server);
    }

    /** {@code https}, or {@code http} on an insecure master. */
    public String scheme() {
        return tls ? "https" : "http";
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        HttpPort.stopQuietly(server);
    }

    private void sample() {
        try {
            throughput.add(System.currentTimeMillis(), read.tasksCompleted());
        } catch (RuntimeException e) {
            log.debug("throughput sample failed: {}", e.toString());
        }
    }

    // ================================================================================================ routing

    /**
     * Answers one request: runs it to the end on a thread of the server's pool (a request only gets there once
     * Jetty has read it whole), then writes the answer, HEAD as GET without the body.
     */
    private void handle(Request request, Response response, Callback callback) {
        Exchange x = new Exchange(request.getHeaders(), response.getHeaders());
        String method = request.getMethod();
        String path = request.getHttpURI().getDecodedPath();
        x.headers.put("X-Content-Type-Options", "nosniff");
        x.headers.put("Cache-Control", "no-store");
        try {
            // HEAD is GET without the body, wherever GET is allowed
            String asked = method.equals("HEAD") ? "GET" : method;
            if (STATIC.containsKey(path)) {
                requireGet(asked);
                serveStatic(x, STATIC.get(path));
            } else if (path.equals("/metrics")) {
                requireGet(asked);
                allow(caller(x), Action.READ_METRICS);
                x.send(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape().getBytes(StandardCharsets.UTF_8));
            } else if (!path.startsWith("/api/")) {
                throw new HttpError(404, "no page " + path);
            } else {
                Principal who = caller(x);
                List<String> parts = List.of(path.substring(5).split("/"));
                Map<String, String> q = query(request.getHttpURI().getQuery());
                JsonElement body = route(x, asked, parts, q, who);
                if (body != null) {
                    sendJson(x, 200, body);
                }
            }
        } catch (HttpError e) {
            if (e.allow != null) {
                x.headers.put("Allow", e.allow);
            }
            sendJson(x, e.status, error(e.getMessage()));
        } catch (CoreException e) {
            sendJson(x, status(e.kind()), error(e.getMessage()));
        } catch (RuntimeException | IOException e) {
            log.warn("dashboard request {} {} failed", method, path, e);
            sendJson(x, 500, error("internal error: " + e));
        }
        response.setStatus(x.status);
        x.headers.put("Content-Type", x.type);
        x.headers.put("Content-Length", Integer.toString(x.body.length));
        boolean head = method.equals("HEAD");
        response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(x.body), callback);
    }

    /** A request's headers, and the answer being made to it (sent once the route has run). */
    private static final class Exchange {
        final HttpFields requestHeaders;
        final HttpFields.Mutable headers;
        int status = 500;
        String type = "text/plain; charset=utf-8";
        byte[] body = new byte[0];

        Exchange(HttpFields requestHeaders, HttpFields.Mutable headers) {
            this.requestHeaders = requestHeaders;
            this.headers = headers;
        }

        void send(int status, String type, byte[] body) {
            this.status = status;
            this.type = type;
            this.body = body;
        }
    }

    /** Shows the data grid: its page ({@code /api/data}) and the jobs' data counters. */
    public void dataGrid(io.gridwork.master.data.DataGrid grid) {
        this.data = grid;
    }

    private JsonElement route(Exchange x, String method, List<String> p, Map<String, String> q, Principal who)
            throws IOException {
        String head = p.get(0);
        if (p.size() == 1 && head.equals("data")) {
            requireGet(method);
            allow(who, Action.READ_DATA);
            return dataSets(who);
        }
        if (p.size() == 1 && head.equals("usage")) {
            requireGet(method);
            allow(who, Action.READ_USAGE);
            return usage(q, who);
        }
        if (p.size() == 1 && head.equals("me")) {
            requireGet(method);
            return me(who);
        }
        if (p.size() == 1 && head.equals("overview")) {
            requireGet(method);
            allow(who, Action.READ_JOBS);
            allow(who, Action.READ_WORKERS);
            return overview(who);
        }
        if (p.size() == 1 && head.equals("masters")) {
            requireGet(method);
            allow(who, Action.READ_MASTERS);
            return masters(q);
        }
        if (head.equals("workers")) {
            if (p.size() == 1) {
                requireGet(method);
                allow(who, Action.READ_WORKERS);
                return workers(q);
            }
            String name = checked("worker", p.get(1), WORKER);
            if (p.size() == 2) {
                requireGet(method);
                allow(who, Action.READ_WORKERS);
                return worker(name);
            }
            if (p.size() == 3 && (p.get(2).equals("drain") || p.get(2).equals("undrain"))) {
                requirePost(method);
                allow(who, Action.DRAIN_WORKERS);
                return drain(who, name, p.get(2).equals("drain"));
            }
        }
        if (head.equals("jobs")) {
            if (p.size() == 1) {
                requireGet(method);
                allow(who, Action.READ_JOBS);
                return jobs(q, who);
            }
            String id = checked("job", p.get(1), JOB_ID);
            if (p.size() == 2) {
                requireGet(method);
                allow(who, Action.READ_JOBS);
                return job(id, who);
            }
            if (p.size() == 3 && p.get(2).equals("tasks")) {
                requireGet(method);
                allow(who, Action.READ_JOBS);
                return tasks(id, q, who);
            }
            if (p.size() == 5 && p.get(2).equals("tasks") && p.get(4).equals("attempts")) {
                requireGet(method);
                allow(who, Action.READ_RESULTS); // task output is job data, as results are
                return attempts(id, p.get(3), who);
            }
            if (p.size() == 3 && p.get(2).equals("result")) {
                requireGet(method);
                allow(who, Action.READ_RESULTS);
                result(x, id, q, who);
                return null;
            }
            if (p.size() == 3 && p.get(2).equals("cancel")) {
                requirePost(method);
                allow(who, Action.CANCEL_JOBS);
                return cancel(id, who);
            }
        }
        throw new HttpError(404, "no API " + String.join("/", p));
    }

    /** Refuses with 403 unless the access policy lets {@code who} do {@code action}. */
    private static void allow(Principal who, Action action) {
        if (!AccessPolicy.allows(who, action)) {
            throw new HttpError(403, AccessPolicy.refusal(who, action));
        }
    }

    // ================================================================================================ views

    private JsonElement me(Principal who) {
        JsonObject o = new JsonObject();
        o.addProperty("name", who.name());
        o.addProperty("role", who.role().name().toLowerCase(Locale.ROOT));
        o.addProperty("canCancel", AccessPolicy.allows(who, Action.CANCEL_JOBS));
        o.addProperty("canDrain", AccessPolicy.allows(who, Action.DRAIN_WORKERS));
        o.addProperty("insecure", insecure);
        return o;
    }

    private JsonElement overview(Principal who) {
        JsonObject o = new JsonObject();
        WorkerCounts counts = read.workerCounts();
        JsonObject workers = new JsonObject();
        workers.addProperty("total", counts.total());
        workers.addProperty("slots", counts.slots());
        workers.addProperty("slotsInUse", counts.slotsInUse());
        JsonObject states = new JsonObject();
        counts.byState().forEach((s, n) -> states.addProperty(s.name(), n));
        workers.add("byState", states);
        o.add("workers", workers);
        JsonObject jobStates = new JsonObject();
        read.jobsByState().entrySet().stream().sorted(Comparator.comparing(e -> e.getKey().name()))
                .forEach(e -> jobStates.addProperty(e.getKey().name(), e.getValue()));
        o.add("jobsByState", jobStates);
        String owner = AccessPolicy.ownerFilter(who);
        o.add("activeJobs", jobList(read.jobs(50, EnumSet.of(JobState.WAITING, JobState.QUEUED, JobState.RUNNING),
                owner)));
        o.add("recentJobs", jobList(read.jobs(20, EnumSet.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED),
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
        for (WorkerEventView e : read.recentWorkerEvents(100)) {
            events.add(JsonViews.event(e));
        }
        o.add("events", events);
        return o;
    }

    /** The grid's masters and their recent events (takeovers with their durations), as {@code ListMasters} has them. */
    private JsonElement masters(Map<String, String> q) {
        int events = intParam(q, "events", 50, 0, MAX_PAGE); // 0: no events, as ListMasters
        JsonObject o = new JsonObject();
        JsonArray list = new JsonArray();
        read.masters().forEach(m -> list.add(JsonViews.master(m)));
        o.add("masters", list);
        JsonArray recent = new JsonArray();
        if (events > 0) {
            read.masterEvents(events).forEach(e -> recent.add(JsonViews.masterEvent(e)));
        }
        o.add("events", recent);
        return o;
    }

    private JsonElement workers(Map<String, String> q) {
        int offset = intParam(q, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = limitParam(q, 100);
        String state = q.get("state");
        WorkerState wanted = null;
        if (state != null && !state.isEmpty()) {
            try {
                wanted = WorkerState.valueOf(state.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "state: unknown worker state " + state);
            }
        }
        boolean departed = boolParam(q, "departed", false) || (wanted != null && wanted.isDeparted());
        List<WorkerView> all = new ArrayList<>();
        for (WorkerView w : read.workers(departed)) {
            if (wanted == null || w.state() == wanted) {
                all.add(w);
            }
        }
        JsonObject o = new JsonObject();
        o.addProperty("total", all.size());
        o.addProperty("offset", offset);
        JsonArray page = new JsonArray();
        for (int i = offset; i < Math.min(all.size(), offset + limit); i++) {
            page.add(JsonViews.worker(all.get(i)));
        }
        o.add("workers", page);
        return o;
    }

    private JsonElement worker(String name) {
        WorkerView w = read.worker(name).orElseThrow(() -> new HttpError(404, "worker: no worker " + name));
        JsonObject o = new JsonObject();
        o.add("worker", JsonViews.worker(w));
        JsonArray running = new JsonArray();
        for (RunningAttemptView a : read.runningOn(w.id(), 200)) {
            running.add(JsonViews.running(a));
        }
        o.add("running", running);
        JsonArray history = new JsonArray();
        for (WorkerEventView e : read.workerHistory(w.id(), 100)) {
            history.add(JsonViews.history(e));
        }
        o.add("history", history);
        return o;
    }

    private JsonElement jobs(Map<String, String> q, Principal who) {
        int limit = limitParam(q, 50);
        Set<JobState> states = EnumSet.noneOf(JobState.class);
        String state = q.get("state");
        if (state != null && !state.isEmpty()) {
            for (String s : state.split(",")) {
                try {
                    states.add(JobState.valueOf(s.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new HttpError(400, "state: unknown job state " + s);
                }
            }
        }
        JsonObject o = new JsonObject();
        o.add("jobs", jobList(read.jobs(limit, states, AccessPolicy.ownerFilter(who))));
        return o;
    }

    /** The jobs as printed, each with the jobs it runs after and those that run after it (two queries per list). */
    private JsonArray jobList(List<JobView> jobs) {
        List<String> ids = jobs.stream().map(JobView::id).toList();
        Map<String, List<String>> up = scheduler.upstream(ids);
        Map<String, List<String>> down = scheduler.downstream(ids);
        JsonArray a = new JsonArray();
        for (JobView j : jobs) {
            a.add(withDependencies(JsonViews.job(j), j, up.getOrDefault(j.id(), List.of()),
                    down.getOrDefault(j.id(), List.of())));
        }
        return a;
    }

    private JsonObject withDependencies(JsonObject printed, JobView j, List<String> up, List<String> down) {
        String reason = j.state() != JobState.WAITING ? null : scheduler.waitingFor(j.id())
                .orElse("waiting for " + String.join(", ", up) + " to succeed");
        return JsonViews.dependencies(printed, up, down, reason);
    }

    /** The job, if {@code who} may see it (the ownership rule of the access policy). */
    private JobView visibleJob(String id, Principal who) {
        JobView job = read.job(id).orElseThrow(() -> new HttpError(404, "job: no job " + id));
        if (!AccessPolicy.mayAccess(who, job.owner())) {
            throw new HttpError(403, "job " + id + " belongs to another user");
        }
        return job;
    }

    /**
     * The jobs a job runs after and those that run after it (grid submit --after), each with its state and class, for
     * the job page's graph; null if it has none.
     */
    private JsonObject pipeline(String id, JobState state, Principal who) {
        List<String> up = scheduler.upstream(List.of(id)).getOrDefault(id, List.of());
        List<String> down = scheduler.downstream(List.of(id)).getOrDefault(id, List.of());
        if (up.isEmpty() && down.isEmpty()) {
            return null;
        }
        JsonObject o = new JsonObject();
        o.add("upstream", neighbours(up, who));
        o.add("downstream", neighbours(down, who));
        if (state == JobState.WAITING) {
            o.addProperty("waiting", scheduler.waitingFor(id).orElse("waiting for " + String.join(", ", up)
                    + " to succeed"));
        }
        return o;
    }

    /** Each job's id; its state and class if {@code who} may see it (another user's job shows its id alone). */
    private JsonArray neighbours(List<String> ids, Principal who) {
        JsonArray a = new JsonArray();
        for (String n : ids) {
            JsonObject j = new JsonObject();
            j.addProperty("id", n);
            scheduler.job(n).filter(s -> AccessPolicy.mayAccess(who, s.owner())).ifPresent(s -> {
                j.addProperty("state", s.state().name());
                j.addProperty("jobClass", s.jobClass());
            });
            a.add(j);
        }
        return a;
    }

    private JsonElement job(String id, Principal who) {
        JobView job = visibleJob(id, who);
        JobDetails details = read.details(job);
        JsonObject o = new JsonObject();
        o.add("job", withDependencies(JsonViews.job(job), job,
                scheduler.upstream(List.of(id)).getOrDefault(id, List.of()),
                scheduler.downstream(List.of(id)).getOrDefault(id, List.of())));
        o.add("durations", JsonViews.histogram(details.durations()));
        JsonArray errors = new JsonArray();
        details.recentErrors().forEach(e -> errors.add(JsonViews.error(e)));
        details.erroredTasks().forEach(t -> errors.add(JsonViews.task(t)));
        o.add("errors", errors);
        o.addProperty("canCancel", !job.state().isTerminal() && AccessPolicy.allows(who, Action.CANCEL_JOBS, job.owner()));
        JsonObject pipeline = pipeline(id, job.state(), who);
        if (pipeline != null) {
            o.add("pipeline", pipeline);
        }
        io.gridwork.master.data.DataGrid grid = data;
        Map<String, String> sets = scheduler.job(id).map(io.gridwork.master.core.JobSnapshot::dataSets).orElse(Map.of());
        if (grid != null && !sets.isEmpty()) {
            JsonObject d = new JsonObject();
            io.gridwork.master.data.DataGrid.Counters c = grid.counters(id);
            d.addProperty("bytesLocal", c.local());
            d.addProperty("bytesFromPeers", c.fromPeers());
            d.addProperty("bytesFromMaster", c.fromMaster());
            JsonObject named = new JsonObject();
            sets.forEach(named::addProperty);
            d.add("dataSets", named);
            o.add("data", d);
        }
        return o;
    }

    /**
     * The usage page: per user (a submitter only itself), slot-seconds and cost per UTC day over the last
     * {@code days} (default 30, at most 366), from the usage ledger.
     */
    private JsonElement usage(Map<String, String> q, Principal who) {
        int days;
        try {
            days = Integer.parseInt(q.getOrDefault("days", "30"));
        } catch (NumberFormatException e) {
            throw new HttpError(400, "days must be a number of days from 1 to 366");
        }
        if (days < 1 || days > 366) {
            throw new HttpError(400, "days must be a number of days from 1 to 366");
        }
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        java.time.LocalDate first = today.minusDays(days - 1);
        io.gridwork.master.read.ReadModel.UsageByDay u = read.usageByDay(AccessPolicy.ownerFilter(who),
                first.atStartOfDay(java.time.ZoneOffset.UTC).toInstant(), 8);
        JsonObject out = new JsonObject();
        JsonArray dayList = new JsonArray();
        for (java.time.LocalDate d = first; !d.isAfter(today); d = d.plusDays(1)) {
            dayList.add(d.toString());
        }
        out.add("days", dayList);
        JsonArray users = new JsonArray();
        for (io.gridwork.master.read.ReadModel.UsageView l : u.users()) {
            JsonObject o = new JsonObject();
            o.addProperty("user", l.key());
            o.addProperty("slotSeconds", l.slotSeconds());
            o.addProperty("cpuSeconds", l.cpuSeconds());
            o.addProperty("cost", l.cost());
            o.addProperty("tasks", l.tasks());
            o.addProperty("wastedSlotSeconds", l.wastedSlotSeconds());
            List<io.gridwork.master.read.ReadModel.UsageView> perDay = u.days().get(l.key());
            if (perDay != null) {
                Map<String, Double> byDay = new java.util.HashMap<>();
                perDay.forEach(d -> byDay.put(d.key(), d.slotSeconds()));
                JsonArray series = new JsonArray();
                for (JsonElement d : dayList) {
                    series.add(byDay.getOrDefault(d.getAsString(), 0.0));
                }
                o.add("slotSecondsByDay", series);
            }
            users.add(o);
        }
        out.add("users", users);
        return out;
    }

    /** The data sets the caller may see: size, chunks, replicas wanted and held, holders, jobs reading them. */
    private JsonElement dataSets(Principal who) {
        io.gridwork.master.data.DataGrid grid = data;
        JsonArray all = new JsonArray();
        if (grid != null) {
            for (io.gridwork.master.data.DataGrid.Summary v : grid.summaries(owner -> AccessPolicy.mayAccess(who, owner))) {
                JsonObject d = new JsonObject();
                d.addProperty("id", v.id());
                d.addProperty("name", v.name());
                d.addProperty("size", v.size());
                d.addProperty("chunks", v.chunks());
                d.addProperty("chunkSize", v.chunkSize());
                d.addProperty("replicasWanted", v.replicasWanted());
                d.addProperty("replicasHeld", v.replicasHeld());
                JsonArray holders = new JsonArray();
                v.holders().forEach(holders::add);
                d.add("holders", holders);
                JsonArray usedBy = new JsonArray();
                v.usedBy().forEach(usedBy::add);
                d.add("usedBy", usedBy);
                d.addProperty("owner", v.owner());
                d.addProperty("jar", v.jar());
                d.addProperty("created", v.createdAt().toString());
                all.add(d);
            }
        }
        JsonObject o = new JsonObject();
        o.add("dataSets", all);
        if (grid != null) {
            io.gridwork.master.data.DataGrid.Counters t = grid.totals();
            o.addProperty("bytesLocal", t.local());
            o.addProperty("bytesFromPeers", t.fromPeers());
            o.addProperty("bytesFromMaster", t.fromMaster());
            o.addProperty("bytesServed", grid.bytesServed());
        }
        return o;
    }

    private JsonElement tasks(String id, Map<String, String> q, Principal who) {
        visibleJob(id, who);
        long from = longParam(q, "from", 0);
        if (from < 0) {
            throw new HttpError(400, "from: must be a task index, 0 or more, not " + from);
        }
        int limit = limitParam(q, 100);
        TaskFilter filter = FILTERS.get(q.getOrDefault("filter", "all"));
        if (filter == null) {
            throw new HttpError(400, "filter: one of all, pending, succeeded, failed, cancelled, errors");
        }
        TaskPage page = read.tasks(id, from, filter, limit);
        JsonObject o = new JsonObject();
        JsonArray tasks = new JsonArray();
        page.tasks().forEach(t -> tasks.add(JsonViews.task(t)));
        o.add("tasks", tasks);
        o.addProperty("next", page.next());
        return o;
    }

    /** A task's attempts with their logs and stack traces. */
    private JsonElement attempts(String id, String task, Principal who) {
        JobView job = visibleJob(id, who);
        long index;
        try {
            index = Long.parseLong(task);
        } catch (NumberFormatException e) {
            throw new HttpError(400, "task: not a task number: '" + task + "'");
        }
        if (index < 0 || index >= job.tasks().total()) {
            throw new HttpError(404, "task: job " + id + " has no task " + index);
        }
        JsonObject o = new JsonObject();
        JsonArray attempts = new JsonArray();
        read.attempts(id, index, MAX_ATTEMPTS).forEach(a -> attempts.add(JsonViews.attempt(a)));
        o.add("attempts", attempts);
        return o;
    }

    /**
     * A succeeded job's result as {@code grid result} prints it: its text ({@code text/plain}) when the job's codec
     * gives one, else its bytes with their media type. {@code ?format=raw} asks for the codec's bytes whatever they are
     * ({@code 9592} is 8 bytes for a {@code long}); {@code X-Gridwork-Media-Type} always names the codec's media type.
     */
    private void result(Exchange x, String id, Map<String, String> q, Principal who) {
        String format = q.getOrDefault("format", "text");
        if (!format.equals("text") && !format.equals("raw")) {
            throw new HttpError(400, "format: one of text (the result as grid result prints it) or raw (the codec's bytes), not "
                    + format);
        }
        visibleJob(id, who);
        ResultView r = read.result(id);
        String type = r.mediaType() == null ? "application/octet-stream" : r.mediaType();
        x.headers.put("X-Gridwork-Media-Type", type);
        if (format.equals("text") && r.text() != null) {
            String text = r.text().endsWith("\n") ? r.text() : r.text() + "\n";
            x.send(200, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
            return;
        }
        x.headers.put("Content-Disposition", "attachment; filename=\"" + id + ".result\"");
        x.send(200, type, r.bytes());
    }

    private JsonElement cancel(String id, Principal who) {
        visibleJob(id, who);
        try {
            JobView cancelled = read.job(scheduler.cancel(id, "cancelled from the dashboard by " + who.describe())
                    .get(30, TimeUnit.SECONDS));
            audit.record(who, "job.cancel", id, "from the dashboard");
            return JsonViews.job(cancelled);
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
        WorkerView w = read.worker(scheduler.drain(name, drain, who.describe()));
        audit.record(who, drain ? "worker.drain" : "worker.undrain", w.name() + " (" + w.id() + ")", "from the dashboard");
        return JsonViews.worker(w);
    }

    // ================================================================================================ plumbing

    private Principal caller(Exchange x) {
        if (insecure) {
            return Principal.INSECURE;
        }
        String header = x.requestHeaders.get("Authorization");
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
        allow(p, Action.READ_SELF); // the console is for people: a join token only joins workers
        return p;
    }

    private static JsonObject error(String message) {
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        return o;
    }

    private void sendJson(Exchange x, int status, JsonElement body) {
        x.send(status, "application/json; charset=utf-8", gson.toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    private void serveStatic(Exchange x, String file) throws IOException {
        try (InputStream in = Console.class.getResourceAsStream("dashboard/" + file)) {
            if (in == null) {
                throw new HttpError(404, "no page " + file);
            }
            x.headers.put("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
            x.send(200, TYPES.get(file.substring(file.lastIndexOf('.') + 1)), in.readAllBytes());
        }
    }

    /** Refuses with 405 and {@code Allow: GET, HEAD} unless {@code method} is GET (HEAD is taken for GET). */
    private static void requireGet(String method) {
        if (!method.equals("GET")) {
            throw new HttpError(405, "use GET", "GET, HEAD");
        }
    }

    private static void requirePost(String method) {
        if (!method.equals("POST")) {
            throw new HttpError(405, "use POST", "POST");
        }
    }

    private static String checked(String what, String value, Pattern pattern) {
        if (!pattern.matcher(value).matches()) {
            throw new HttpError(400, what + ": not a valid " + what + " name or id");
        }
        return value;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
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

    /** {@code limit}: from 0 to {@link #MAX_PAGE} as in the gRPC API, 0 (or none) for {@code def}. */
    private static int limitParam(Map<String, String> q, int def) {
        int limit = intParam(q, "limit", def, 0, MAX_PAGE);
        return limit == 0 ? def : limit;
    }

    private static boolean boolParam(Map<String, String> q, String name, boolean def) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) {
            return def;
        }
        if (v.equals("true") || v.equals("false")) {
            return v.equals("true");
        }
        throw new HttpError(400, name + ": true or false, not " + v);
    }

    private static int intParam(Map<String, String> q, String name, int def, int min, int max) {
        long v = longParam(q, name, def);
        if (v < min || v > max) {
            throw new HttpError(400, name + ": must be from " + min + " to " + max + ", got " + v);
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
        /** The methods allowed, for the {@code Allow} header of a 405; null otherwise. */
        final String allow;

        HttpError(int status, String message) {
            this(status, message, null);
        }

        HttpError(int status, String message, String allow) {
            super(message);
            this.status = status;
            this.allow = allow;
        }
    }
}
