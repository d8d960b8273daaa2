package io.gridwork.client;

import io.gridwork.internal.tls.CertificateIds;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * A credentials file: where the master is, a token, the master's CA and, for workers on the master's machine, a
 * join token. The master writes one with an admin token into its data directory when it first starts. A client
 * given no credentials, the {@code grid} commands and {@link GridClient#connect} alike, uses the file
 * {@link #findDefaultFile} finds: {@code $GRID_CREDENTIALS}, else {@code ~/.gridwork/master/credentials}.
 *
 * <pre>{@code
 * Credentials creds = Credentials.read(Path.of("/var/lib/gridwork/credentials"));
 * try (GridClient client = GridClient.builder().credentials(creds).build()) { ... }
 * }</pre>
 */
public final class Credentials {

    /** The file name the master uses in its data directory. */
    public static final String FILE_NAME = "credentials";

    private final String master;
    private final String token;
    private final X509Certificate ca;
    private final String joinToken;

    public Credentials(String master, String token, X509Certificate ca, String joinToken) {
        this.master = master;
        this.token = token;
        this.ca = ca;
        this.joinToken = joinToken;
    }

    /** The environment variable that names a credentials file to use instead of the default one. */
    public static final String FILE_ENV = "GRID_CREDENTIALS";

    /** {@code ~/.gridwork/master/credentials}: written by a master that uses the default data directory. */
    public static Path defaultFile() {
        return Path.of(System.getProperty("user.home"), ".gridwork", "master", FILE_NAME);
    }

    /**
     * The credentials file a client given none uses: the one {@code $GRID_CREDENTIALS} names (even if it is missing,
     * so that reading it says so), else {@link #defaultFile()} if it exists; empty if neither.
     */
    public static Optional<Path> findDefaultFile() {
        return findDefaultFile(System.getenv(FILE_ENV), defaultFile());
    }

    static Optional<Path> findDefaultFile(String fromEnvironment, Path defaultFile) {
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return Optional.of(Path.of(fromEnvironment.trim()));
        }
        return Files.isRegularFile(defaultFile) ? Optional.of(defaultFile) : Optional.empty();
    }

    public Optional<String> master() {
        return Optional.ofNullable(master);
    }

    public Optional<String> token() {
        return Optional.ofNullable(token);
    }

    public Optional<X509Certificate> ca() {
        return Optional.ofNullable(ca);
    }

    public Optional<String> joinToken() {
        return Optional.ofNullable(joinToken);
    }

    /** The same, with another master address. */
    public Credentials withMaster(String newMaster) {
        return new Credentials(newMaster, token, ca, joinToken);
    }

    public static Credentials read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        X509Certificate ca = null;
        String caText = blankToNull(p.getProperty("ca"));
        if (caText != null) {
            try {
                ca = certificate(caText);
            } catch (IllegalArgumentException | java.security.cert.CertificateException e) {
                throw new IOException(file + ": ca is not a certificate: " + e.getMessage(), e);
            }
        }
        return new Credentials(blankToNull(p.getProperty("master")), blankToNull(p.getProperty("token")), ca,
                blankToNull(p.getProperty("join-token")));
    }

    /**
     * The certificate of a {@code ca=} line: its DER in base64, as in a PEM block. Read with the JDK's own
     * certificate factory: every client command reads the file, and BouncyCastle's PEM parser (its classes come
     * from signed jars, which class-data sharing does not archive) took a tenth of a CLI command's start.
     */
    static X509Certificate certificate(String base64) throws java.security.cert.CertificateException {
        byte[] der = java.util.Base64.getMimeDecoder().decode(base64);
        if (der.length == 0) {
            throw new IllegalArgumentException("no certificate found");
        }
        return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(der));
    }

    /** Writes the file readable by its owner only; fails if it exists and {@code replace} is false. */
    public void write(Path file, String comment, boolean replace) throws IOException {
        StringWriter text = new StringWriter();
        text.write("# " + comment + "\n# Keep this file private: it lets its holder use the grid.\n");
        if (master != null) {
            text.write("master=" + master + "\n");
        }
        if (token != null) {
            text.write("token=" + token + "\n");
        }
        if (ca != null) {
            text.write("ca-fingerprint=" + CertificateIds.fingerprint(ca) + "\n");
            try {
                text.write("ca=" + Base64.getEncoder().encodeToString(ca.getEncoded()) + "\n");
            } catch (CertificateEncodingException e) {
                throw new IOException(e);
            }
        }
        if (joinToken != null) {
            text.write("join-token=" + joinToken + "\n");
        }
        Path dir = Objects.requireNonNull(file.toAbsolutePath().getParent());
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, ".credentials", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // best effort on other file systems
            }
            Files.writeString(temp, text.toString(), StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            if (!replace && Files.exists(file)) {
                throw new FileAlreadyExistsException(file.toString());
            }
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
