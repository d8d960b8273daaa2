package io.gridwork.cli;

import io.gridwork.api.v1.AuditEntry;
import io.gridwork.api.v1.ListAuditRequest;
import io.gridwork.api.v1.ListAuditResponse;
import io.gridwork.client.GridClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "audit", mixinStandardHelpOptions = true, description = {"Shows the audit log, most recent first (admins only).",
        "Submissions, cancellations, token changes and worker joins, with who did them."})
final class AuditCommand implements Callable<Integer> {

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "How many (default: ${DEFAULT-VALUE}, at most 1000).")
    int limit;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        if (limit < 1 || limit > 1000) {
            throw CliException.usage("--limit must be from 1 to 1000");
        }
        try (GridClient c = client.connect()) {
            ListAuditResponse r = c.call(stub -> stub.listAudit(ListAuditRequest.newBuilder().setLimit(limit).build()));
            if (client.printJson(r)) {
                return ExitCodes.OK;
            }
            PrintWriter out = client.out();
            Table table = new Table("TIME", "WHO", "ACTION", "TARGET", "DETAIL");
            for (AuditEntry e : r.getEntriesList()) {
                table.row(Formats.time(e.getAt()), e.getActor(), e.getAction(), e.getTarget(), Formats.abbreviate(e.getDetail(), 80));
            }
            table.print(out);
            return ExitCodes.OK;
        }
    }
}
