package io.gridwork.cli;

import io.gridwork.api.v1.ListSchedulesResponse;
import io.gridwork.api.v1.Schedule;
import io.gridwork.api.v1.ScheduleRun;
import io.gridwork.client.GridClient;
import io.gridwork.client.ScheduleSubmission;
import java.io.PrintWriter;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = {"Jobs the master submits by itself: by a cron expression, or once at a given time.",
                "Schedules live in the master's database and survive its restarts; each firing submits an ordinary job "
                + "(grid jobs --schedule NAME lists them)."},
        subcommands = {ScheduleCommand.Add.class, ScheduleCommand.ListSchedules.class, ScheduleCommand.Show.class,
                ScheduleCommand.Pause.class, ScheduleCommand.Resume.class, ScheduleCommand.Remove.class})
final class ScheduleCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: add, list, show, pause, resume or remove");
    }

    /** The policies as people write them. */
    enum MisfireName { fire_once, skip }

    enum OverlapName { skip, queue, allow }

    @Command(name = "add", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Creates a schedule; its jar is uploaded once. Prints when it fires next.",
                    "Cron expressions are Quartz's, seconds first: SEC MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK [YEAR], "
                    + "e.g. '0 0 3 * * ?' (03:00 every day), '0 */15 * * * ?' (every 15 minutes), '0 0 6 ? * MON-FRI'."})
    static final class Add implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The schedule's name: letters, digits, '.', '_', '-'.")
        String name;

        @Option(names = "--cron", paramLabel = "EXPR", description = "Fire at the times of this cron expression.")
        String cron;

        @Option(names = "--at", paramLabel = "TIME", description = {"Fire once at TIME: 2026-12-01T03:00 (in --timezone), "
                + "2026-12-01T03:00:00Z or +01:00, or +DURATION from now (+10m)."})
        String at;

        @Option(names = "--timezone", paramLabel = "ZONE",
                description = "The zone --cron and a local --at are read in, e.g. Europe/Paris (default: this machine's).")
        String timezone;

        @Mixin
        JobSpecOptions job;

        @Option(names = "--misfire", paramLabel = "POLICY", defaultValue = "fire-once",
                converter = MisfireConverter.class,
                description = "When the master was down at fire times: fire-once (fire once when it is back, the "
                        + "default) or skip (record them as MISSED and wait for the next one).")
        MisfireName misfire;

        @Option(names = "--overlap", paramLabel = "POLICY", defaultValue = "skip",
                description = "When the previous job of the schedule still runs: skip (the default; the firing is recorded "
                        + "as SKIPPED), queue (start when it ends; one firing waits at most) or allow (run both).")
        OverlapName overlap;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() throws Exception {
            if ((cron == null) == (at == null)) {
                throw CliException.usage("give --cron EXPR or --at TIME (one of them)");
            }
            ZoneId zone = timezone == null ? ZoneId.systemDefault() : zone(timezone);
            ScheduleSubmission.Builder b = ScheduleSubmission.builder().name(name).timezone(zone).job(job.submission())
                    .misfire(misfire == MisfireName.skip ? Schedule.Misfire.MISFIRE_SKIP : Schedule.Misfire.MISFIRE_FIRE_ONCE)
                    .overlap(Schedule.Overlap.valueOf("OVERLAP_" + overlap.name().toUpperCase(Locale.ROOT)));
            if (cron != null) {
                b.cron(cron);
            } else {
                b.at(time(at, zone));
            }
            try (GridClient c = client.connect()) {
                Schedule s = c.createSchedule(b.build());
                return client.print(s, () -> "schedule " + s.getName() + " created: " + when(s) + "; next "
                        + (s.getNextFireTimesCount() > 0 ? Formats.time(s.getNextFireTimes(0), zone) : "never"));
            }
        }
    }

    /** {@code fire-once} or {@code fire_once}. */
    static final class MisfireConverter implements picocli.CommandLine.ITypeConverter<MisfireName> {
        @Override
        public MisfireName convert(String value) {
            try {
                return MisfireName.valueOf(value.trim().toLowerCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not fire-once or skip");
            }
        }
    }

    static ZoneId zone(String timezone) {
        try {
            return ZoneId.of(timezone);
        } catch (DateTimeException e) {
            throw CliException.usage("--timezone: unknown time zone '" + timezone + "' (for example UTC, Europe/Paris, "
                    + "America/New_York)");
        }
    }

    /** {@code +10m}, an ISO date-time with an offset, or a local ISO date-time in {@code zone}. */
    static Instant time(String text, ZoneId zone) {
        String t = text.trim();
        if (t.startsWith("+")) {
            try {
                return Instant.now().plus(new DurationConverter().convert(t.substring(1)));
            } catch (picocli.CommandLine.TypeConversionException e) {
                throw CliException.usage("--at: " + e.getMessage());
            }
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException notWithOffset) {
            try {
                return LocalDateTime.parse(t).atZone(zone).toInstant();
            } catch (DateTimeParseException e) {
                throw CliException.usage("--at: '" + text + "' is not a time (2026-12-01T03:00, 2026-12-01T03:00:00Z, "
                        + "or +10m)");
            }
        }
    }

    static String when(Schedule s) {
        if (!s.getCron().isEmpty()) {
            return "cron '" + s.getCron() + "' in " + s.getTimezone();
        }
        return "once at " + Formats.time(s.getAt(), ZoneId.of(s.getTimezone()));
    }

    private static String shortClass(String cls) {
        return cls.substring(cls.lastIndexOf('.') + 1);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the schedules, by name.")
    static final class ListSchedules implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (GridClient c = client.connect()) {
                List<Schedule> all = c.schedules();
                if (client.printJson(ListSchedulesResponse.newBuilder().addAllSchedules(all))) {
                    return ExitCodes.OK;
                }
                PrintWriter out = client.out();
                if (all.isEmpty()) {
                    out.println("no schedules");
                    out.flush();
                    return ExitCodes.OK;
                }
                Table table = new Table("NAME", "STATE", "WHEN", "NEXT", "JOB", "OWNER");
                for (Schedule s : all) {
                    table.row(s.getName(), s.getState(), when(s), s.getNextFireTimesCount() > 0
                            ? Formats.time(s.getNextFireTimes(0), ZoneId.of(s.getTimezone())) : "-",
                            shortClass(s.getJobClass()), s.getOwner().isEmpty() ? "-" : s.getOwner());
                }
                table.print(out);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "A schedule: its job, its next fire times, and its recent firings with the jobs they started.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--runs", paramLabel = "N", defaultValue = "20", description = "Recent firings to show (default: ${DEFAULT-VALUE}).")
        int runs;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            if (runs < 1 || runs > 1000) {
                throw CliException.usage("--runs must be from 1 to 1000");
            }
            try (GridClient c = client.connect()) {
                Schedule s = c.schedule(name, runs);
                if (client.printJson(s)) {
                    return ExitCodes.OK;
                }
                PrintWriter out = client.out();
                ZoneId zone = ZoneId.of(s.getTimezone());
                out.println(s.getName() + "  " + s.getState() + "  " + when(s));
                out.println("  job        " + s.getJobClass() + (s.getArgsCount() > 0 ? " " + Formats.pairs(s.getArgsMap()) : ""));
                out.println("  policies   misfire " + policy(s.getMisfire().name()) + ", overlap "
                        + policy(s.getOverlap().name()));
                out.println("  owner      " + (s.getOwner().isEmpty() ? "-" : s.getOwner()) + ", created "
                        + Formats.time(s.getCreatedAt(), zone));
                if (s.getNextFireTimesCount() > 0) {
                    out.println("  next       " + String.join(", ", s.getNextFireTimesList().stream()
                            .map(t -> Formats.time(t, zone)).toList()));
                }
                if (s.getRunsCount() == 0) {
                    out.println("  no firings yet");
                } else {
                    out.println();
                    Table table = new Table("FIRED", "OUTCOME", "JOB", "JOB STATE", "REASON");
                    for (ScheduleRun r : s.getRunsList()) {
                        table.row(Formats.time(r.getFiredAt(), zone), r.getOutcome(), r.getJobId().isEmpty() ? "-" : r.getJobId(),
                                r.getJobId().isEmpty() ? "-" : r.getJobState(), r.getReason().isEmpty() ? "" : r.getReason());
                    }
                    table.print(out);
                }
                out.flush();
                return ExitCodes.OK;
            }
        }

        private static String policy(String name) {
            return name.substring(name.indexOf('_') + 1).toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** What pause, resume and remove share. */
    abstract static class Change implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin
        ClientOptions client;

        abstract Schedule apply(GridClient c);

        abstract String done();

        @Override
        public Integer call() {
            try (GridClient c = client.connect()) {
                Schedule s = apply(c);
                return client.print(s, () -> "schedule " + s.getName() + " " + done());
            }
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Stops a schedule from firing until resumed.")
    static final class Pause extends Change {
        @Override
        Schedule apply(GridClient c) {
            return c.pauseSchedule(name);
        }

        @Override
        String done() {
            return "paused";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Lets a paused schedule fire again; a fire time missed while paused follows its misfire policy.")
    static final class Resume extends Change {
        @Override
        Schedule apply(GridClient c) {
            return c.resumeSchedule(name);
        }

        @Override
        String done() {
            return "resumed";
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Removes a schedule and its history; the jobs it started stay.")
    static final class Remove extends Change {
        @Override
        Schedule apply(GridClient c) {
            return c.removeSchedule(name);
        }

        @Override
        String done() {
            return "removed";
        }
    }
}
