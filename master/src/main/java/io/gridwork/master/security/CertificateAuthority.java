package io.gridwork.master.security;

import io.gridwork.internal.tls.Certificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;

/**
 * The master's own certificate authority, kept in {@code DATA/tls}: created on first start (a CA valid ten
 * years), then a fresh master certificate at every start for this machine's names and addresses (and any given
 * with {@code --tls-san}), and worker certificates signed from the workers' requests.
 */
public final class CertificateAuthority {

    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration MASTER_VALIDITY = Duration.ofDays(397);
    /** Worker certificates last a year; a worker joins again with a new join token after that. */
    public static final Duration WORKER_VALIDITY = Duration.ofDays(365);

    private final X509Certificate ca;
    private final PrivateKey caKey;
    private final X509Certificate master;
    private final PrivateKey masterKey;
    private final boolean created;

    private CertificateAuthority(X509Certificate ca, PrivateKey caKey, X509Certificate master, PrivateKey masterKey,
            boolean created) {
        this.ca = ca;
        this.caKey = caKey;
        this.master = master;
        this.masterKey = masterKey;
        this.created = created;
    }

    /** The CA in {@code dir}, created if there is none; with a new master certificate for these extra names. */
    public static CertificateAuthority open(Path dir, List<String> extraNames) throws IOException {
        Files.createDirectories(dir);
        Path caCert = dir.resolve("ca.crt");
        Path caKeyFile = dir.resolve("ca.key");
        X509Certificate ca;
        PrivateKey caKey;
        boolean created = false;
        if (Files.exists(caCert) && Files.exists(caKeyFile)) {
            ca = Certificates.readCertificate(Files.readString(caCert));
            caKey = Certificates.readPrivateKey(Files.readString(caKeyFile));
        } else {
            KeyPair keys = Certificates.newKeyPair();
            ca = Certificates.newCa(keys, CA_VALIDITY);
            caKey = keys.getPrivate();
            writePrivate(caKeyFile, Certificates.pem(caKey));
            Files.writeString(caCert, Certificates.pem(ca), StandardCharsets.UTF_8);
            created = true;
        }
        List<String> hosts = new ArrayList<>(Certificates.localHosts());
        for (String name : extraNames) {
            if (!hosts.contains(name)) {
                hosts.add(name);
            }
        }
        KeyPair masterKeys = Certificates.newKeyPair();
        X509Certificate master = Certificates.issue(masterKeys.getPublic(), Certificates.MASTER_CN, ca, caKey,
                MASTER_VALIDITY, true, false, hosts);
        writePrivate(dir.resolve("master.key"), Certificates.pem(masterKeys.getPrivate()));
        Files.writeString(dir.resolve("master.crt"), Certificates.pem(master) + Certificates.pem(ca), StandardCharsets.UTF_8);
        return new CertificateAuthority(ca, caKey, master, masterKeys.getPrivate(), created);
    }

    /** Whether this start created the CA. */
    public boolean created() {
        return created;
    }

    public X509Certificate certificate() {
        return ca;
    }

    public String fingerprint() {
        return Certificates.fingerprint(ca);
    }

    /** The master's certificate and key, sent with the CA so that clients pinning its fingerprint can check it. */
    public KeyManager[] masterKeyManagers() {
        return Certificates.keyManagers(masterKey, master, ca);
    }

    /** Signs a worker's certificate request: a client and (for its health service) server certificate for {@code name}. */
    public X509Certificate signWorker(String csrPem, String name) {
        PublicKey key = Certificates.csrPublicKey(csrPem);
        return Certificates.issue(key, Certificates.WORKER_CN_PREFIX + name, ca, caKey, WORKER_VALIDITY, true, true, List.of());
    }

    private static void writePrivate(Path file, String pem) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // best effort
        }
        Files.writeString(file, pem, StandardCharsets.UTF_8);
    }
}
