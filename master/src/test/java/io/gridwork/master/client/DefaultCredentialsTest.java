package io.gridwork.master.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.client.Credentials;
import io.gridwork.client.GridClient;
import io.gridwork.client.GridException;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client as a newcomer uses it: {@code GridClient.connect("host:port")} against a master with its default
 * settings (TLS, its own CA), on the master's machine, where the master wrote its credentials into
 * {@code ~/.gridwork/master/credentials}; and what the client says when it finds no credentials, in Java terms.
 * The home directory is a temporary one ({@code user.home}, restored after each test).
 */
class DefaultCredentialsTest {

    @TempDir
    Path home;

    private String savedHome;
    private GridMaster master;

    @BeforeEach
    void useTemporaryHome() {
        Assumptions.assumeTrue(System.getenv(Credentials.FILE_ENV) == null, "$GRID_CREDENTIALS would name another file");
        savedHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
    }

    @AfterEach
    void restore() {
        if (master != null) {
            master.close();
        }
        System.setProperty("user.home", savedHome);
    }

    private String startMasterWithDefaultDataDirectory() throws Exception {
        master = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0)
                .dataDir(home.resolve(".gridwork/master")).build());
        assertThat(master.credentialsFile()).isEqualTo(Credentials.defaultFile());
        return "127.0.0.1:" + master.port();
    }

    @Test
    void aClientGivenOnlyAnAddressUsesTheMastersCredentialsFileLikeTheCli() throws Exception {
        String address = startMasterWithDefaultDataDirectory();
        assertThat(Credentials.findDefaultFile()).contains(home.resolve(".gridwork/master/credentials"));

        try (GridClient client = GridClient.connect(address)) {
            assertThat(client.jobs(10)).isEmpty(); // a TLS call, checked against the CA, with the admin token
            assertThat(client.workers(false)).isEmpty();
        }
    }

    @Test
    void withoutACredentialsFileTheErrorNamesTheBuilderMethods() {
        assertThat(Credentials.findDefaultFile()).isEmpty();
        assertThatThrownBy(() -> GridClient.connect("127.0.0.1:7070"))
                .isInstanceOfSatisfying(GridException.class,
                        e -> assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED))
                .hasMessage("no CA to check the master against (there is no credentials file at "
                        + home.resolve(".gridwork/master/credentials") + ", nor one named by $GRID_CREDENTIALS): give "
                        + "GridClient.builder().credentials(Credentials.read(file)), .trustCa(certificate) or "
                        + ".caFingerprint(\"sha256:...\"), or .insecure(true) for a master started with --insecure")
                .message().doesNotContain("--ca", "--credentials");
    }

    @Test
    void aClientThatSendsNoTokenIsToldHowToGiveOneInJava() throws Exception {
        String address = startMasterWithDefaultDataDirectory();
        Credentials admin = Credentials.read(master.credentialsFile());
        try (GridClient client = GridClient.builder().target(address).trustCa(admin.ca().orElseThrow())
                .defaultCredentials(false).build()) {
            assertThatThrownBy(() -> client.jobs(10))
                    .isInstanceOfSatisfying(GridException.class,
                            e -> assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED))
                    .hasMessage("missing credential: this client sends no token: give GridClient.builder()"
                            + ".token(\"gw1....\") (grid token create prints one) or .credentials(Credentials.read(file))");
        }
    }

    @Test
    void aCredentialsFileWithoutACaIsNamedInTheError() throws Exception {
        Path file = home.resolve(".gridwork/master/credentials");
        Files.createDirectories(file.getParent());
        new Credentials("127.0.0.1:7070", "gw1.x", null, null).write(file, "test", true);
        assertThatThrownBy(() -> GridClient.connect("127.0.0.1:7070"))
                .hasMessageStartingWith("no CA to check the master against (the credentials file " + file
                        + " has none): give GridClient.builder()");
    }
}
