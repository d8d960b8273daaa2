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
    void theDefaultConfigurationParsesAndUsesTheSamePattern() throws Exception {
        try (var in = LoggingTest.class.getResourceAsStream("/logback.xml")) {
            var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
            assertThat(doc.getElementsByTagName("pattern").item(0).getTextContent()).isEqualTo(Logging.TEXT_PATTERN);
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
