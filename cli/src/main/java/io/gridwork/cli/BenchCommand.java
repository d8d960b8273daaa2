package io.gridwork.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * {@code grid bench}: listed here so that {@code grid --help} shows it. The benchmarks live in their own module
 * ({@code bench/}); the source tree's {@code ./grid} launcher runs them directly, and this command hands over to them
 * when they are on the class path, or says where they are.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the benchmarks on this machine: performance, failover or balance; each starts its own master "
                + "and worker JVMs on loopback (see README, Performance).",
                "From a source checkout: ./grid bench performance [--quick], ./grid bench failover, ./grid bench "
                + "balance; ./grid bench BENCHMARK --help for its options. Not part of the distribution archive."})
final class BenchCommand implements Callable<Integer> {

    /** The benchmarks' own command line, in the bench module. */
    static final String BENCH_MAIN = "io.gridwork.bench.BenchMain";

    @Parameters(paramLabel = "BENCHMARK", arity = "0..1", description = "performance, failover or balance.")
    String benchmark;

    @Unmatched
    List<String> rest = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Class<?> main;
        try {
            main = Class.forName(BENCH_MAIN);
        } catch (ClassNotFoundException e) {
            throw CliException.usage("the benchmarks are not in this installation: run ./grid bench from a source "
                    + "checkout of Gridwork");
        }
        List<String> args = new ArrayList<>();
        if (benchmark != null) {
            args.add(benchmark);
        }
        args.addAll(rest);
        Method entry = main.getMethod("main", String[].class);
        try {
            entry.invoke(null, (Object) args.toArray(new String[0]));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return ExitCodes.OK;
    }
}
