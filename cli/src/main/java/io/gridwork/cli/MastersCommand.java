package io.gridwork.cli;

import io.gridwork.api.v1.ListMastersResponse;
import io.gridwork.api.v1.MasterEvent;
import io.gridwork.api.v1.MasterInfo;
import io.gridwork.client.GridClient;
import io.gridwork.client.GridException;
import io.grpc.Status;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(mixinStandardHelpOptions = true, name = "masters",
        description = {"Lists the masters of the grid (several masters share one PostgreSQL store): id, address, state, "
                + "lease epoch, unfinished jobs it owns, and the age of its last lease renewal.",
                "STATE is ACTIVE (runs jobs), STANDBY (runs none; takes over when an active master fails), SUSPECT "
                + "(missed pings; being checked), LINK_FAILED (unreachable from the answering master but alive: no "
                + "takeover), DEAD (its jobs were taken over) or LEFT (shut down cleanly). The master that answered is "
                + "marked *.",
                "With --output json: {\"masters\": [{\"id\", \"address\", \"state\", \"epoch\", \"jobs\", \"lease_age_ms\", "
                + "\"started_at\", \"self\", \"http_address\"}], \"events\": [...]}.",
                "Exit codes: 0 listed; 2 bad --events; 3 no master reachable; 4 missing or refused credential; "
                + "5 the master does not know of several masters (an older version)."})
final class MastersCommand implements Callable<Integer> {

    /** The most events one call may ask for. */
    static final int MAX_EVENTS = 1000;

    @Option(names = "--events", paramLabel = "N", defaultValue = "0", description = "Also show the N most recent master "
            + "events (JOINED, SUSPECT, LINK_FAILED, RECOVERED, TAKEOVER with its duration, STEPPED_DOWN, LEFT, PROMOTED), "
            + "oldest first (default: ${DEFAULT-VALUE}).")
    int events;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        if (events < 0 || events > MAX_EVENTS) {
            throw CliException.usage("--events must be from 0 to " + MAX_EVENTS);
        }
        try (GridClient c = client.connect()) {
            ListMastersResponse response;
            try {
                response = c.masters(events);
            } catch (GridException e) {
                if (e.code() == Status.Code.UNIMPLEMENTED) {
                    throw new CliException(ExitCodes.ERROR, "the master at " + c.currentTarget()
                            + " does not list masters (a version without several masters)");
                }
                throw e;
            }
            if (client.printJson(response)) {
                return ExitCodes.OK;
            }
            PrintWriter out = client.out();
            print(response, events > 0, out);
            return ExitCodes.OK;
        }
    }

    /** The masters as a table, then (if asked for) the events. */
    static void print(ListMastersResponse response, boolean withEvents, PrintWriter out) {
        Table table = new Table("ID", "ADDRESS", "STATE", "EPOCH", "JOBS", "LEASE", "STARTED");
        for (MasterInfo m : response.getMastersList()) {
            table.row(m.getId() + (m.getSelf() ? " *" : ""), m.getAddress(), m.getState().name(), m.getEpoch(),
                    m.getJobs(), Formats.duration(Duration.ofMillis(m.getLeaseAgeMs())) + " ago",
                    m.hasStartedAt() ? Formats.time(m.getStartedAt()) : "-");
        }
        if (table.size() == 0) {
            out.println("no masters");
        } else {
            table.print(out);
        }
        if (withEvents) {
            out.println();
            if (response.getEventsCount() == 0) {
                out.println("no master events");
            } else {
                Table log = new Table("TIME", "EVENT", "MASTER", "BY", "JOBS", "TOOK", "DETAIL");
                for (MasterEvent e : response.getEventsList()) {
                    log.row(Formats.time(e.getAt()), e.getType().name(), e.getMasterId(),
                            e.getByMasterId().isEmpty() ? "-" : e.getByMasterId(),
                            e.getType() == MasterEvent.Type.TAKEOVER ? Long.toString(e.getJobs()) : "-",
                            e.getType() == MasterEvent.Type.TAKEOVER
                                    ? Formats.duration(Duration.ofMillis(e.getDurationMs())) : "-", e.getDetail());
                }
                log.print(out);
            }
        }
        out.flush();
    }
}
