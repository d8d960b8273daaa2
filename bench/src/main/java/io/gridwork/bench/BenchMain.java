package io.gridwork.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grid bench}: benchmarks that start their own master and workers on loopback and print one line per figure. */
@Command(name = "grid bench", mixinStandardHelpOptions = true,
        description = "Runs benchmarks on this machine: each starts its own master and worker JVMs on loopback.",
        subcommands = {BenchMain.Performance.class, BenchMain.Failover.class, BenchMain.Balance.class,
                BenchMain.Data.class, BenchMain.StreamEcho.class, BenchMain.Simulated.class, BenchMain.HazelcastMemberCommand.class})
public final class BenchMain implements Runnable {

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        CommandLine cmd = new CommandLine(new BenchMain());
        cmd.setExecutionExceptionHandler((ex, c, r) -> {
            c.getErr().println("grid bench: " + ex);
            ex.printStackTrace(c.getErr());
            return 5;
        });
        System.exit(cmd.execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a benchmark is required: performance, failover, balance or data");
    }

    static Path workDir(Path given, String name) throws Exception {
        return given != null ? Files.createDirectories(given) : Files.createTempDirectory("gridwork-bench-" + name + "-");
    }

    @Command(name = "failover", mixinStandardHelpOptions = true,
            description = {"Time from a worker's kill -9 or a hung task to the task running again elsewhere, and false "
                    + "deaths with every core busy and 200 ms added to every link.",
                    "With --ha: masters instead, on an embedded PostgreSQL: time from kill -9 of a master to the first "
                    + "task result accepted by the master that takes over (a standby, then two active masters), tasks "
                    + "lost and merged twice, and the throughput of empty tasks on PostgreSQL against H2 (about 10 "
                    + "minutes; exit code 1 if a task was lost or merged twice)."})
    static final class Failover implements Callable<Integer> {
        @Option(names = "--rounds", defaultValue = "5", description = "Repetitions of each fault (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--ha", description = "Fail masters (several on one PostgreSQL store) instead of workers.")
        boolean ha;

        @Option(names = "--trials", defaultValue = "20", description = "With --ha: kills of a master per form "
                + "(default: ${DEFAULT-VALUE}).")
        int trials;

        @Option(names = "--tasks", defaultValue = "200", description = "With --ha: tasks of the job killed under "
                + "(default: ${DEFAULT-VALUE}).")
        int tasks;

        @Option(names = "--task-ms", defaultValue = "20", description = "With --ha: how long each of its tasks takes "
                + "(default: ${DEFAULT-VALUE}).")
        int taskMs;

        @Option(names = "--quick", description = "With --ha: 3 trials each and a small throughput run: checks that "
                + "every figure still runs.")
        boolean quick;

        @Option(names = "--load-seconds", defaultValue = "60", description = "How long the false-death run lasts (default: ${DEFAULT-VALUE}).")
        int loadSeconds;

        @Option(names = "--dir", description = "Where logs go (default: a temporary directory).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = new PrintWriter(System.out, true);
            if (ha) {
                if (trials < 1 || tasks < 8 || taskMs < 1) {
                    throw new CommandLine.ParameterException(new CommandLine(this),
                            "--trials and --task-ms must be positive, --tasks at least 8");
                }
                Path where = workDir(dir, "failover-ha");
                PerformanceBench throughput = new PerformanceBench(where, out,
                        quick ? PerformanceBench.Sizes.QUICK : PerformanceBench.Sizes.FULL, java.util.Set.of());
                return new HaFailoverBench(where, out, tasks, taskMs).run(quick ? Math.min(3, trials) : trials, throughput);
            }
            return new FailoverBench(workDir(dir, "failover"), out).run(rounds, Duration.ofSeconds(loadSeconds));
        }
    }

    @Command(name = "balance", mixinStandardHelpOptions = true,
            description = "Makespan of a job over two fast workers and a slow one, with and without speculative "
                    + "execution, and the share of tasks each worker ran against its speed.")
    static final class Balance implements Callable<Integer> {
        @Option(names = "--tasks", defaultValue = "120", description = "Tasks per job (default: ${DEFAULT-VALUE}).")
        int tasks;

        @Option(names = "--task-ms", defaultValue = "200", description = "How long a task takes on a fast worker (default: ${DEFAULT-VALUE}).")
        int taskMs;

        @Option(names = "--slowness", defaultValue = "6", description = "How many times slower the slow worker is (default: ${DEFAULT-VALUE}).")
        double slowness;

        @Option(names = "--rounds", defaultValue = "3", description = "Runs of each variant (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--dir", description = "Where logs go (default: a temporary directory).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            if (tasks < 1 || taskMs < 1 || slowness < 1 || rounds < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--tasks, --task-ms and --rounds must be positive, --slowness at least 1");
            }
            PrintWriter out = new PrintWriter(System.out, true);
            return new BalanceBench(workDir(dir, "balance"), out).run(tasks, taskMs, slowness, rounds);
        }
    }

    @Command(name = "performance", mixinStandardHelpOptions = true,
            description = "The performance suite, one line per figure: the raw gRPC stream rate, throughput, latency, "
                    + "speedup, memory and scale, throughput and latency again on PostgreSQL, the Hazelcast executor "
                    + "as a reference in the same run, and the command-line path (about 10 minutes).")
    static final class Performance implements Callable<Integer> {
        @Option(names = "--quick", description = "Small sizes: checks that every figure still runs (seconds, not minutes).")
        boolean quick;

        @Option(names = "--only", split = ",", paramLabel = "N", description = "Only these figures (1 to 8; 6 is "
                + "PostgreSQL, 7 the Hazelcast executor, 8 the command-line path), e.g. --only 2,3,7,8.")
        java.util.Set<Integer> only;

        @Option(names = "--dir", description = "Where logs go (default: a temporary directory).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            if (only != null && !PerformanceBench.FIGURES.containsAll(only)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--only takes figures 1 to "
                        + PerformanceBench.FIGURES.size() + ", got " + only);
            }
            PrintWriter out = new PrintWriter(System.out, true);
            return new PerformanceBench(workDir(dir, "performance"), out,
                    quick ? PerformanceBench.Sizes.QUICK : PerformanceBench.Sizes.FULL,
                    only == null || only.isEmpty() ? PerformanceBench.FIGURES : only).run();
        }
    }

    @Command(name = "data", mixinStandardHelpOptions = true,
            description = {"The data grid's broadcast case: a data set put with ./grid data put and read whole by each "
                    + "of the 4 tasks of a GrepJob on 4 one-slot workers, with peer sharing and with workers that fetch "
                    + "from the master only (--no-peer-fetch), each on a cluster of its own: bytes the master sent over "
                    + "the data set's size, the job's time both ways, and the share of local reads of a second job "
                    + "over the same data (about 5 minutes at the default size)."})
    static final class Data implements Callable<Integer> {
        @Option(names = "--size", defaultValue = "256m", converter = Size.class, paramLabel = "SIZE",
                description = "The data set's size, as bytes or with k, m or g (default: ${DEFAULT-VALUE}).")
        long size;

        @Option(names = "--rounds", defaultValue = "3", description = "Rounds per variant, each on a data set of its "
                + "own (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--prefetch", defaultValue = "-1", description = "The workers' --prefetch (default: "
                + "${DEFAULT-VALUE}, the worker's own choice).")
        int prefetch;

        @Option(names = "--quick", description = "A 32 MiB data set and one round: checks that every figure still runs.")
        boolean quick;

        @Option(names = "--dir", description = "Where logs and the data files go (default: a temporary directory).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            if (rounds < 1 || size < 1L << 20 || prefetch < -1) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--rounds must be positive, --size at least 1m and --prefetch -1 or more");
            }
            PrintWriter out = new PrintWriter(System.out, true);
            return new DataBench(workDir(dir, "data"), out, quick ? 32L << 20 : size, quick ? 1 : rounds,
                    prefetch).run();
        }
    }

    /** Sizes such as {@code 256m}, {@code 1g}, {@code 512k}, or bytes (a k is 1024 bytes). */
    static final class Size implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})([kmg]?)")
                    .matcher(value.trim().toLowerCase(java.util.Locale.ROOT));
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a size such as 256m or 1g");
            }
            int shift = switch (m.group(2)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                default -> 0;
            };
            return Long.parseLong(m.group(1)) << shift;
        }
    }

    @Command(name = "stream-echo", hidden = true, description = "The echo side of the raw stream figure.")
    static final class StreamEcho implements Callable<Integer> {
        @Option(names = "--dir", required = true)
        Path dir;

        @Override
        public Integer call() throws Exception {
            RawStream.serve(dir);
            return 0;
        }
    }

    @Command(name = "hazelcast-member", hidden = true, description = "A Hazelcast member on loopback, for the peers figure.")
    static final class HazelcastMemberCommand implements Callable<Integer> {
        @Option(names = "--cluster", required = true)
        String cluster;

        @Option(names = "--port", required = true)
        int port;

        @Option(names = "--dir", required = true)
        Path dir;

        @Option(names = "--parent", required = true, description = "The bench's process id: the member ends with it.")
        long parent;

        @Override
        public Integer call() throws Exception {
            io.gridwork.bench.peers.HazelcastMember.serve(cluster, port, dir, parent);
            return 0;
        }
    }

    @Command(name = "simulated-workers", hidden = true, description = "Many light workers in one JVM, for the scale figure.")
    static final class Simulated implements Callable<Integer> {
        @Option(names = "--master", required = true)
        String master;

        @Option(names = "--count", required = true)
        int count;

        @Option(names = "--dir", required = true)
        Path dir;

        @Override
        public Integer call() throws Exception {
            SimulatedWorkers.run(master, count, dir);
            return 0;
        }
    }
}
