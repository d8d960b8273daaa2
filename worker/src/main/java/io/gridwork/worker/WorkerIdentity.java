package io.gridwork.worker;

import io.gridwork.api.v1.JoinRequest;
import io.gridwork.api.v1.JoinResponse;
import io.gridwork.api.v1.WorkerServiceGrpc;
import io.gridwork.client.BearerToken;
import io.gridwork.internal.tls.Certificates;
import io.gridwork.internal.tls.GridTrust;
import io.gridwork.internal.tls.TokenText;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;

/**
 * A worker's identity in the grid: its own key, the certificate the master's CA signed for it, and the CA. Kept
 * in {@code WORKDIR/tls}; obtained once by joining with a join token.
 */
final class WorkerIdentity {

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final X509Certificate ca;

    private WorkerIdentity(PrivateKey key, X509Certificate certificate, X509Certificate ca) {
        this.key = key;
        this.certificate = certificate;
        this.ca = ca;
    }

    /** The identity stored in {@code dir}, if there is a complete one. */
    static WorkerIdentity load(Path dir) throws IOException {
        Path keyFile = dir.resolve("worker.key");
        Path certFile = dir.resolve("worker.crt");
        Path caFile = dir.resolve("ca.crt");
        if (!Files.exists(keyFile) || !Files.exists(certFile) || !Files.exists(caFile)) {
            return null;
        }
        return new WorkerIdentity(Certificates.readPrivateKey(Files.readString(keyFile)),
                Certificates.readCertificate(Files.readString(certFile)), Certificates.readCertificate(Files.readString(caFile)));
    }

    /**
     * Joins the grid: checks the master against the CA fingerprint in the join token, sends a request for a
     * certificate of a fresh key, and stores what the master signed in {@code dir}.
     */
    static WorkerIdentity join(String master, String name, TokenText.Join token, Path dir, Duration timeout)
            throws IOException {
        KeyPair keys = Certificates.newKeyPair();
        ManagedChannel channel = Grpc.newChannelBuilder(master, TlsChannelCredentials.newBuilder()
                .trustManager(GridTrust.masterPinned(token.caFingerprint())).build()).build();
        JoinResponse response;
        try {
            response = WorkerServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(new BearerToken(token.token().toString()))
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .join(JoinRequest.newBuilder().setName(name).setCsrPem(Certificates.csr(keys, name)).build());
        } finally {
            channel.shutdownNow();
        }
        X509Certificate cert = Certificates.readCertificate(response.getCertificatePem());
        X509Certificate ca = Certificates.readCertificate(response.getCaPem());
        if (!Certificates.fingerprint(ca).equals(token.caFingerprint())) {
            throw new IOException("the master answered with a CA other than the join token's");
        }
        Files.createDirectories(dir);
        Path keyFile = dir.resolve("worker.key");
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile);
        try {
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // best effort
        }
        Files.writeString(keyFile, Certificates.pem(keys.getPrivate()), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("worker.crt"), response.getCertificatePem(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("ca.crt"), response.getCaPem(), StandardCharsets.UTF_8);
        return new WorkerIdentity(keys.getPrivate(), cert, ca);
    }

    /** Whether this identity serves a worker of this name in the grid of this CA, and is still valid. */
    boolean fits(String name, String caFingerprint) {
        return name().equals(name) && (caFingerprint == null || caFingerprint.equals(Certificates.fingerprint(ca)))
                && certificate.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofHours(1)));
    }

    String name() {
        String cn = Certificates.commonName(certificate);
        return cn.startsWith(Certificates.WORKER_CN_PREFIX) ? cn.substring(Certificates.WORKER_CN_PREFIX.length()) : cn;
    }

    X509Certificate ca() {
        return ca;
    }

    X509Certificate certificate() {
        return certificate;
    }

    KeyManager[] keyManagers() {
        return Certificates.keyManagers(key, certificate, ca);
    }

    /** Why a join failed, for a person. */
    static String describe(StatusRuntimeException e) {
        return e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription());
    }
}
