package io.gridwork.cli;

import io.gridwork.api.v1.ListWorkersResponse;
import io.gridwork.api.v1.WorkerInfo;
import io.gridwork.client.GridClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(mixinStandardHelpOptions = true, name = "workers", description = "Lists the workers: state, slots, running and completed tasks, labels.")
final class WorkersCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--all", description = "Also list workers that are DEAD or LEFT.")
    boolean all;

    @Option(names = "--watch", description = "Then follow state changes (ALIVE, SUSPECT, LINK_FAILED, DEAD, RECOVERED, "
            + "DRAINING, LEFT) as they happen, one line each (JSON Lines with --output json), until interrupted.")
    boolean watch;

    @Option(names = "--history", paramLabel = "N", defaultValue = "20",
            description = "With --watch: recent changes to show first (default: ${DEFAULT-VALUE}).")
    int history;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        try (GridClient c = client.connect()) {
            List<WorkerInfo> workers = c.workers(all);
            var out = spec.commandLine().getOut();
            if (client.json()) {
                if (watch) {
                    follow(c, out);
                } else {
                    out.println(Json.print(ListWorkersResponse.newBuilder().addAllWorkers(workers)));
                    out.flush();
                }
                return ExitCodes.OK;
            }
            Table table = new Table("NAME", "ID", "STATE", "SLOTS", "RUNNING", "COMPLETED", "FAILED", "HEARTBEAT", "ADDRESS", "LABELS");
            Instant now = Instant.now();
            for (WorkerInfo w : workers) {
                String heartbeat = w.hasLastHeartbeat()
                        ? Formats.duration(Duration.between(Formats.instant(w.getLastHeartbeat()), now)) + " ago" : "-";
                table.row(w.getName(), w.getId(), w.getState(), w.getSlots(), w.getRunning(), w.getCompleted(),
                        w.getFailed(), heartbeat, w.getAddress(), Formats.pairs(w.getLabelsMap()));
            }
            if (table.size() == 0) {
                out.println(all ? "no workers" : "no workers connected");
                out.flush();
            } else {
                table.print(out);
            }
            if (watch) {
                follow(c, out);
            }
            return ExitCodes.OK;
        }
    }

    private void follow(GridClient c, java.io.PrintWriter out) {
        if (history < 0 || history > 1000) {
            throw CliException.usage("--history must be from 0 to 1000");
        }
        if (!client.json()) {
            spec.commandLine().getErr().println("following worker state changes (Ctrl-C to stop)");
            spec.commandLine().getErr().flush();
        }
        c.watchWorkers(history, Instant.MAX, e -> {
            if (client.json()) {
                out.println(Json.line(e));
            } else {
                out.println(Formats.time(e.getAt()) + "  " + e.getName() + "  " + e.getType() + "  " + e.getReason());
            }
            out.flush();
        });
    }
}
