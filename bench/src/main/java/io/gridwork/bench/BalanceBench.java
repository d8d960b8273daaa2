package io.gridwork.bench;

import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.bench.jobs.BalanceJob;
import io.gridwork.client.JobSubmission;
import io.gridwork.internal.JobJars;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Load balancing over machines of different speeds: two fast workers and one slow one (its tasks take {@code slowness}
 * times as long), all with the same slots. One job of many short tasks runs with and without speculative execution;
 * the benchmark reports each makespan against the ideal (total work over total capacity), and the share of tasks each
 * worker ran against its share of the capacity and the speed the master measured for it.
 */
final class BalanceBench {

    private record Worker(String name, int slots, double slowness) {}

    private record Run(long makespanMs, long speculated, Map<String, Integer> perWorker) {}

    private final Path dir;
    private final PrintWriter out;
    private final Path jar;

    BalanceBench(Path dir, PrintWriter out) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.out = out;
        this.jar = JobJars.of(dir, "bench-jobs.jar", BalanceJob.class);
    }

    int run(int tasks, int taskMs, double slowness, int rounds) throws Exception {
        List<Worker> pool = List.of(new Worker("fast-1", 2, 1), new Worker("fast-2", 2, 1), new Worker("slow", 2, slowness));
        double capacity = pool.stream().mapToDouble(w -> w.slots() / w.slowness()).sum();
        double idealMs = tasks * (double) taskMs / capacity;
        List<Run> with = new ArrayList<>();
        List<Run> without = new ArrayList<>();
        Map<String, Double> speeds = new LinkedHashMap<>();
        try (Cluster c = new Cluster(dir.resolve("cluster"))) {
            for (Worker w : pool) {
                c.startWorker(w.name(), w.slots(), c.address(), "--label", "slowness=" + w.slowness());
            }
            c.awaitAlive(pool.stream().map(Worker::name).toArray(String[]::new));
            for (int r = 0; r < rounds; r++) {
                with.add(once(c, tasks, taskMs, true));
                without.add(once(c, tasks, taskMs, false));
            }
            for (WorkerInfo w : c.client.workers(false)) {
                speeds.put(w.getName(), w.getSpeed());
            }
        }
        out.println(String.format(Locale.ROOT, "balance: %d tasks of %d ms on fast-1, fast-2 (2 slots each) and slow "
                + "(2 slots, %.0fx slower); ideal makespan %.2f s (work / capacity), %d rounds", tasks, taskMs, slowness,
                idealMs / 1000, rounds));
        out.println(String.format(Locale.ROOT, "balance makespan with speculation:    %s, %.2fx ideal; %s tasks speculated per run",
                median(with), medianMs(with) / idealMs, medianSpeculated(with)));
        out.println(String.format(Locale.ROOT, "balance makespan without speculation: %s, %.2fx ideal",
                median(without), medianMs(without) / idealMs));
        for (Worker w : pool) {
            double shareOfCapacity = w.slots() / w.slowness() / capacity;
            double ran = 0;
            for (Run run : without) {
                ran += run.perWorker().getOrDefault(w.name(), 0);
            }
            double shareRan = ran / ((double) tasks * without.size());
            out.println(String.format(Locale.ROOT, "balance share %-7s ran %5.1f%% of the tasks (without speculation); "
                    + "its share of the capacity %5.1f%%; speed measured by the master %.2f", w.name(), 100 * shareRan,
                    100 * shareOfCapacity, speeds.getOrDefault(w.name(), 0.0)));
        }
        return 0;
    }

    private Run once(Cluster c, int tasks, int taskMs, boolean speculation) throws Exception {
        JobSubmission.Builder b = JobSubmission.builder().jar(jar).jobClass(BalanceJob.class.getName())
                .arg("n", Integer.toString(tasks)).arg("ms", Integer.toString(taskMs));
        if (!speculation) {
            b.noSpeculation();
        }
        String id = c.client.submit(b.build());
        JobStatus s = c.client.await(id, Duration.ofMinutes(10), x -> { });
        if (s.getState() != JobStatus.State.SUCCEEDED) {
            throw new IllegalStateException("job " + id + " ended " + s.getState() + ": " + s.getError());
        }
        long ms = Duration.between(instant(s.getStartedAt()), instant(s.getFinishedAt())).toMillis();
        Map<String, Integer> perWorker = new LinkedHashMap<>();
        for (String part : s.getResult().split(" ")) {
            String[] kv = part.split("=");
            if (!kv[0].equals("tasks")) {
                perWorker.put(kv[0], Integer.parseInt(kv[1]));
            }
        }
        return new Run(ms, s.getTasks().getSpeculated(), perWorker);
    }

    private static java.time.Instant instant(com.google.protobuf.Timestamp t) {
        return java.time.Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static long medianMs(List<Run> runs) {
        List<Long> ms = new ArrayList<>();
        runs.forEach(r -> ms.add(r.makespanMs()));
        Collections.sort(ms);
        return ms.get(ms.size() / 2);
    }

    private static long medianSpeculated(List<Run> runs) {
        List<Long> n = new ArrayList<>();
        runs.forEach(r -> n.add(r.speculated()));
        Collections.sort(n);
        return n.get(n.size() / 2);
    }

    private static String median(List<Run> runs) {
        List<Long> ms = new ArrayList<>();
        runs.forEach(r -> ms.add(r.makespanMs()));
        Collections.sort(ms);
        return String.format(Locale.ROOT, "median %.2f s (min %.2f s, max %.2f s)", ms.get(ms.size() / 2) / 1000.0,
                ms.get(0) / 1000.0, ms.get(ms.size() - 1) / 1000.0);
    }
}
