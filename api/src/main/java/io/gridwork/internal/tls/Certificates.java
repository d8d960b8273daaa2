package io.gridwork.internal.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The certificates of a Gridwork grid: a CA of the master's own, the master's server certificate, and worker
 * certificates signed from the workers' requests. Keys are EC P-256; the subject's common name says what a
 * certificate is for: {@value #MASTER_CN} or {@value #WORKER_CN_PREFIX}{@code <name>}.
 */
public final class Certificates {

    public static final String CA_CN = "Gridwork CA";
    public static final String MASTER_CN = "gridwork master";
    public static final String WORKER_CN_PREFIX = "gridwork worker ";
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Certificates() {}

    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 keys are not available", e);
        }
    }

    /** A self-signed CA certificate. */
    public static X509Certificate newCa(KeyPair keys, Duration validity) {
        X500Name name = new X500Name("CN=" + CA_CN + ",O=Gridwork");
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), notBefore(),
                    Date.from(Instant.now().plus(validity)), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return certificate(b, keys.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a CA certificate", e);
        }
    }

    /**
     * A certificate for {@code subject} signed by the CA.
     *
     * @param server usable by a TLS server (extended key usage serverAuth)
     * @param client usable by a TLS client (clientAuth)
     * @param hosts DNS names and IP addresses to put in the subject alternative names
     */
    public static X509Certificate issue(PublicKey subject, String commonName, X509Certificate ca, PrivateKey caKey,
            Duration validity, boolean server, boolean client, List<String> hosts) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            List<KeyPurposeId> purposes = new ArrayList<>();
            if (server) {
                purposes.add(KeyPurposeId.id_kp_serverAuth);
            }
            if (client) {
                purposes.add(KeyPurposeId.id_kp_clientAuth);
            }
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(), notBefore(),
                    Date.from(Instant.now().plus(validity)), new X500Principal("CN=" + commonName + ",O=Gridwork"), subject)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(new KeyPurposeId[0])))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subject));
            if (!hosts.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String h : hosts) {
                    names.add(isIp(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            return certificate(b, caKey);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
        }
    }

    /** A PEM certificate signing request for a worker's key. */
    public static String csr(KeyPair keys, String workerName) {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(keys.getPrivate());
            PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(
                    new X500Principal("CN=" + WORKER_CN_PREFIX + workerName + ",O=Gridwork"), keys.getPublic()).build(signer);
            return pem(request);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot create a certificate request", e);
        }
    }

    /** The public key of a PEM certificate signing request, after checking the request's own signature. */
    public static PublicKey csrPublicKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            if (!(o instanceof PKCS10CertificationRequest)) {
                throw new IllegalArgumentException("not a PEM certificate signing request");
            }
            PKCS10CertificationRequest request = (PKCS10CertificationRequest) o;
            PublicKey key = new JcaPEMKeyConverter().getPublicKey(request.getSubjectPublicKeyInfo());
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new IllegalArgumentException("the certificate request's signature is not valid");
            }
            return key;
        } catch (IOException | OperatorCreationException | PKCSException e) {
            throw new IllegalArgumentException("malformed certificate request: " + e.getMessage(), e);
        }
    }

    /** The PEM text of a certificate, a private key (PKCS#8) or a certificate request. */
    public static String pem(Object o) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(text)) {
            if (o instanceof PrivateKey) {
                w.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator((PrivateKey) o, null));
            } else {
                w.writeObject(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** Every certificate in a PEM text, in order. */
    public static List<X509Certificate> readCertificates(String pem) {
        List<X509Certificate> certs = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            while ((o = parser.readObject()) != null) {
                if (o instanceof org.bouncycastle.cert.X509CertificateHolder) {
                    certs.add(converter.getCertificate((org.bouncycastle.cert.X509CertificateHolder) o));
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("malformed PEM certificate: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate found");
        }
        return certs;
    }

    public static X509Certificate readCertificate(String pem) {
        return readCertificates(pem).get(0);
    }

    /** A private key in PEM (PKCS#8, or an EC key pair). */
    public static PrivateKey readPrivateKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo) {
                return converter.getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) o);
            }
            if (o instanceof PEMKeyPair) {
                return converter.getKeyPair((PEMKeyPair) o).getPrivate();
            }
            throw new IllegalArgumentException("not a PEM private key");
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed PEM private key: " + e.getMessage(), e);
        }
    }

    /** {@code sha256:<hex>} of the certificate's DER encoding: how a join token names the CA to trust. */
    public static String fingerprint(X509Certificate cert) {
        return CertificateIds.fingerprint(cert);
    }

    /** The common name of a certificate's subject, or "" if it has none. */
    public static String commonName(X509Certificate cert) {
        return CertificateIds.commonName(cert);
    }

    /** Key managers presenting {@code chain} (leaf first) with its key. */
    public static KeyManager[] keyManagers(PrivateKey key, X509Certificate... chain) {
        try {
            char[] password = "gridwork".toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("key", key, password, chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            return kmf.getKeyManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the key and certificate", e);
        }
    }

    /** The host names and addresses of this machine, for the master's certificate. */
    public static List<String> localHosts() {
        List<String> hosts = new ArrayList<>(List.of("localhost", "127.0.0.1", "::1"));
        try {
            InetAddress local = InetAddress.getLocalHost();
            add(hosts, local.getHostName());
            add(hosts, local.getCanonicalHostName());
            add(hosts, local.getHostAddress());
            for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    String text = a.getHostAddress();
                    int zone = text.indexOf('%');
                    add(hosts, zone >= 0 ? text.substring(0, zone) : text);
                }
            }
        } catch (IOException e) {
            // the loopback names are enough
        }
        return hosts;
    }

    private static void add(List<String> hosts, String h) {
        if (h != null && !h.isBlank() && !hosts.contains(h)) {
            hosts.add(h);
        }
    }

    private static boolean isIp(String h) {
        return h.matches("[0-9.]+") || h.contains(":");
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM);
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(Duration.ofMinutes(5)));
    }

    private static X509Certificate certificate(X509v3CertificateBuilder b, PrivateKey signer) throws GeneralSecurityException {
        try {
            ContentSigner cs = new JcaContentSignerBuilder(SIGNATURE).build(signer);
            return new JcaX509CertificateConverter().getCertificate(b.build(cs));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
