package io.gridwork.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.gridwork.api.v1.GetUsageRequest;
import io.gridwork.api.v1.GetUsageResponse;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.api.v1.Usage;
import io.gridwork.api.v1.UsageLine;
import io.gridwork.client.GridClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "usage", mixinStandardHelpOptions = true, description = {
        "What the grid's users, jobs or workers used, from the usage ledger (one record per task attempt).",
        "Slot-seconds, CPU-seconds (as the workers measured them), cost (slot-seconds x each worker's --cost-factor), "
                + "attempts, and the slot-seconds wasted by failed, timed-out and lost attempts and by speculative "
                + "attempts that lost the race. A submitter sees its own usage; admins and viewers everyone's.",
        "--output csv prints comma-separated values with a header line."})
final class UsageCommand implements Callable<Integer> {

    enum By { user, job, worker, day }

    @Option(names = "--by", paramLabel = "DIMENSION", defaultValue = "user",
            description = "Group by ${COMPLETION-CANDIDATES} (UTC days; default: ${DEFAULT-VALUE}).")
    By by;

    @Option(names = "--user", paramLabel = "USER", description = "Only this user's jobs (a token name).")
    String user;

    @Option(names = "--since", paramLabel = "TIME", description = "Attempts that ended at or after TIME: "
            + "2026-11-01 (UTC midnight), 2026-11-01T08:00:00Z, or a duration back from now like 24h or 7d.")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Attempts that ended before TIME (same forms).")
    String until;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() {
        client.csvAllowed = true;
        Instant now = Instant.now();
        GetUsageRequest.Builder r = GetUsageRequest.newBuilder().setBy(by.name());
        if (user != null) {
            if (user.isBlank()) {
                throw CliException.usage("--user: give a user (a token name)");
            }
            r.setUser(user);
        }
        Instant from = since == null ? null : time("--since", since, now);
        Instant to = until == null ? null : time("--until", until, now);
        if (from != null && to != null && !from.isBefore(to)) {
            throw CliException.usage("--since must be before --until");
        }
        if (from != null) {
            r.setSince(com.google.protobuf.Timestamp.newBuilder().setSeconds(from.getEpochSecond()).setNanos(from.getNano()));
        }
        if (to != null) {
            r.setUntil(com.google.protobuf.Timestamp.newBuilder().setSeconds(to.getEpochSecond()).setNanos(to.getNano()));
        }
        try (GridClient c = client.connect()) {
            GetUsageResponse u = c.call(stub -> stub.getUsage(r.build()));
            PrintWriter out = client.out();
            if (client.json()) {
                out.println(json(u));
            } else if (client.csv()) {
                out.println(by.name() + ",slot_seconds,cpu_seconds,cost,tasks,wasted_slot_seconds");
                for (UsageLine l : u.getLinesList()) {
                    Usage x = l.getUsage();
                    out.println(csv(l.getKey()) + "," + fixed(x.getSlotSeconds()) + "," + fixed(x.getCpuSeconds()) + ","
                            + fixed(x.getCost()) + "," + x.getTasks() + "," + fixed(x.getWastedSlotSeconds()));
                }
            } else {
                Table table = new Table(by.name().toUpperCase(Locale.ROOT), "SLOT-SECONDS", "CPU-SECONDS", "COST",
                        "TASKS", "WASTED");
                for (UsageLine l : u.getLinesList()) {
                    row(table, l.getKey().isEmpty() ? "-" : l.getKey(), l.getUsage());
                }
                if (u.getLinesCount() > 1) {
                    row(table, "total", u.getTotal());
                }
                table.print(out);
                if (u.getLinesCount() == 0) {
                    out.println("(no usage recorded" + (from != null || to != null ? " in that time" : "") + ")");
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    private static void row(Table table, String key, Usage x) {
        table.row(key, fixed(x.getSlotSeconds()), fixed(x.getCpuSeconds()), fixed(x.getCost()),
                Long.toString(x.getTasks()), fixed(x.getWastedSlotSeconds()) + " (" + percent(x) + ")");
    }

    private static String percent(Usage x) {
        return x.getSlotSeconds() <= 0 ? "0%"
                : String.format(Locale.ROOT, "%.1f%%", 100 * x.getWastedSlotSeconds() / x.getSlotSeconds());
    }

    static String fixed(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** {@code {"usage": [{"<by>": KEY, "slot_seconds": ..., ...}], "total": {...}}}. */
    private String json(GetUsageResponse u) {
        JsonObject root = new JsonObject();
        JsonArray lines = new JsonArray();
        for (UsageLine l : u.getLinesList()) {
            JsonObject o = new JsonObject();
            o.addProperty(by.name(), l.getKey());
            figures(o, l.getUsage());
            lines.add(o);
        }
        root.add("usage", lines);
        JsonObject total = new JsonObject();
        figures(total, u.getTotal());
        root.add("total", total);
        return new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root);
    }

    private static void figures(JsonObject o, Usage x) {
        o.addProperty("slot_seconds", x.getSlotSeconds());
        o.addProperty("cpu_seconds", x.getCpuSeconds());
        o.addProperty("cost", x.getCost());
        o.addProperty("tasks", x.getTasks());
        o.addProperty("wasted_slot_seconds", x.getWastedSlotSeconds());
    }

    /** A time as {@code --since} and {@code --until} take it; exit 2 naming the option if malformed. */
    static Instant time(String option, String value, Instant now) {
        String v = value.trim();
        try {
            if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
                return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            if (v.matches("\\d{4}-\\d{2}-\\d{2}T.*")) {
                return java.time.OffsetDateTime.parse(v).toInstant();
            }
            return now.minus(new DurationConverter().convert(v));
        } catch (DateTimeParseException | IllegalArgumentException | ArithmeticException
                | picocli.CommandLine.TypeConversionException e) {
            throw CliException.usage(option + ": '" + value + "' is not a time (2026-11-01, 2026-11-01T08:00:00Z) "
                    + "or a duration back from now (24h, 7d)");
        }
    }

    /** {@code grid status}'s line: what the job's ended attempts used so far. */
    static void statusLine(JobStatus s, PrintWriter out) {
        if (!s.hasUsage() || s.getUsage().getTasks() == 0) {
            return;
        }
        Usage u = s.getUsage();
        out.println("  usage      " + String.format(Locale.ROOT, "%.1f slot-s, %.1f CPU-s, cost %.2f, %d attempts",
                u.getSlotSeconds(), u.getCpuSeconds(), u.getCost(), u.getTasks())
                + (u.getWastedSlotSeconds() > 0 ? String.format(Locale.ROOT, ", %.1f slot-s wasted",
                u.getWastedSlotSeconds()) : "") + " so far");
    }
}
