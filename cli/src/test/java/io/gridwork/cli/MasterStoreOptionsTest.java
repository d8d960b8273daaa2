package io.gridwork.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.master.store.Store;
import io.gridwork.master.store.StoreConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code grid master --store}, {@code --store-user} and {@code --store-password-file}: from flags, the environment and
 * the configuration file, and the exit codes of a store that cannot be used (2 for a bad option, 3 for a database
 * that cannot be reached), each a line that never shows the password.
 */
class MasterStoreOptionsTest {

    static final String PASSWORD = "s3cret-Pa55";

    @TempDir
    Path dir;

    final Map<String, String> env = new HashMap<>();

    GridRun execute(String... args) {
        return GridRun.execute(new ConfigDefaults(env, dir.resolve("home"), null), args);
    }

    MasterCommand parse(String... args) {
        ConfigDefaults defaults = new ConfigDefaults(env, dir.resolve("home"), null);
        CommandLine cmd = Main.commandLine(defaults);
        defaults.afterParse(cmd.parseArgs(args));
        return (MasterCommand) cmd.getSubcommands().get("master").getCommand();
    }

    Path passwordFile() throws IOException {
        return Files.writeString(dir.resolve("password"), PASSWORD + "\nignored second line\n");
    }

    @Test
    void theStoreIsH2InTheDataDirectoryUnlessGiven() {
        MasterCommand master = parse("master", "--data", dir.toString());
        assertThat(master.store).isNull();
        assertThat(master.storeConfig()).isNull();
    }

    @Test
    void flagsGiveTheStoreItsUserAndThePasswordFromTheFilesFirstLine() throws IOException {
        Path file = passwordFile();
        MasterCommand master = parse("master", "--store", "jdbc:postgresql://db:5432/grid", "--store-user", "gridwork",
                "--store-password-file", file.toString());
        StoreConfig config = master.storeConfig();
        assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/grid");
        assertThat(config.user()).isEqualTo("gridwork");
        assertThat(config.password()).isEqualTo(PASSWORD);
    }

    @Test
    void theEnvironmentAndTheConfigurationFileSetThemLikeEveryOption() throws IOException {
        Path file = passwordFile();
        Path config = Files.writeString(dir.resolve("gridwork.properties"),
                "master.store=jdbc:postgresql://from-file:5432/grid\nmaster.store-user=from-file\n");
        env.put("GRID_MASTER_STORE_USER", "from-env");
        env.put("GRID_MASTER_STORE_PASSWORD_FILE", file.toString());
        MasterCommand master = parse("--config", config.toString(), "master");
        assertThat(master.store).isEqualTo("jdbc:postgresql://from-file:5432/grid");
        assertThat(master.storeUser).isEqualTo("from-env"); // the environment beats the file
        assertThat(master.storeConfig().password()).isEqualTo(PASSWORD);
        assertThat(ConfigDefaults.keys(Main.commandLine()))
                .containsKeys("master.store", "master.store-user", "master.store-password-file");
    }

    @Test
    void aStoreThatIsNotH2OrPostgresIsAUsageErrorNamingTheOption() {
        GridRun r = execute("master", "--data", dir.resolve("m").toString(), "--store", "jdbc:mysql://db/grid");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("grid master: ").contains("--store").doesNotContain("\tat ");
    }

    @Test
    void aMissingEmptyOrUnreadablePasswordFileIsAUsageErrorNamingTheOption() throws IOException {
        Path missing = dir.resolve("no-such-password");
        GridRun r = execute("master", "--data", dir.resolve("m").toString(), "--store", "jdbc:postgresql://127.0.0.1:1/grid",
                "--store-user", "gridwork", "--store-password-file", missing.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("grid master: --store-password-file: no such file " + missing + System.lineSeparator());

        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        r = execute("master", "--store", "jdbc:postgresql://127.0.0.1:1/grid", "--store-password-file", empty.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("grid master: --store-password-file: " + empty + " is empty" + System.lineSeparator());

        Path directory = Files.createDirectories(dir.resolve("a-directory"));
        r = execute("master", "--store", "jdbc:postgresql://127.0.0.1:1/grid", "--store-password-file", directory.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("grid master: --store-password-file: cannot read " + directory);
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void aStoreUserWithoutAStoreIsAUsageError() {
        GridRun r = execute("master", "--data", dir.resolve("m").toString(), "--store-user", "gridwork");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("grid master: --store-user and --store-password-file need --store"
                + System.lineSeparator());
    }

    @Test
    void aStoreThatCannotBeReachedExitsThreeWithOneLineAndNoPassword() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        GridRun r = execute("master", "--port", "0", "--http-port", "-1", "--bind", "127.0.0.1", "--data",
                dir.resolve("m").toString(), "--store", "jdbc:postgresql://127.0.0.1:" + closed + "/grid",
                "--store-user", "gridwork", "--store-password-file", passwordFile().toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.err().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("grid master: cannot open the store at jdbc:postgresql://127.0.0.1:" + closed + "/grid: ")
                .doesNotContain(PASSWORD);
        assertThat(r.out()).doesNotContain(PASSWORD);
    }

    @Test
    void aStoreWhoseSchemaIsNewerThanThisMasterIsAUsageError() throws Exception {
        Path data = Files.createDirectories(dir.resolve("m"));
        try (Store store = Store.open(StoreConfig.h2(data));
                Connection c = store.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\", \"description\", "
                    + "\"type\", \"script\", \"checksum\", \"installed_by\", \"execution_time\", \"success\") "
                    + "VALUES (1000, '999', 'from a newer master', 'SQL', 'V999__newer.sql', 0, 'sa', 1, TRUE)");
        }
        GridRun r = execute("master", "--port", "0", "--http-port", "-1", "--bind", "127.0.0.1", "--data", data.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("grid master: the store's schema is at version 999, newer than this master's ")
                .endsWith(": upgrade the master" + System.lineSeparator());
    }
}
