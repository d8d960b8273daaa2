package io.gridwork.internal.tls;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.security.auth.x500.X500Principal;

/**
 * What a certificate is called: its fingerprint and its subject's common name. Apart from {@link Certificates} (which
 * delegates here) because a client checking the master ({@link GridTrust}) needs only these, and loading
 * {@link Certificates} loads BouncyCastle from its signed jars, whose signatures the JVM checks first: a client
 * command's start paid for it on every run.
 */
public final class CertificateIds {

    private CertificateIds() {}

    /** {@code sha256:} and the hex SHA-256 of the certificate's DER encoding. */
    public static String fingerprint(X509Certificate cert) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The common name of a certificate's subject, or "" if it has none. */
    public static String commonName(X509Certificate cert) {
        for (String part : cert.getSubjectX500Principal().getName(X500Principal.RFC2253).split(",")) {
            if (part.startsWith("CN=")) {
                return part.substring(3).replace("\\\\", "\\");
            }
        }
        return "";
    }
}
