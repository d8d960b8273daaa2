package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Server logs: text lines or one JSON object per line, with the job, task and worker ids as fields. */
class LoggingTest {

    final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream stderr;

    @BeforeEach
    void captureStderr() {
        stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Logging.configure(Level.INFO);
    }

    @AfterEach
    void restore() {
        Logging.format(Logging.Format.text);
        Logging.configure(Level.ERROR);
        System.setErr(stderr);
    }

    List<String> lines() {
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    static void logAboutATask() {
        Logger log = LoggerFactory.getLogger("io.gridwork.master.core.Scheduler");
        log.atInfo().addKeyValue("job", "job-7").addKeyValue("task", 3).addKeyValue("worker", "w1")
                .log("task failed on {} (attempt {} of {}), retrying: {}", "w1", 1, 3, "disk \"full\"");
    }

    @Test
    void jsonLinesCarryTheIdsAsFields() {
        Logging.format(Logging.Format.json);
        logAboutATask();
        List<String> lines = lines();
        assertThat(lines).hasSize(1);
        JsonObject line = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        assertThat(line.get("level").getAsString()).isEqualTo("INFO");
        assertThat(line.get("loggerName").getAsString()).isEqualTo("io.gridwork.master.core.Scheduler");
        assertThat(line.get("formattedMessage").getAsString())
                .isEqualTo("task failed on w1 (attempt 1 of 3), retrying: disk \"full\"");
        Map<String, String> fields = new HashMap<>();
        JsonArray kvp = line.getAsJsonArray("kvpList");
        for (JsonElement pair : kvp) {
            pair.getAsJsonObject().entrySet().forEach(e -> fields.put(e.getKey(), e.getValue().getAsString()));
        }
        assertThat(fields).containsEntry("job", "job-7").containsEntry("task", "3").containsEntry("worker", "w1");
    }

    @Test
    void textLinesShowTheIdsAfterTheMessage() {
        Logging.format(Logging.Format.text);
        logAboutATask();
        LoggerFactory.getLogger("io.gridwork.master.GridMaster").info("Gridwork master stopping");
        List<String> lines = lines();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).endsWith("INFO  [" + Thread.currentThread().getName() + "] Scheduler - task failed on w1 "
                + "(attempt 1 of 3), retrying: disk \"full\" job=job-7 task=3 worker=w1");
        assertThat(lines.get(1)).endsWith("GridMaster - Gridwork master stopping");
    }

    @Test
    void theDefaultConfigurationWritesTextLinesToStderrAtError() {
        assertThat(java.util.ServiceLoader.load(ch.qos.logback.classic.spi.Configurator.class).stream()
                .map(p -> p.type().getName())).contains(LogConfigurator.class.getName());
        ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
        LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);
        assertThat(configurator.configure(context))
                .isEqualTo(ch.qos.logback.classic.spi.Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.ERROR);
        var appender = (ch.qos.logback.core.ConsoleAppender<?>) root.getAppender(Logging.APPENDER);
        assertThat(appender.getTarget()).isEqualTo("System.err");
        var encoder = (ch.qos.logback.core.encoder.LayoutWrappingEncoder<?>) appender.getEncoder();
        assertThat(((LazyTextLayout) encoder.getLayout()).getPattern()).isEqualTo(Logging.TEXT_PATTERN);
        context.stop();
    }

    @Test
    void theDefaultConfigurationsLinesAreThePatternsLines() {
        ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);
        configurator.configure(context);
        ch.qos.logback.classic.Logger log = context.getLogger("io.gridwork.client.GridClient");
        IllegalStateException failure = new IllegalStateException("no route", new java.io.IOException("refused"));
        log.atError().addKeyValue("job", "job-7").setCause(failure).log("call failed on {}", "m1");
        log.error("plain");
        context.stop();

        ch.qos.logback.classic.PatternLayout pattern = new ch.qos.logback.classic.PatternLayout();
        pattern.setContext(new ch.qos.logback.classic.LoggerContext());
        pattern.setPattern(Logging.TEXT_PATTERN);
        pattern.start();
        ch.qos.logback.classic.spi.LoggingEvent first = new ch.qos.logback.classic.spi.LoggingEvent(
                ch.qos.logback.classic.Logger.class.getName(), log, Level.ERROR, "call failed on {}", failure,
                new Object[] {"m1"});
        first.addKeyValuePair(new org.slf4j.event.KeyValuePair("job", "job-7"));
        String output = captured.toString(StandardCharsets.UTF_8);
        String expected = pattern.doLayout(first);
        // the same line but the time, which the pattern starts with (HH:mm:ss.SSS)
        assertThat(output.substring(12)).startsWith(expected.substring(12));
        assertThat(output).contains(" ERROR [" + Thread.currentThread().getName() + "] GridClient - call failed on m1 "
                + "job=job-7" + System.lineSeparator() + "java.lang.IllegalStateException: no route");
        assertThat(output).contains("Caused by: java.io.IOException: refused");
        assertThat(lines().get(lines().size() - 1)).endsWith(" ERROR [" + Thread.currentThread().getName()
                + "] GridClient - plain");
    }

    @Test
    void theClassArchiveTrainingLaysOutALineAsAClientCommandWould() {
        String line = CdsTraining.layOutALine();
        assertThat(line).contains(" ERROR [" + Thread.currentThread().getName() + "] CdsTraining - the training's line "
                + "about job-1 job=job-1" + System.lineSeparator() + "java.lang.IllegalStateException: a failure");
    }

    @Test
    void aConfigurationFileOfTheUsersIsReadInstead() {
        String before = System.getProperty(LogConfigurator.CONFIG_FILE_PROPERTY);
        System.setProperty(LogConfigurator.CONFIG_FILE_PROPERTY, "/etc/gridwork/logback.xml");
        try {
            ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
            LogConfigurator configurator = new LogConfigurator();
            configurator.setContext(context);
            assertThat(configurator.configure(context))
                    .isEqualTo(ch.qos.logback.classic.spi.Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(Logging.APPENDER)).isNull();
        } finally {
            if (before == null) {
                System.clearProperty(LogConfigurator.CONFIG_FILE_PROPERTY);
            } else {
                System.setProperty(LogConfigurator.CONFIG_FILE_PROPERTY, before);
            }
        }
    }

    @Test
    void logFormatIsAnOptionOfMasterAndWorker() {
        Map<String, String> env = Map.of("GRID_WORKER_LOG_FORMAT", "json");
        ConfigDefaults defaults = new ConfigDefaults(env, null, null);
        picocli.CommandLine cmd = Main.commandLine(defaults);
        cmd.parseArgs("master", "--log-format", "JSON");
        assertThat(((MasterCommand) cmd.getSubcommands().get("master").getCommand()).logFormat).isEqualTo(Logging.Format.json);
        cmd = Main.commandLine(defaults);
        cmd.parseArgs("worker");
        assertThat(((WorkerCommand) cmd.getSubcommands().get("worker").getCommand()).logFormat).isEqualTo(Logging.Format.json);
    }
}
