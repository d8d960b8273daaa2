package io.gridwork.bench;

import io.gridwork.api.v1.WorkerEvent;
import io.gridwork.bench.jobs.SleepyJob;
import io.gridwork.bench.jobs.SpinJob;
import io.gridwork.bench.support.DelayProxy;
import io.gridwork.client.JobSubmission;
import io.gridwork.internal.JobJars;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How fast a lost task runs again, and whether a slow worker is ever mistaken for a dead one:
 * <ol>
 *   <li>kill -9 of a worker running a task: time from the kill to the task starting again on another worker;</li>
 *   <li>a hung task (no progress, deaf to cancellation) with a task timeout: time from its start to it starting
 *       again elsewhere;</li>
 *   <li>false deaths: workers behind links with added latency, every core busy, for a while: how many were
 *       declared SUSPECT, LINK_FAILED or DEAD although none failed.</li>
 * </ol>
 */
final class FailoverBench {

    private final Path dir;
    private final PrintWriter out;
    private final Path jar;

    FailoverBench(Path dir, PrintWriter out) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.out = out;
        this.jar = JobJars.of(dir, "bench-jobs.jar", SleepyJob.class, SpinJob.class);
    }

    /** Kills a worker mid-task {@code rounds} times; returns the delays in ms. */
    List<Long> killNine(int rounds) throws Exception {
        List<Long> delays = new ArrayList<>();
        try (Cluster c = new Cluster(dir.resolve("kill9"))) {
            c.startWorker("victim", 1, c.address());
            c.startWorker("survivor", 2, c.address(), "--prefetch", "0");
            c.awaitAlive("victim", "survivor");
            for (int r = 1; r <= rounds; r++) {
                long victimPid = c.workers.get("victim").pid();
                String job = null;
                Path log = null;
                String[] onVictim = null;
                for (int attempt = 1; onVictim == null; attempt++) {
                    if (job != null) {
                        c.client.cancel(job, "no task landed on the victim; again");
                    }
                    if (attempt > 10) {
                        throw new IllegalStateException("no task started on the victim in 10 tries");
                    }
                    Path thisLog = dir.resolve("kill9-" + r + "-" + attempt + ".log");
                    log = thisLog;
                    job = c.client.submit(JobSubmission.builder().jar(jar).jobClass(SleepyJob.class.getName())
                            .arg("n", "2").arg("ms", "600000").arg("log", thisLog.toString()).build());
                    Cluster.waitFor(Duration.ofSeconds(60), () -> lines(thisLog).size() >= 2, "both tasks to start");
                    onVictim = lines(thisLog).stream().map(l -> l.split(" "))
                            .filter(f -> Long.parseLong(f[2]) == victimPid).findFirst().orElse(null);
                }
                Path finalLog = log;
                String index = onVictim[0];
                long killedAt = System.currentTimeMillis();
                c.workers.get("victim").destroyForcibly();
                Cluster.waitFor(Duration.ofSeconds(60), () -> restart(finalLog, index).isPresent(), "the task to start again");
                delays.add(restart(finalLog, index).get() - killedAt);
                c.client.cancel(job, "benchmark round over");
                c.workers.get("victim").waitFor();
                c.startWorker("victim", 1, c.address());
                c.awaitAlive("victim");
            }
        }
        return delays;
    }

    /** A task hangs {@code rounds} times under a task timeout; returns the delays (hang start to rerun) in ms. */
    List<Long> hang(int rounds, Duration timeout) throws Exception {
        List<Long> delays = new ArrayList<>();
        try (Cluster c = new Cluster(dir.resolve("hang"))) {
            for (int r = 1; r <= rounds; r++) {
                String a = "hang-a" + r;
                String b = "hang-b" + r;
                c.startWorker(a, 1, c.address());
                c.startWorker(b, 1, c.address());
                c.awaitAlive(a, b);
                Path log = dir.resolve("hang-" + r + ".log");
                String job = c.client.submit(JobSubmission.builder().jar(jar).jobClass(SleepyJob.class.getName())
                        .arg("n", "1").arg("ms", "100").arg("hangOn", "0").arg("log", log.toString())
                        .taskTimeout(timeout).noSpeculation().build()); // the timeout, not a second attempt, rescues it
                Cluster.waitFor(Duration.ofSeconds(60), () -> restart(log, "0").isPresent(), "the hung task to run again");
                long hungAt = Long.parseLong(lines(log).get(0).split(" ")[3]);
                delays.add(restart(log, "0").get() - hungAt);
                c.client.await(job, Duration.ofMinutes(1), s -> { });
                c.workers.get(a).destroy();
                c.workers.get(b).destroy();
            }
        }
        return delays;
    }

    /**
     * Three workers behind links that add {@code latencyMs} each way (their streams and their health ports), every
     * core kept busy, CPU-bound tasks running, for {@code duration}: the failure detector's verdicts.
     */
    long[] falseDeaths(Duration duration, long latencyMs) throws Exception {
        List<DelayProxy> proxies = new ArrayList<>();
        List<Thread> burners = new ArrayList<>();
        try (Cluster c = new Cluster(dir.resolve("load"))) {
            for (int i = 1; i <= 3; i++) {
                DelayProxy stream = new DelayProxy(0, new InetSocketAddress("127.0.0.1", c.masterPort), latencyMs);
                int healthPort = Cluster.freePort();
                DelayProxy health = new DelayProxy(0, new InetSocketAddress("127.0.0.1", healthPort), latencyMs);
                proxies.add(stream);
                proxies.add(health);
                c.startWorker("slow-" + i, 1, "127.0.0.1:" + stream.port(), "--health-port", Integer.toString(healthPort),
                        "--advertise-host", "127.0.0.1", "--advertise-health-port", Integer.toString(health.port()));
            }
            c.awaitAlive("slow-1", "slow-2", "slow-3");
            for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                Thread t = new Thread(FailoverBench::burn, "burner-" + i);
                t.setDaemon(true);
                t.start();
                burners.add(t);
            }
            int before = c.events.size();
            String job = c.client.submit(JobSubmission.builder().jar(jar).jobClass(SpinJob.class.getName())
                    .arg("n", "1000000").arg("ms", "100").build());
            Thread.sleep(duration.toMillis());
            c.client.cancel(job, "benchmark over");
            List<WorkerEvent> during = c.events.subList(before, c.events.size());
            return new long[] {
                during.stream().filter(e -> e.getType() == WorkerEvent.Type.SUSPECT).count(),
                during.stream().filter(e -> e.getType() == WorkerEvent.Type.LINK_FAILED).count(),
                during.stream().filter(e -> e.getType() == WorkerEvent.Type.DEAD).count(),
                c.client.status(job).getTasks().getSucceeded()
            };
        } finally {
            burners.forEach(Thread::interrupt);
            proxies.forEach(DelayProxy::close);
        }
    }

    private static void burn() {
        long x = 1;
        while (!Thread.currentThread().isInterrupted()) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
    }

    int run(int rounds, Duration loadDuration) throws Exception {
        List<Long> kill = killNine(rounds);
        out.println(String.format(Locale.ROOT, "failover kill -9: worker killed mid-task -> task running again elsewhere "
                + "after %s (%d rounds)", summary(kill), rounds));
        out.flush();
        Duration timeout = Duration.ofSeconds(2);
        List<Long> hung = hang(rounds, timeout);
        out.println(String.format(Locale.ROOT, "failover hang: task hung without progress, task timeout %d s -> running "
                + "again elsewhere after %s (%d rounds)", timeout.toSeconds(), summary(hung), rounds));
        out.flush();
        long[] verdicts = falseDeaths(loadDuration, 200);
        out.println(String.format(Locale.ROOT, "failover false deaths: 3 workers, +200 ms each way on every link, all "
                + "%d cores busy, %d s, %d tasks done -> %d DEAD, %d LINK_FAILED, %d SUSPECT",
                Runtime.getRuntime().availableProcessors(), loadDuration.toSeconds(), verdicts[3], verdicts[2],
                verdicts[1], verdicts[0]));
        out.flush();
        return 0;
    }

    static String summary(List<Long> ms) {
        List<Long> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        return String.format(Locale.ROOT, "median %.2f s (min %.2f s, max %.2f s)", sorted.get(sorted.size() / 2) / 1000.0,
                sorted.get(0) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0);
    }

    private static List<String> lines(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** When task {@code index} started its second (or later) attempt, per the log. */
    private static Optional<Long> restart(Path log, String index) {
        return lines(log).stream().map(l -> l.split(" ")).filter(f -> f.length == 4 && f[0].equals(index)
                && Integer.parseInt(f[1]) >= 2).map(f -> Long.parseLong(f[3])).findFirst();
    }
}
