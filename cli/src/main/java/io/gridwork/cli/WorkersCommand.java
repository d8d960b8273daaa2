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

@Command(mixinStandardHelpOptions = true, name = "workers",
        description = {"Lists the workers: state, slots, running, held and completed tasks, speed, labels.",
                "RUNNING: tasks executing on it now. HELD: tasks it holds and has not started (prefetched).",
                "SPEED is its relative speed: its pace (each timed task's job mean duration over its duration there) "
                + "over the average pace of the live workers; 1.00: as fast as the grid's average (identical workers "
                + "all show about 1.00), 2.00: twice as fast. 1.00 until it has run tasks of jobs whose tasks take 20 ms "
                + "or more.",
                "TRUST: replicas of quorum jobs (grid submit --quorum) whose output agreed/disagreed with the accepted "
                + "one; 'untrusted': its disagreement rate is above the master's --trust-max-disagreement, and it gets "
                + "no tasks of quorum jobs until grid workers reset-trust."},
        subcommands = {WorkersCommand.Drain.class, WorkersCommand.Undrain.class, WorkersCommand.ResetTrust.class})
final class WorkersCommand implements Callable<Integer> {

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
            var out = client.out();
            if (client.json()) {
                if (watch) {
                    follow(c, out);
                } else {
                    out.println(Json.print(ListWorkersResponse.newBuilder().addAllWorkers(workers)));
                    out.flush();
                }
                return ExitCodes.OK;
            }
            Table table = new Table("NAME", "ID", "STATE", "SLOTS", "RUNNING", "HELD", "COMPLETED", "FAILED", "SPEED",
                    "TRUST", "HEARTBEAT", "ADDRESS", "LABELS");
            Instant now = Instant.now();
            for (WorkerInfo w : workers) {
                String heartbeat = w.hasLastHeartbeat()
                        ? Formats.duration(Duration.between(Formats.instant(w.getLastHeartbeat()), now)) + " ago" : "-";
                String state = w.getState().name() + (w.getDrainRequested() && w.getState() != WorkerInfo.State.DRAINING
                        ? " (drained)" : "");
                table.row(w.getName(), w.getId(), state, w.getSlots(), w.getRunning(), w.getHeld(), w.getCompleted(),
                        w.getFailed(), String.format(java.util.Locale.ROOT, "%.2f", w.getSpeed()), trust(w), heartbeat,
                        w.getAddress(), Formats.pairs(w.getLabelsMap()));
            }
            if (table.size() == 0) {
                out.println(all ? "no workers" : "no workers connected");
                out.flush();
            } else {
                table.print(out);
                for (WorkerInfo w : workers) {
                    if (!w.getOwnerReason().isEmpty()) { // idle owners (issue 19): why it takes no tasks
                        out.println(w.getName() + ": " + w.getOwnerReason());
                    }
                }
                out.flush();
            }
            if (watch) {
                follow(c, out);
            }
            return ExitCodes.OK;
        }
    }

    /** A worker's trust record from quorum jobs: agreed/disagreed, "-" if it has none. */
    static String trust(WorkerInfo w) {
        if (w.getAgreed() == 0 && w.getDisagreed() == 0) {
            return "-";
        }
        return w.getAgreed() + "/" + w.getDisagreed() + (w.getUntrusted() ? " untrusted" : "");
    }

    @Command(name = "reset-trust", mixinStandardHelpOptions = true, description = {"Clears a worker's trust record "
            + "from quorum jobs (results agreed and disagreed), so a worker excluded for its disagreements takes quorum "
            + "jobs' tasks again. Admins only; audited.", "Trust records are kept by worker name: a record of a worker "
            + "no longer connected can be reset by its name."})
    static final class ResetTrust implements Callable<Integer> {
        @picocli.CommandLine.Parameters(paramLabel = "WORKER", description = "The worker's name or id.")
        String worker;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (GridClient c = client.connect()) {
                WorkerInfo w = c.resetTrust(worker);
                return client.print(w, () -> "trust record of worker " + w.getName()
                        + " reset: it takes tasks of quorum jobs again");
            }
        }
    }

    /** What drain and undrain share: the worker to act on, and the client. */
    abstract static class DrainCommand implements Callable<Integer> {
        @picocli.CommandLine.Parameters(paramLabel = "WORKER", description = "The worker's name or id.")
        String worker;

        @Mixin
        ClientOptions client;
    }

    @Command(name = "drain", mixinStandardHelpOptions = true, description = {"Stops new assignments to a worker and lets "
            + "its running tasks finish, for taking a machine back; its state shows DRAINING. Admins only.",
            "It stays drained when it or the master restarts, until grid workers undrain."})
    static final class Drain extends DrainCommand {
        @Override
        public Integer call() {
            return drain(client, worker, true);
        }
    }

    @Command(name = "undrain", mixinStandardHelpOptions = true,
            description = "Lets a drained worker take tasks again. Admins only.")
    static final class Undrain extends DrainCommand {
        @Override
        public Integer call() {
            return drain(client, worker, false);
        }
    }

    private static int drain(ClientOptions client, String worker, boolean drain) {
        try (GridClient c = client.connect()) {
            WorkerInfo w = drain ? c.drainWorker(worker) : c.undrainWorker(worker);
            return client.print(w, () -> drain
                    ? "worker " + w.getName() + " (" + w.getId() + ") is " + w.getState() + ": it takes no new tasks"
                            + (w.getRunning() > 0 ? "; its " + w.getRunning() + " running tasks finish" : "")
                    : "worker " + w.getName() + " (" + w.getId() + ") is " + w.getState()
                            + (w.getState() == WorkerInfo.State.ALIVE ? ": it takes tasks again" : ""));
        }
    }

    private void follow(GridClient c, java.io.PrintWriter out) {
        if (history < 0 || history > 1000) {
            throw CliException.usage("--history must be from 0 to 1000");
        }
        if (!client.json()) {
            client.err().println("following worker state changes (Ctrl-C to stop)");
            client.err().flush();
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
