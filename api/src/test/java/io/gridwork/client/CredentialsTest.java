package io.gridwork.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gridwork.internal.tls.Certificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The credentials file: what is written is read back; a damaged CA line is an error naming the file. */
class CredentialsTest {

    @TempDir
    Path dir;

    @Test
    void theCaWrittenIsTheCaRead() throws IOException {
        X509Certificate ca = Certificates.newCa(Certificates.newKeyPair(), Duration.ofDays(1));
        Path file = dir.resolve("credentials");
        new Credentials("m1:7070", "gw1.secret", ca, null).write(file, "test", false);

        Credentials read = Credentials.read(file);

        assertThat(read.ca()).contains(ca);
        assertThat(Certificates.fingerprint(read.ca().get())).isEqualTo(Certificates.fingerprint(ca));
        assertThat(read.master()).contains("m1:7070");
        assertThat(read.token()).contains("gw1.secret");
    }

    @Test
    void aDamagedCaLineIsAnErrorNamingTheFile() throws IOException {
        Path file = dir.resolve("credentials");
        Files.writeString(file, "token=gw1.secret\nca=MIIBnotacertificate\n");
        assertThatThrownBy(() -> Credentials.read(file)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(file + ": ca is not a certificate: ");
        Files.writeString(file, "token=gw1.secret\nca=!!!!\n");
        assertThatThrownBy(() -> Credentials.read(file)).isInstanceOf(IOException.class)
                .hasMessage(file + ": ca is not a certificate: no certificate found");
    }
}
