package io.gridwork.bench;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.ListMastersRequest;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.bench.jobs.TallyJob;
import io.gridwork.bench.support.GridProcesses;
import io.gridwork.bench.support.PostgresServer;
import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.JobSubmission;
import io.gridwork.internal.JobJars;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Master failover on a shared PostgreSQL store ({@code grid bench failover --ha}), over many trials of each form:
 * <ol>
 *   <li>hot standby: an active master and a standby; each trial kills the active one (kill -9) mid-job, so the
 *       standby takes over; the killed one comes back as a new process, as the standby, for the next trial;</li>
 *   <li>mutual takeover: two active masters, a job on each; each trial kills one of them (in turn), the survivor
 *       takes over its job; the killed one comes back as a new active process.</li>
 * </ol>
 * Per trial: the time from the kill to the first task result the survivor accepts for the killed master's job (the
 * job's owner is the survivor and its succeeded count passed what the store had at the kill, polled every few
 * milliseconds through the survivor, as a client sees it), the takeover's own duration as the survivor recorded it
 * (TAKEOVER event: first missed ping to the job resumed), and the tasks lost and merged twice (from the job's result:
 * a {@link TallyJob} counts and sums what was merged, and from its task counts). Then the throughput of empty tasks
 * with the PostgreSQL store against H2, in the same run, as figure 2 of the performance suite measures it.
 */
final class HaFailoverBench {

    private static final Pattern TALLY = Pattern.compile("count=(\\d+) sum=(\\d+)");

    private final Path dir;
    private final PrintWriter out;
    private final Path jar;
    private final int tasks;
    private final int taskMs;

    /** Figures of one trial. */
    record Trial(long firstResultMs, long takeoverMs, long lost, long mergedTwice) {}

    HaFailoverBench(Path dir, PrintWriter out, int tasks, int taskMs) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.out = out;
        this.jar = JobJars.of(dir, "ha-jobs.jar", TallyJob.class);
        this.tasks = tasks;
        this.taskMs = taskMs;
    }

    /** A master JVM on the shared store: a fixed port and data directory, a new process (new id) at every start. */
    private final class Master {
        final String name;
        final int port;
        final Path data;
        Process process;
        GridClient client;
        String id;

        Master(String name) throws IOException {
            this.name = name;
            this.port = Cluster.freePort();
            this.data = dir.resolve(name);
        }

        String address() {
            return "127.0.0.1:" + port;
        }

        MasterInfo self() {
            return client.call(s -> s.listMasters(ListMastersRequest.getDefaultInstance())).getMastersList().stream()
                    .filter(MasterInfo::getSelf).findFirst().orElseThrow();
        }

        Optional<MasterInfo> peer(String peerId) {
            return client.call(s -> s.listMasters(ListMastersRequest.getDefaultInstance())).getMastersList().stream()
                    .filter(m -> m.getId().equals(peerId)).findFirst();
        }

        List<MasterEvent> events() {
            return client.call(s -> s.listMasters(ListMastersRequest.newBuilder().setEvents(1000).build())).getEventsList();
        }

        /**
         * Waits until both workers linked to this master process, by their logs ("... with the master at ADDRESS as
         * ... master ID ..."): a master's own worker list is no proof, as a master started on the store lists the
         * workers it finds there as ALIVE until its adoption window ends. After 30 s it says so and goes on.
         */
        void awaitWorkers(GridProcesses processes, List<String> workerNames) {
            String linked = "master " + id + ",";
            try {
                Cluster.waitFor(Duration.ofSeconds(30), () -> workerNames.stream()
                        .allMatch(w -> processes.log(w).contains(linked)), "2 workers on " + name);
            } catch (IllegalStateException e) {
                out.println("failover ha: note: the workers did not link to " + name + " (" + id + ") within 30 s of "
                        + "its start (a takeover by it then waits for them)");
            }
        }

        boolean sees(String peerId, MasterInfo.State state) {
            try {
                return peer(peerId).map(i -> i.getState() == state).orElse(false);
            } catch (RuntimeException unreachable) {
                return false;
            }
        }
    }

    /** Two masters and two workers (2 slots each, connected to both) on one database of the shared server. */
    private final class Pair implements AutoCloseable {
        final GridProcesses processes;
        final List<String> store;
        final Master[] masters;
        final boolean standby;
        final List<String> workerNames = new ArrayList<>();
        Credentials credentials;
        int serial;

        Pair(Path where, PostgresServer pg, String database, boolean standby) throws Exception {
            Files.createDirectories(where);
            this.processes = new GridProcesses(where);
            this.store = pg.createDatabase(database);
            this.standby = standby;
            this.masters = new Master[] {new Master(database + "-m1"), new Master(database + "-m2")};
            try {
                start(masters[0], false);
                start(masters[1], standby);
                for (int i = 1; i <= 2; i++) {
                    workerNames.add(database + "-w" + i);
                    processes.start(database + "-w" + i, "worker", "--master", masters[0].address() + ","
                            + masters[1].address(), "--slots", "2", "--name", database + "-w" + i, "--work-dir",
                            where.resolve("w" + i).toString(), "--drain-timeout", "2s");
                }
                masters[0].awaitWorkers(processes, workerNames);
                masters[1].awaitWorkers(processes, workerNames);
            } catch (Exception | Error e) {
                close();
                throw e;
            }
        }

        void start(Master m, boolean asStandby) throws Exception {
            Files.createDirectories(m.data);
            Files.deleteIfExists(m.data.resolve("master.port"));
            List<String> args = new ArrayList<>(List.of("master", "--port", Integer.toString(m.port),
                    "--http-port", "0", "--bind", "127.0.0.1", "--data", m.data.toString()));
            args.addAll(store);
            if (asStandby) {
                args.add("--standby");
            }
            m.process = processes.start(m.name + "-" + (++serial), args.toArray(String[]::new));
            Process p = m.process;
            // the first master of the store writes the grid's credentials; the others find them in the store
            boolean first = credentials == null;
            Cluster.waitFor(Duration.ofSeconds(90), () -> !p.isAlive() || nonEmpty(m.data.resolve("master.port"))
                    && (!first || Files.exists(m.data.resolve(Credentials.FILE_NAME))), m.name + " to start");
            if (!p.isAlive()) {
                throw new IllegalStateException(m.name + " exited " + p.exitValue() + ": " + processes.logs());
            }
            if (first) {
                // the CA and the tokens are in the shared store: the first master's credentials work on every one
                credentials = Credentials.read(m.data.resolve(Credentials.FILE_NAME));
                processes.env("GRID_CREDENTIALS", m.data.resolve(Credentials.FILE_NAME).toString());
            }
            if (m.client != null) {
                m.client.close();
            }
            m.client = GridClient.builder().target(m.address()).credentials(credentials)
                    .callTimeout(Duration.ofSeconds(20)).build();
            Cluster.waitFor(Duration.ofSeconds(60), () -> {
                try {
                    m.id = m.self().getId();
                    return true;
                } catch (RuntimeException e) {
                    return false;
                }
            }, m.name + " to answer");
        }

        /** The master that runs jobs now (with a standby: the one not standing by; mutual: take turns). */
        Master victim(int trial) {
            if (!standby) {
                return masters[trial % 2];
            }
            return masters[0].self().getState() == MasterInfo.State.ACTIVE ? masters[0] : masters[1];
        }

        Master other(Master m) {
            return m == masters[0] ? masters[1] : masters[0];
        }

        @Override
        public void close() throws Exception {
            for (Master m : masters) {
                if (m.client != null) {
                    m.client.close();
                }
            }
            processes.close();
        }
    }

    private static boolean nonEmpty(Path file) {
        try {
            return Files.exists(file) && !Files.readString(file).isBlank();
        } catch (IOException e) {
            return false;
        }
    }

    private JobSubmission job() {
        return JobSubmission.builder().jar(jar).jobClass(TallyJob.class.getName()).arg("n", Integer.toString(tasks))
                .arg("ms", Integer.toString(taskMs)).noSpeculation().build();
    }

    /** {@code trials} kills of a master mid-job in a pair of masters (a standby pair or two active ones). */
    List<Trial> trials(PostgresServer pg, boolean standby, int trials) throws Exception {
        String name = standby ? "standby" : "mutual";
        List<Trial> results = new ArrayList<>();
        try (Pair pair = new Pair(dir.resolve(name), pg, name, standby)) {
            for (int t = 0; t < trials; t++) {
                Master victim = pair.victim(t);
                Master survivor = pair.other(victim);
                String victimId = victim.id;
                Cluster.waitFor(Duration.ofSeconds(60), () -> survivor.sees(victimId, MasterInfo.State.ACTIVE),
                        "the survivor to see the victim ACTIVE");
                String job = victim.client.submit(job());
                String other = standby ? null : survivor.client.submit(job());
                long halfway = tasks / 4;
                Cluster.waitFor(Duration.ofSeconds(60), () -> succeeded(victim, job) >= halfway, "a quarter of the job done");
                long base = victim.client.status(job).getTasks().getSucceeded();

                long killedAt = System.nanoTime();
                victim.process.destroyForcibly(); // SIGKILL
                // until the takeover the survivor answers from the store (the owner is gone): what the killed master
                // had committed; the first count above that, with the survivor as the owner, is a result it accepted
                long acceptedAt;
                while (true) {
                    JobStatus s;
                    try {
                        s = survivor.client.status(job);
                    } catch (RuntimeException e) {
                        s = null;
                    }
                    long now = System.nanoTime();
                    if (s != null) {
                        if (!s.getMaster().equals(survivor.id)) {
                            base = Math.max(base, s.getTasks().getSucceeded());
                        } else if (s.getTasks().getSucceeded() > base || GridClient.isTerminal(s.getState())) {
                            acceptedAt = now;
                            break;
                        }
                    }
                    if (now - killedAt > Duration.ofSeconds(60).toNanos()) {
                        throw new IllegalStateException("trial " + (t + 1) + " (" + name + "): no result accepted by the "
                                + "survivor 60 s after the kill; " + survivor.client.status(job) + pair.processes.logs());
                    }
                    Thread.sleep(2);
                }
                long firstResultMs = (acceptedAt - killedAt) / 1_000_000L;
                long[] damage = damage(survivor.client.await(job, Duration.ofMinutes(3), s -> { }));
                if (other != null) {
                    long[] more = damage(survivor.client.await(other, Duration.ofMinutes(3), s -> { }));
                    damage[0] += more[0];
                    damage[1] += more[1];
                }
                long takeoverMs = survivor.events().stream()
                        .filter(e -> e.getType() == MasterEvent.Type.TAKEOVER && e.getMasterId().equals(victimId))
                        .mapToLong(MasterEvent::getDurationMs).findFirst().orElse(-1);
                results.add(new Trial(firstResultMs, takeoverMs, damage[0], damage[1]));
                out.println(String.format(Locale.ROOT, "failover ha %s: trial %d: first result accepted by the survivor "
                        + "%d ms after the kill (takeover %d ms); lost %d, merged twice %d", name, t + 1, firstResultMs,
                        takeoverMs, damage[0], damage[1]));
                out.flush();

                // the killed master comes back as a new process, so the next trial has two masters again
                victim.process.waitFor();
                pair.start(victim, standby);
                Master back = victim;
                back.awaitWorkers(pair.processes, pair.workerNames);
                Cluster.waitFor(Duration.ofSeconds(60), () -> survivor.sees(back.id, standby ? MasterInfo.State.STANDBY
                        : MasterInfo.State.ACTIVE), "the survivor to see the restarted master");
            }
        }
        return results;
    }

    private static long succeeded(Master m, String job) {
        try {
            return m.client.status(job).getTasks().getSucceeded();
        } catch (RuntimeException unreachable) {
            return -1;
        }
    }

    /** Tasks lost and merged twice in a finished TallyJob, from its result and its task counts. */
    private long[] damage(JobStatus done) {
        if (done.getState() != JobStatus.State.SUCCEEDED) {
            throw new IllegalStateException("job " + done.getId() + " ended " + done.getState() + ": " + done.getError());
        }
        Matcher m = TALLY.matcher(done.getResult());
        if (!m.matches()) {
            throw new IllegalStateException("job " + done.getId() + " result " + done.getResult());
        }
        long merged = Long.parseLong(m.group(1));
        long lost = Math.max(0, tasks - merged);
        long twice = Math.max(0, merged - tasks);
        if (lost == 0 && twice == 0 && !done.getResult().equals(TallyJob.expected(tasks))) {
            // as many merges as tasks but the wrong ones: at least one lost and one merged twice
            lost = 1;
            twice = 1;
        }
        lost = Math.max(lost, tasks - done.getTasks().getSucceeded());
        twice = Math.max(twice, done.getTasks().getSucceeded() - tasks);
        return new long[] {lost, twice};
    }

    /**
     * Runs both forms, {@code trials} each, then (unless {@code throughput} is null) the empty-task throughput on
     * PostgreSQL and H2; returns 0, or 1 if any task was lost or merged twice.
     */
    int run(int trials, PerformanceBench throughput) throws Exception {
        long bad = 0;
        try (PostgresServer pg = PostgresServer.start(dir.resolve("postgres"))) {
            out.println(String.format(Locale.ROOT, "failover ha: PostgreSQL %s on loopback (embedded, synchronous_commit "
                    + "%s); 2 masters and 2 workers of 2 slots as separate JVMs (-Xmx256m); per trial a job of %d tasks "
                    + "of %d ms, the master owning it killed with kill -9 after a quarter of them", pg.query("postgres",
                    "SHOW server_version"), pg.query("postgres", "SHOW synchronous_commit"), tasks, taskMs));
            out.flush();
            for (boolean standby : new boolean[] {true, false}) {
                List<Trial> results = trials(pg, standby, trials);
                long lost = results.stream().mapToLong(Trial::lost).sum();
                long twice = results.stream().mapToLong(Trial::mergedTwice).sum();
                bad += lost + twice;
                List<Long> takeovers = results.stream().map(Trial::takeoverMs).filter(ms -> ms >= 0).toList();
                out.println(String.format(Locale.ROOT, "failover ha %s: kill -9 of the %s -> first task result accepted "
                        + "by the %s after %s (%d trials); takeover as recorded (first missed ping to jobs resumed) %s; "
                        + "tasks lost %d, merged twice %d", standby ? "standby" : "mutual",
                        standby ? "active master" : "master owning the job", standby ? "standby" : "other active master",
                        FailoverBench.summary(results.stream().map(Trial::firstResultMs).toList()), results.size(),
                        takeovers.isEmpty() ? "not recorded" : FailoverBench.summary(takeovers), lost, twice));
                out.flush();
            }
            if (throughput != null) {
                throughput.throughput("failover ha throughput h2: ", 0, dir.resolve("h2-throughput"), List.of());
                throughput.throughput("failover ha throughput postgres: ", 0, dir.resolve("pg-throughput"),
                        pg.createDatabase("throughput"));
            }
        }
        return bad == 0 ? 0 : 1;
    }
}
