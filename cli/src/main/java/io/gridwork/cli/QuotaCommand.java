package io.gridwork.cli;

import io.gridwork.api.v1.DeleteQuotaRequest;
import io.gridwork.api.v1.ListQuotasRequest;
import io.gridwork.api.v1.ListQuotasResponse;
import io.gridwork.api.v1.Quota;
import io.gridwork.api.v1.SetQuotaRequest;
import io.gridwork.client.GridClient;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "quota", mixinStandardHelpOptions = true, description = {
        "Sets, lists and removes users' quotas (admins only; audited).",
        "A user at its slot limit gets no more slots until some free up; a user over its cost limit gets no new tasks "
                + "until the period (UTC day, week from Monday, or month) rolls over; running tasks finish. Fair share "
                + "orders users, quotas cap them. A held job stays QUEUED or RUNNING and grid status says which limit "
                + "holds it."},
        subcommands = {QuotaCommand.Set.class, QuotaCommand.ListQuotas.class, QuotaCommand.Remove.class})
final class QuotaCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: set, ls or rm");
    }

    enum Period { day, week, month }

    @Command(name = "set", mixinStandardHelpOptions = true, description = {
            "Sets a user's quota (replacing the one it has): at least one of --max-slots and --cost."})
    static final class Set implements Callable<Integer> {
        @Parameters(paramLabel = "USER", description = "The user: a token's name.")
        String user;

        @Option(names = "--max-slots", paramLabel = "N", description = "Most slots the user's tasks hold at once.")
        Integer maxSlots;

        @Option(names = "--cost", paramLabel = "LIMIT", description = "Most cost units (slot-seconds x the workers' "
                + "cost factors) per --per period.")
        Double cost;

        @Option(names = "--per", paramLabel = "PERIOD", description = "The cost limit's period: ${COMPLETION-CANDIDATES}.")
        String per;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            if (maxSlots == null && cost == null) {
                throw CliException.usage("give --max-slots N, --cost LIMIT --per day|week|month, or both");
            }
            if (maxSlots != null && maxSlots <= 0) {
                throw CliException.usage("--max-slots must be at least 1, got " + maxSlots);
            }
            if (cost != null && !(cost > 0 && !cost.isInfinite())) {
                throw CliException.usage("--cost must be a number above 0, got " + cost);
            }
            if (cost != null && per == null) {
                throw CliException.usage("--cost needs --per day, week or month");
            }
            if (per != null && cost == null) {
                throw CliException.usage("--per needs --cost LIMIT");
            }
            Period period = null;
            if (per != null) {
                try {
                    period = Period.valueOf(per.trim().toLowerCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--per must be day, week or month, got '" + per + "'");
                }
            }
            SetQuotaRequest.Builder r = SetQuotaRequest.newBuilder().setUser(user);
            if (maxSlots != null) {
                r.setMaxSlots(maxSlots);
            }
            if (cost != null) {
                r.setCostLimit(cost).setPeriod(period.name());
            }
            try (GridClient c = client.connect()) {
                Quota q = c.call(stub -> stub.setQuota(r.build()));
                return client.print(q, () -> "quota of " + q.getUser() + ": " + describe(q));
            }
        }
    }

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = {
            "Lists the quotas, with the cost each user used this period and the slots it holds now (as the "
                    + "answering master counts them)."})
    static final class ListQuotas implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (GridClient c = client.connect()) {
                ListQuotasResponse r = c.call(stub -> stub.listQuotas(ListQuotasRequest.getDefaultInstance()));
                if (client.printJson(r)) {
                    return ExitCodes.OK;
                }
                PrintWriter out = client.out();
                Table table = new Table("USER", "MAX-SLOTS", "SLOTS-USED", "COST-LIMIT", "COST-USED", "PERIOD-ENDS");
                for (Quota q : r.getQuotasList()) {
                    boolean cost = q.getCostLimit() > 0;
                    table.row(q.getUser(), q.getMaxSlots() > 0 ? Integer.toString(q.getMaxSlots()) : "-",
                            Integer.toString(q.getSlotsUsed()),
                            cost ? UsageCommand.fixed(q.getCostLimit()) + " per " + q.getPeriod() : "-",
                            cost ? UsageCommand.fixed(q.getCostUsed()) : "-",
                            q.hasPeriodEnds() ? Formats.time(q.getPeriodEnds()) : "-");
                }
                table.print(out);
                out.flush();
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Removes a user's quota.")
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "USER", description = "The user.")
        String user;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (GridClient c = client.connect()) {
                Quota q = c.call(stub -> stub.deleteQuota(DeleteQuotaRequest.newBuilder().setUser(user).build()));
                return client.print(q, () -> "removed the quota of " + q.getUser() + " (" + describe(q) + ")");
            }
        }
    }

    static String describe(Quota q) {
        StringBuilder s = new StringBuilder();
        if (q.getMaxSlots() > 0) {
            s.append("max-slots ").append(q.getMaxSlots());
        }
        if (q.getCostLimit() > 0) {
            s.append(s.length() > 0 ? ", " : "").append("cost ").append(UsageCommand.fixed(q.getCostLimit()))
                    .append(" per ").append(q.getPeriod());
        }
        return s.toString();
    }
}
