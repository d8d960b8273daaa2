package io.gridwork.master.schedule;

import io.gridwork.internal.NamedThreads;
import io.gridwork.master.core.CoreException;
import io.gridwork.master.core.JobSnapshot;
import io.gridwork.master.core.Scheduler;
import io.gridwork.master.store.ScheduleRunRow;
import io.gridwork.master.store.Store;
import java.sql.Connection;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.quartz.CronExpression;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.listeners.TriggerListenerSupport;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's schedules, kept by Quartz with its JDBC job store in the master's own H2 database: a schedule (its
 * job detail and trigger) lives as long as the master's data, and a restarted master picks up where it left off.
 * Each firing submits an ordinary job through {@link Scheduler#submit}, as {@code grid submit} does, and what it did
 * is recorded (submitted, skipped, waiting, missed or failed).
 *
 * <p>Misfires (the master was down at a fire time) follow the schedule's policy: fire once when the master is back,
 * or skip. Overlap (the previous job of the schedule still runs): skip the firing, queue it until that job ends, or
 * allow both.
 */
public final class Schedules implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Schedules.class);

    /** The name Quartz keys the master's schedules by in its tables; fixed, so a restart finds them. */
    static final String INSTANCE = "gridwork";
    static final String GROUP = "schedules";
    /**
     * A fire time missed by more than this is a misfire, handled by the schedule's policy; one missed by less (a busy
     * moment) fires late.
     */
    static final long MISFIRE_THRESHOLD_MS = 2000;
    private static final int NEXT_FIRE_TIMES = 5;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final Object QUARTZ_SETUP = new Object();
    /** How often a clustered Quartz (on PostgreSQL) checks in, so the others notice at once when a master dies. */
    static final long CLUSTER_CHECKIN_MS = 1000;

    private final Scheduler core;
    private final Store store;
    private final Clock clock;
    private final org.quartz.Scheduler quartz;
    /** Submits the waiting firings whose previous job ended (never on the scheduler's loop). */
    private final ExecutorService queue = Executors.newSingleThreadExecutor(new NamedThreads("gridwork-schedule-queue", true));
    /** Waiting firings (by run seq) and how to stop watching the job they wait for. */
    private final Map<Long, Runnable> waits = new ConcurrentHashMap<>();
    private final Set<Long> released = ConcurrentHashMap.newKeySet();
    /** Schedules whose next firing catches up on missed fire times (misfire policy fire-once), and what it missed. */
    private final Map<String, String> catchUps = new ConcurrentHashMap<>();
    /** Whether the waiting firings were taken on (at the first {@link #activate()}). */
    private boolean waitingResumed;

    private Schedules(Scheduler core, Store store, Clock clock, org.quartz.Scheduler quartz) {
        this.core = core;
        this.store = store;
        this.clock = clock;
        this.quartz = quartz;
    }

    /** Starts Quartz on the store's database; fire times missed while the master was down are handled at once. */
    public static Schedules start(Scheduler core, Store store, Clock clock) {
        return start(core, store, clock, false);
    }

    /**
     * Starts Quartz on the store's database, firing at once or, for a standby master, only once {@link #activate()}
     * is called (it can read and list schedules meanwhile). On PostgreSQL, Quartz runs clustered with the other
     * masters of the store (its instance id is this master's id): each fire time fires on one master, and the fire
     * times of a master that died are taken on by the others.
     */
    public static Schedules start(Scheduler core, Store store, Clock clock, boolean standby) {
        String dataSource = "gridwork-" + UUID.randomUUID();
        DBConnectionManager.getInstance().addConnectionProvider(dataSource, new StoreConnections(store.dataSource()));
        Properties p = quartzProperties(store, dataSource);
        try {
            org.quartz.Scheduler quartz;
            synchronized (QUARTZ_SETUP) {
                quartz = new StdSchedulerFactory(p).getScheduler();
                // Quartz keeps schedulers in a JVM-wide registry by name: this one is the master's own, not shared
                // with another master in the same JVM (tests)
                SchedulerRepository.getInstance().remove(INSTANCE);
            }
            Schedules schedules = new Schedules(core, store, clock, quartz);
            quartz.setJobFactory((bundle, scheduler) -> new FireJob(schedules));
            quartz.getListenerManager().addTriggerListener(schedules.new Misfires());
            if (standby) {
                log.info("schedules in standby: {} defined", quartz.getJobKeys(GroupMatcher.jobGroupEquals(GROUP)).size());
            } else {
                schedules.activate();
                log.info("schedules started: {} defined", quartz.getJobKeys(GroupMatcher.jobGroupEquals(GROUP)).size());
            }
            return schedules;
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot start the schedules (Quartz): " + e.getMessage(), e);
        }
    }

    /**
     * The properties Quartz is started with on {@code store}, its connections from the provider named
     * {@code dataSource}: its JDBC job store in the store's tables; on PostgreSQL clustered (check-in every
     * {@value #CLUSTER_CHECKIN_MS} ms) with this master's id as the instance id.
     */
    public static Properties quartzProperties(Store store, String dataSource) {
        Properties p = new Properties();
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, INSTANCE);
        p.setProperty(StdSchedulerFactory.PROP_SCHED_MAKE_SCHEDULER_THREAD_DAEMON, "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", "2");
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "gridwork-quartz");
        p.setProperty(StdSchedulerFactory.PROP_JOB_STORE_CLASS, "org.quartz.impl.jdbcjobstore.JobStoreTX");
        // PostgreSQL keeps Quartz's job data in BYTEA columns, which the standard delegate cannot read back
        p.setProperty("org.quartz.jobStore.driverDelegateClass", store.dialect().isPostgres()
                ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate" : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.misfireThreshold", Long.toString(MISFIRE_THRESHOLD_MS));
        p.setProperty("org.quartz.jobStore.dataSource", dataSource);
        if (store.dialect().isPostgres()) {
            // several masters share the store: one Quartz cluster, one instance per master process
            p.setProperty("org.quartz.jobStore.isClustered", "true");
            p.setProperty("org.quartz.jobStore.clusterCheckinInterval", Long.toString(CLUSTER_CHECKIN_MS));
            p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_ID, store.masterId());
            // acquire triggers under the cluster's row lock: without it two instances can both fire one fire time
            // (Quartz's optimistic acquisition has an ABA window, quartz-scheduler/quartz#107; ClusteredQuartzTest
            // saw a fire time fired twice on a loaded machine)
            p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        }
        return p;
    }

    /** Stops firing (a standby master, or one stepping down); schedules can still be read and changed. */
    public synchronized void standby() {
        try {
            quartz.standby();
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot put the schedules (Quartz) in standby: " + e.getMessage(), e);
        }
    }

    /**
     * Starts (or resumes) firing: fire times missed meanwhile are handled by each schedule's misfire policy. The first
     * time, also takes on the firings that were waiting for their schedule's previous job to end.
     */
    public synchronized void activate() {
        try {
            quartz.start();
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot start the schedules (Quartz): " + e.getMessage(), e);
        }
        if (!waitingResumed) {
            waitingResumed = true;
            resumeWaiting();
        }
    }

    /** Whether the schedules are not firing (started in standby, or put in standby). */
    public boolean inStandby() {
        try {
            return quartz.isInStandbyMode();
        } catch (SchedulerException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    // ================================================================================== requests

    /**
     * Creates a schedule. Checks everything before storing anything: the name, the cron expression (or the time),
     * the time zone, and the job as a submission would (jar, class, arguments, options).
     */
    public ScheduleView add(ScheduleSpec given) {
        ScheduleSpec spec = given.cron() == null ? given : new ScheduleSpec(given.name(), normalizeCron(given.cron()),
                given.zone(), given.at(), given.submission(), given.misfire(), given.overlap(), given.createdAt());
        if (!NAME.matcher(spec.name()).matches()) {
            throw CoreException.invalid("name: '" + spec.name() + "' is not a schedule name (letters, digits, '.', "
                    + "'_' and '-', starting with a letter or digit, at most 200)");
        }
        if ((spec.cron() == null) == (spec.at() == null)) {
            throw CoreException.invalid("cron, at: give a cron expression or a time, not " + (spec.cron() == null
                    ? "neither" : "both"));
        }
        Trigger trigger = trigger(spec);
        if (exists(spec.name())) {
            throw CoreException.exists("name: a schedule named " + spec.name() + " exists");
        }
        core.check(spec.submission());
        JobDetail detail = JobBuilder.newJob(FireJob.class).withIdentity(key(spec.name())).storeDurably()
                .usingJobData(spec.toData()).build();
        try {
            quartz.scheduleJob(detail, trigger);
        } catch (ObjectAlreadyExistsException e) {
            throw CoreException.exists("name: a schedule named " + spec.name() + " exists");
        } catch (SchedulerException e) {
            throw failed("store the schedule", e);
        }
        log.info("schedule {} created ({}), owner {}: {} {}", spec.name(), when(spec), spec.submission().owner(),
                spec.submission().jobClass(), spec.submission().args());
        return get(spec.name(), 0);
    }

    /**
     * Quartz wants '?' in one of the day fields; people write '*' in both ("every day, any weekday"), which means the
     * same. Five fields are a Unix crontab line: Quartz's has seconds first, and its own day-of-week numbers.
     */
    static String normalizeCron(String cron) {
        String[] f = cron.trim().split("\\s+");
        if (f.length == 5) {
            throw CoreException.invalid("cron: '" + cron.trim() + "' has 5 fields, like a Unix crontab line; Gridwork "
                    + "uses Quartz cron, seconds first: SEC MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK [YEAR], e.g. "
                    + "'0 0 3 * * ?' for 03:00 every day");
        }
        if (f.length >= 6 && f[3].equals("*") && f[5].equals("*")) {
            f[5] = "?";
        }
        return String.join(" ", f);
    }

    /** A normalized, checked trigger for the spec (it throws INVALID_ARGUMENT naming the field at fault). */
    private Trigger trigger(ScheduleSpec spec) {
        TriggerBuilder<Trigger> b = TriggerBuilder.newTrigger().withIdentity(spec.name(), GROUP);
        if (spec.cron() != null) {
            CronExpression cron;
            try {
                cron = new CronExpression(spec.cron());
            } catch (ParseException e) {
                throw CoreException.invalid("cron: '" + spec.cron() + "' is not a cron expression: " + e.getMessage()
                        + " (Quartz syntax, seconds first: SEC MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK [YEAR], e.g. "
                        + "'0 0 3 * * ?' for 03:00 every day)");
            }
            cron.setTimeZone(TimeZone.getTimeZone(spec.zone()));
            if (cron.getNextValidTimeAfter(Date.from(clock.instant())) == null) {
                throw CoreException.invalid("cron: '" + spec.cron() + "' never fires after now");
            }
            CronScheduleBuilder schedule = CronScheduleBuilder.cronSchedule(cron);
            schedule = spec.misfire() == ScheduleSpec.Misfire.SKIP ? schedule.withMisfireHandlingInstructionDoNothing()
                    : schedule.withMisfireHandlingInstructionFireAndProceed();
            return b.withSchedule(schedule).build();
        }
        if (spec.at().isBefore(clock.instant())) {
            throw CoreException.invalid("at: " + spec.at() + " has passed");
        }
        SimpleScheduleBuilder once = SimpleScheduleBuilder.simpleSchedule();
        once = spec.misfire() == ScheduleSpec.Misfire.SKIP ? once.withMisfireHandlingInstructionNextWithRemainingCount()
                : once.withMisfireHandlingInstructionFireNow();
        return b.startAt(Date.from(spec.at())).withSchedule(once).build();
    }

    /** Every schedule, by name; only those of {@code owner} if it is not null. */
    public List<ScheduleView> list(String owner) {
        List<ScheduleView> out = new ArrayList<>();
        try {
            List<String> names = new ArrayList<>();
            for (JobKey key : quartz.getJobKeys(GroupMatcher.jobGroupEquals(GROUP))) {
                names.add(key.getName());
            }
            names.sort(String::compareTo);
            for (String name : names) {
                Optional<ScheduleView> view = find(name, 0);
                if (view.isPresent() && (owner == null || owner.equals(view.get().spec().submission().owner()))) {
                    out.add(view.get());
                }
            }
        } catch (SchedulerException e) {
            throw failed("list the schedules", e);
        }
        return out;
    }

    /** A schedule with its {@code runs} most recent firings. */
    public ScheduleView get(String name, int runs) {
        return find(name, runs).orElseThrow(() -> CoreException.notFound("name: no schedule named " + name));
    }

    public ScheduleView pause(String name) {
        get(name, 0);
        try {
            quartz.pauseJob(key(name));
        } catch (SchedulerException e) {
            throw failed("pause the schedule", e);
        }
        log.info("schedule {} paused", name);
        return get(name, 0);
    }

    /** Resumes a paused schedule; a fire time it missed while paused follows its misfire policy. */
    public ScheduleView resume(String name) {
        get(name, 0);
        try {
            quartz.resumeJob(key(name));
        } catch (SchedulerException e) {
            throw failed("resume the schedule", e);
        }
        log.info("schedule {} resumed", name);
        return get(name, 0);
    }

    /** Removes a schedule and its history; the jobs it started stay, and a firing waiting to start is dropped. */
    public ScheduleView remove(String name) {
        ScheduleView last = get(name, 0);
        try {
            quartz.deleteJob(key(name));
        } catch (SchedulerException e) {
            throw failed("remove the schedule", e);
        }
        for (ScheduleRunRow waiting : store.scheduleRuns().waiting()) {
            if (waiting.schedule().equals(name)) {
                stopWaiting(waiting.seq());
            }
        }
        store.scheduleRuns().deleteFor(name);
        log.info("schedule {} removed", name);
        return last;
    }

    private Optional<ScheduleView> find(String name, int runs) {
        try {
            JobDetail detail = quartz.getJobDetail(key(name));
            if (detail == null) {
                return Optional.empty();
            }
            ScheduleSpec spec = ScheduleSpec.fromData(name, detail.getJobDataMap());
            List<? extends Trigger> triggers = quartz.getTriggersOfJob(key(name));
            ScheduleView.State state = ScheduleView.State.DONE;
            List<Instant> next = new ArrayList<>();
            Instant previous = null;
            if (!triggers.isEmpty()) {
                Trigger t = triggers.get(0);
                Trigger.TriggerState ts = quartz.getTriggerState(t.getKey());
                state = ts == Trigger.TriggerState.PAUSED ? ScheduleView.State.PAUSED
                        : ts == Trigger.TriggerState.COMPLETE || ts == Trigger.TriggerState.NONE ? ScheduleView.State.DONE
                        : ScheduleView.State.ACTIVE;
                for (Date d = t.getNextFireTime(); d != null && next.size() < NEXT_FIRE_TIMES; d = t.getFireTimeAfter(d)) {
                    next.add(d.toInstant());
                }
                previous = t.getPreviousFireTime() == null ? null : t.getPreviousFireTime().toInstant();
            }
            List<ScheduleRunRow> history = runs > 0 ? store.scheduleRuns().recent(name, runs) : List.of();
            if (previous == null) {
                previous = store.scheduleRuns().recent(name, 1).stream().map(ScheduleRunRow::firedAt).findFirst()
                        .orElse(null);
            }
            if (state != ScheduleView.State.ACTIVE) {
                next.clear(); // a paused schedule fires at none of them (its trigger keeps them for when it resumes)
            }
            return Optional.of(new ScheduleView(spec, state, next, previous, history));
        } catch (SchedulerException e) {
            throw failed("read the schedule", e);
        }
    }

    private boolean exists(String name) {
        try {
            return quartz.checkExists(key(name));
        } catch (SchedulerException e) {
            throw failed("read the schedules", e);
        }
    }

    private static JobKey key(String name) {
        return JobKey.jobKey(name, GROUP);
    }

    private static String when(ScheduleSpec spec) {
        return spec.cron() != null ? "cron '" + spec.cron() + "' in " + spec.zone() : "once at " + spec.at();
    }

    private static CoreException failed(String what, SchedulerException e) {
        log.error("could not {}", what, e);
        return CoreException.unavailable("could not " + what + ": " + e.getMessage());
    }

    // ================================================================================== firings

    /** A fire time came: submit the schedule's job, unless its previous job still runs and the policy says not to. */
    void fire(String name, JobDataMap data, Instant scheduledFor, Instant firedAt) {
        ScheduleSpec spec;
        try {
            spec = ScheduleSpec.fromData(name, data);
        } catch (RuntimeException e) {
            record(name, scheduledFor, firedAt, ScheduleRunRow.Outcome.FAILED, null, "the schedule's stored definition "
                    + "cannot be read: " + e);
            return;
        }
        Optional<ScheduleRunRow> last = store.scheduleRuns().lastSubmitted(name);
        Optional<ScheduleRunRow> running = last.filter(r -> r.jobState() != null && !r.jobState().isTerminal());
        if (running.isPresent() && spec.overlap() != ScheduleSpec.Overlap.ALLOW) {
            String previous = running.get().jobId();
            if (spec.overlap() == ScheduleSpec.Overlap.SKIP) {
                record(name, scheduledFor, firedAt, ScheduleRunRow.Outcome.SKIPPED, null, "its previous job " + previous
                        + " was still " + running.get().jobState() + " (overlap policy skip)");
                return;
            }
            boolean alreadyWaiting = store.scheduleRuns().waiting().stream().anyMatch(r -> r.schedule().equals(name));
            if (alreadyWaiting) {
                record(name, scheduledFor, firedAt, ScheduleRunRow.Outcome.SKIPPED, null, "a firing already waits for "
                        + "its previous job " + previous + " to end (overlap policy queue keeps one)");
                return;
            }
            long seq = record(name, scheduledFor, firedAt, ScheduleRunRow.Outcome.WAITING, null, "waits for its "
                    + "previous job " + previous + " to end (overlap policy queue)");
            waitFor(seq, name, previous);
            return;
        }
        String catchUp = catchUps.remove(name);
        submit(spec, scheduledFor, firedAt, 0, catchUp == null ? null : "fired once for " + catchUp
                + " missed while the master was down or the schedule paused (misfire policy fire-once)");
    }

    /** Submits the schedule's job; records it (or updates the waiting firing {@code seq}, if not 0). */
    private void submit(ScheduleSpec spec, Instant scheduledFor, Instant firedAt, long seq, String note) {
        String name = spec.name();
        try {
            JobSnapshot job;
            try {
                job = core.submit(spec.submission().bySchedule(name)).join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException cause ? cause : e;
            }
            if (seq == 0) {
                record(name, scheduledFor, firedAt, ScheduleRunRow.Outcome.SUBMITTED, job.id(), note);
            } else {
                store.scheduleRuns().update(seq, ScheduleRunRow.Outcome.SUBMITTED, job.id(), note);
            }
            log.atInfo().addKeyValue("schedule", name).addKeyValue("job", job.id()).log("schedule fired: job {}", job.id());
        } catch (RuntimeException e) {
            String reason = e instanceof CoreException ? e.getMessage() : e.toString();
            log.warn("schedule {} fired but its job could not be submitted: {}", name, reason);
            if (seq == 0) {
                record(name, scheduledFor, firedAt, ScheduleRunRow.Outcome.FAILED, null, reason);
            } else {
                store.scheduleRuns().update(seq, ScheduleRunRow.Outcome.FAILED, null, reason);
            }
        }
    }

    private long record(String name, Instant scheduledFor, Instant firedAt, ScheduleRunRow.Outcome outcome, String jobId,
            String reason) {
        if (outcome != ScheduleRunRow.Outcome.SUBMITTED) {
            log.info("schedule {} fired: {}{}", name, outcome, reason == null ? "" : ": " + reason);
        }
        return store.scheduleRuns()
                .insert(new ScheduleRunRow(0, name, scheduledFor, firedAt, outcome, jobId, reason, null));
    }

    // ---- firings waiting for the previous job (overlap policy queue)

    /** Starts the waiting firing {@code seq} once job {@code previous} ends. */
    private void waitFor(long seq, String name, String previous) {
        try {
            Runnable stop = core.watch(previous, snapshot -> {
                if (snapshot.state().isTerminal()) {
                    queue.execute(() -> release(seq, name));
                }
            });
            waits.put(seq, stop);
            if (released.contains(seq)) {
                stop.run();
            }
        } catch (CoreException unknown) {
            queue.execute(() -> release(seq, name));
        }
    }

    private void release(long seq, String name) {
        if (!released.add(seq)) {
            return;
        }
        Runnable stop = waits.remove(seq);
        if (stop != null) {
            stop.run();
        }
        Optional<ScheduleRunRow> run = store.scheduleRuns().recent(name, 1000).stream().filter(r -> r.seq() == seq)
                .findFirst();
        if (run.isEmpty() || run.get().outcome() != ScheduleRunRow.Outcome.WAITING) {
            return; // the schedule was removed meanwhile
        }
        try {
            JobDetail detail = quartz.getJobDetail(key(name));
            if (detail == null) {
                return;
            }
            submit(ScheduleSpec.fromData(name, detail.getJobDataMap()), run.get().scheduledFor(), run.get().firedAt(), seq,
                    "started when the job before it ended (overlap policy queue)");
        } catch (SchedulerException | RuntimeException e) {
            store.scheduleRuns()
                    .update(seq, ScheduleRunRow.Outcome.FAILED, null, "could not start after waiting: " + e);
        }
    }

    private void stopWaiting(long seq) {
        released.add(seq);
        Runnable stop = waits.remove(seq);
        if (stop != null) {
            stop.run();
        }
    }

    /** After a restart: firings that were waiting wait again (or go ahead, if their previous job ended meanwhile). */
    private void resumeWaiting() {
        Set<String> seen = new HashSet<>();
        for (ScheduleRunRow waiting : store.scheduleRuns().waiting()) {
            if (!seen.add(waiting.schedule())) {
                continue;
            }
            Optional<ScheduleRunRow> last = store.scheduleRuns().lastSubmitted(waiting.schedule());
            if (last.isPresent() && last.get().jobState() != null && !last.get().jobState().isTerminal()) {
                waitFor(waiting.seq(), waiting.schedule(), last.get().jobId());
            } else {
                queue.execute(() -> release(waiting.seq(), waiting.schedule()));
            }
        }
    }

    // ---- misfires

    /** Records fire times missed (misfire policy skip); with fire-once, the firing that follows is recorded as usual. */
    private final class Misfires extends TriggerListenerSupport {
        @Override
        public String getName() {
            return "gridwork-misfires";
        }

        @Override
        public void triggerMisfired(Trigger trigger) {
            String name = trigger.getJobKey().getName();
            Instant missed = trigger.getNextFireTime() == null ? null : trigger.getNextFireTime().toInstant();
            boolean skip = trigger.getMisfireInstruction() == org.quartz.CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING
                    && trigger instanceof org.quartz.CronTrigger
                    || trigger.getMisfireInstruction()
                    == org.quartz.SimpleTrigger.MISFIRE_INSTRUCTION_RESCHEDULE_NEXT_WITH_REMAINING_COUNT
                    && trigger instanceof org.quartz.SimpleTrigger;
            int count = 0;
            Instant now = Instant.now();
            for (Date d = trigger.getNextFireTime(); d != null && d.toInstant().isBefore(now) && count < 10_000;
                    d = trigger.getFireTimeAfter(d)) {
                count++;
            }
            String what = count <= 1 ? "its fire time " + missed : count + " fire times from " + missed;
            if (skip) {
                record(name, missed, now, ScheduleRunRow.Outcome.MISSED, null, "the master was down (or the schedule "
                        + "paused) at " + what + "; skipped (misfire policy skip)");
            } else {
                catchUps.put(name, what);
                log.info("schedule {} missed {} while the master was down (or it was paused): firing once now", name,
                        what);
            }
        }
    }

    // ================================================================================== lifecycle

    /** Stops firing; a firing under way finishes first. */
    @Override
    public void close() {
        try {
            quartz.shutdown(true);
        } catch (SchedulerException e) {
            log.warn("stopping Quartz: {}", e.toString());
        }
        for (Runnable stop : waits.values()) {
            stop.run();
        }
        waits.clear();
        queue.shutdown();
        try {
            queue.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Quartz's connections come from the store's pool; the store closes the pool. */
    private static final class StoreConnections implements ConnectionProvider {
        private final DataSource dataSource;

        StoreConnections(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return dataSource.getConnection();
        }

        @Override
        public void shutdown() {
            // the store owns the pool
        }

        @Override
        public void initialize() {
            // nothing to set up
        }
    }

    /** The zone a schedule's cron expression is read in when none is given. */
    public static final ZoneId DEFAULT_ZONE = ZoneId.of("UTC");
}
