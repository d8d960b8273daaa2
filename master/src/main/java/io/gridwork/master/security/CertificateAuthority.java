package io.gridwork.master.security;

import io.gridwork.internal.tls.Certificates;
import io.gridwork.master.store.MasterInfoRepository;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grid's certificate authority: created on the first start of a master (a CA valid ten years) and kept in the
 * store, so that every master of a grid shares it (see {@link #open(Path, List, MasterInfoRepository)}); each master
 * gets a fresh certificate of its own at every start, for its machine's names and addresses (and any given with
 * {@code --tls-san}), and signs worker certificates from the workers' requests. {@code DATA/tls} of each master holds
 * its own key and certificate and a copy of the CA's.
 */
public final class CertificateAuthority {

    private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);
    /** The name of the grid's CA (key and certificate in PEM) in the store's {@code master_info}. */
    static final String SHARED_CA = "ca";
    static final String CA_CERT = "ca.crt";
    static final String CA_KEY = "ca.key";
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

    /**
     * The CA in {@code dir} alone, created if there is none; with a new master certificate for these extra names. For
     * tools and tests that read a master's data directory; a master opens the grid's CA with
     * {@link #open(Path, List, MasterInfoRepository)}.
     */
    public static CertificateAuthority open(Path dir, List<String> extraNames) throws IOException {
        Files.createDirectories(dir);
        Path caCert = dir.resolve(CA_CERT);
        Path caKeyFile = dir.resolve(CA_KEY);
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
        return withMasterCertificate(dir, extraNames, ca, caKey, created);
    }

    /**
     * The grid's CA, shared by every master of the store {@code shared} belongs to, with a new certificate of this
     * master (in {@code dir}) for these extra names. The CA is the store's if it has one; else this master's own
     * from {@code dir} if it has one (a master upgraded to a shared store); else a new one. Of two masters storing
     * one at the same moment, the first stored wins and the other uses it. {@code dir} gets a copy of the CA's
     * certificate and key ({@code ca.crt}, {@code ca.key}), replacing a different CA it had.
     */
    public static CertificateAuthority open(Path dir, List<String> extraNames, MasterInfoRepository shared)
            throws IOException {
        Files.createDirectories(dir);
        Path caCert = dir.resolve(CA_CERT);
        Path caKeyFile = dir.resolve(CA_KEY);
        boolean created = false;
        String pem = shared.value(SHARED_CA).orElse(null);
        if (pem == null) {
            String mine;
            if (Files.exists(caCert) && Files.exists(caKeyFile)) {
                mine = Files.readString(caKeyFile) + Files.readString(caCert);
            } else {
                KeyPair keys = Certificates.newKeyPair();
                mine = Certificates.pem(keys.getPrivate()) + Certificates.pem(Certificates.newCa(keys, CA_VALIDITY));
                created = true;
            }
            pem = shared.valueIfAbsent(SHARED_CA, mine);
            created &= pem.equals(mine);
        }
        // the key first: readPrivateKey reads the first object, readCertificate skips what is not a certificate
        X509Certificate ca = Certificates.readCertificate(pem);
        PrivateKey caKey = Certificates.readPrivateKey(pem);
        String certPem = Certificates.pem(ca);
        if (Files.exists(caCert) && !Files.readString(caCert).equals(certPem)) {
            log.warn("{} held another CA than the grid's (in the store): replaced by the grid's, fingerprint {}; "
                    + "workers with certificates from the old one must join again", caCert,
                    Certificates.fingerprint(ca));
        }
        writePrivate(caKeyFile, Certificates.pem(caKey));
        Files.writeString(caCert, certPem, StandardCharsets.UTF_8);
        return withMasterCertificate(dir, extraNames, ca, caKey, created);
    }

    private static CertificateAuthority withMasterCertificate(Path dir, List<String> extraNames, X509Certificate ca,
            PrivateKey caKey, boolean created) throws IOException {
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

    /** Whether this start created the CA (a master that found it in the store or in its data directory did not). */
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
