package io.gridwork.master.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.gridwork.internal.tls.Certificates;
import io.gridwork.master.store.PostgresFixture;
import io.gridwork.master.store.Store;
import io.gridwork.master.store.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The grid's CA lives in the store: every master of a grid signs with it, each with its own certificate. */
class SharedCaTest {

    private static PostgresFixture postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresFixture.shared();
    }

    @Test
    void twoMastersOnOnePostgresShareTheCaAndKeepTheirOwnCertificates(@TempDir Path dir) throws Exception {
        StoreConfig config = postgres.newDatabase();
        try (Store one = Store.open(config); Store two = Store.open(config)) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                // both start at once: one stores its new CA, the other uses it
                Callable<CertificateAuthority> a = () -> CertificateAuthority.open(dir.resolve("a/tls"),
                        List.of("a.example"), one.masterInfo());
                Callable<CertificateAuthority> b = () -> CertificateAuthority.open(dir.resolve("b/tls"),
                        List.of("b.example"), two.masterInfo());
                Future<CertificateAuthority> fa = pool.submit(a);
                Future<CertificateAuthority> fb = pool.submit(b);
                CertificateAuthority caA = fa.get();
                CertificateAuthority caB = fb.get();
                assertThat(caA.fingerprint()).isEqualTo(caB.fingerprint());
                assertThat(caA.created() ^ caB.created()).as("exactly one created it").isTrue();

                X509Certificate masterA = Certificates.readCertificate(Files.readString(dir.resolve("a/tls/master.crt")));
                X509Certificate masterB = Certificates.readCertificate(Files.readString(dir.resolve("b/tls/master.crt")));
                assertThat(masterA).isNotEqualTo(masterB);
                masterA.verify(caB.certificate().getPublicKey());
                masterB.verify(caA.certificate().getPublicKey());
                assertThat(masterA.getSubjectAlternativeNames().toString()).contains("a.example").doesNotContain("b.example");
                assertThat(masterB.getSubjectAlternativeNames().toString()).contains("b.example");
                assertThat(Files.readString(dir.resolve("a/tls/master.key")))
                        .isNotEqualTo(Files.readString(dir.resolve("b/tls/master.key")));

                // a worker certificate signed by one master is trusted by the other's CA
                KeyPair worker = Certificates.newKeyPair();
                caA.signWorker(Certificates.csr(worker, "w1"), "w1").verify(caB.certificate().getPublicKey());

                // a restart finds it in the store
                CertificateAuthority again = CertificateAuthority.open(dir.resolve("c/tls"), List.of(), one.masterInfo());
                assertThat(again.fingerprint()).isEqualTo(caA.fingerprint());
                assertThat(again.created()).isFalse();
                assertThat(Files.readString(dir.resolve("c/tls/ca.crt"))).isEqualTo(Certificates.pem(caA.certificate()));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aMastersOwnCaFromItsDataDirectoryBecomesTheGridsOnUpgrade(@TempDir Path dir) throws Exception {
        CertificateAuthority before = CertificateAuthority.open(dir.resolve("m/tls"), List.of());
        assertThat(before.created()).isTrue();
        try (Store store = Store.inMemory("ca-" + UUID.randomUUID())) {
            CertificateAuthority after = CertificateAuthority.open(dir.resolve("m/tls"), List.of(), store.masterInfo());
            assertThat(after.fingerprint()).as("workers and clients keep trusting it").isEqualTo(before.fingerprint());
            assertThat(after.created()).isFalse();
            // another master with a CA of its own in its data directory takes the grid's
            CertificateAuthority other = CertificateAuthority.open(dir.resolve("other/tls"), List.of());
            assertThat(other.fingerprint()).isNotEqualTo(before.fingerprint());
            CertificateAuthority joined = CertificateAuthority.open(dir.resolve("other/tls"), List.of(), store.masterInfo());
            assertThat(joined.fingerprint()).isEqualTo(before.fingerprint());
            assertThat(CertificateAuthority.open(dir.resolve("other/tls"), List.of()).fingerprint())
                    .as("its data directory holds the grid's CA now").isEqualTo(before.fingerprint());
        }
    }
}
