package io.gridwork.worker.data;

import io.gridwork.internal.tls.GridTrust;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust for the callers of a worker's health port: a client certificate, when one is presented, must be a worker's or a
 * master's of this grid's CA (a certificate of another CA fails the handshake). Presenting none is allowed at the TLS
 * level so that the masters' and the other workers' health probes keep working; {@link PeerAuth} then refuses such a
 * caller on PeerService.
 */
final class PeerTrust extends X509ExtendedTrustManager {

    private final GridTrust workers;
    private final GridTrust master;
    private final X509Certificate ca;

    PeerTrust(X509Certificate ca) {
        this.ca = ca;
        this.workers = GridTrust.workers(ca);
        this.master = GridTrust.master(ca);
    }

    private void check(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            workers.checkClientTrusted(chain, authType);
        } catch (CertificateException notAWorker) {
            try {
                master.checkClientTrusted(chain, authType);
            } catch (CertificateException notAMaster) {
                notAWorker.addSuppressed(notAMaster);
                throw notAWorker;
            }
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a worker's health port trusts clients only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {ca};
    }
}
