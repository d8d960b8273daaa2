package io.gridwork.internal.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust in one grid: a chain is accepted only if its leaf was signed by the grid's CA, is valid now, and is a
 * certificate of the expected kind (the master, or a worker). The CA is given as its certificate, or pinned by
 * its fingerprint (then the peer must send the CA in its chain, as the master does). Host names are not checked:
 * the CA is the grid's own and issues certificates only to its master and workers, and the kind check keeps a
 * worker from passing itself off as the master.
 */
public final class GridTrust extends X509ExtendedTrustManager {

    private final X509Certificate ca;
    private final String caFingerprint;
    private final Predicate<String> leafName;
    private final String expected;

    private GridTrust(X509Certificate ca, String caFingerprint, Predicate<String> leafName, String expected) {
        this.ca = ca;
        this.caFingerprint = caFingerprint == null ? null : caFingerprint.toLowerCase(Locale.ROOT);
        this.leafName = leafName;
        this.expected = expected;
    }

    /** Trusts the grid's master, whose CA is known. */
    public static GridTrust master(X509Certificate ca) {
        return new GridTrust(ca, null, Certificates.MASTER_CN::equals, "the Gridwork master");
    }

    /** Trusts the grid's master, whose CA is pinned by its fingerprint ({@code sha256:<hex>}). */
    public static GridTrust masterPinned(String fingerprint) {
        return new GridTrust(null, normalize(fingerprint), Certificates.MASTER_CN::equals, "the Gridwork master");
    }

    /** Trusts the grid's workers: their client certificates (on the master) and their health services. */
    public static GridTrust workers(X509Certificate ca) {
        return new GridTrust(ca, null, n -> n.startsWith(Certificates.WORKER_CN_PREFIX), "a Gridwork worker");
    }

    /** {@code sha256:<64 hex digits>}, lower case; accepts the hex digits alone, and colons between bytes. */
    public static String normalize(String fingerprint) {
        String f = fingerprint.trim().toLowerCase(Locale.ROOT);
        if (f.startsWith("sha256:")) {
            f = f.substring(7);
        }
        f = f.replace(":", "");
        if (!f.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a CA fingerprint is sha256: and 64 hex digits, got '" + fingerprint + "'");
        }
        return "sha256:" + f;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no certificate presented");
        }
        X509Certificate anchor = ca;
        if (anchor == null) {
            for (X509Certificate c : chain) {
                if (CertificateIds.fingerprint(c).equals(caFingerprint)) {
                    anchor = c;
                    break;
                }
            }
            if (anchor == null) {
                throw new CertificateException("the peer's certificate does not come from the CA with fingerprint "
                        + caFingerprint + " (is this the right master?)");
            }
        }
        X509Certificate leaf = chain[0];
        try {
            leaf.verify(anchor.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the peer's certificate was not signed by this grid's CA", e);
        }
        leaf.checkValidity();
        anchor.checkValidity();
        String cn = CertificateIds.commonName(leaf);
        if (!leafName.test(cn)) {
            throw new CertificateException("the peer's certificate is for '" + cn + "', not " + expected);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return ca == null ? new X509Certificate[0] : List.of(ca).toArray(new X509Certificate[0]);
    }
}
