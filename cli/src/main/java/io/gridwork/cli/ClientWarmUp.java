package io.gridwork.cli;

import io.gridwork.api.v1.ClientServiceGrpc;
import io.gridwork.api.v1.GetJobRequest;
import io.gridwork.api.v1.JobStatus;
import io.gridwork.client.GridClient;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * Prepares, on two threads of its own, what a client command needs once its arguments are parsed, while the main
 * thread builds and parses the command line: Logback and the protocol's descriptors and messages on one; the JDK's
 * security providers, X.509 and ECDSA (the credentials file's CA, the master's certificate) and a TLS channel like the
 * command's own on the other (gRPC's registries, Netty with its OpenSSL and epoll libraries, an OpenSSL context), built and closed without
 * connecting. Each step loads and initializes classes the command then finds ready; none has an effect outside this
 * JVM. A client command's start is mostly such first-time work, which on one thread left the second core idle.
 *
 * <p>The main thread waits for both ({@link #await}) before it configures logging and runs the command, so it never
 * initializes the classes they work on at the same time as they do. The channel is built once Logback is set up: gRPC
 * and Netty log through SLF4J, and SLF4J replays, with a warning on stderr, what was logged while it was being set up
 * on another thread. A failure here is ignored: the command meets the same one on its own path and reports it there.
 */
final class ClientWarmUp {

    /** The commands that are not clients of a master: nothing to prepare (they start servers or print help). */
    private static final Set<Class<?>> NOT_CLIENTS = Set.of(MasterCommand.class, WorkerCommand.class,
            DemoCommand.class, BenchCommand.class, CompletionCommand.class);

    /** A fingerprint no CA has: the warm-up's channel trusts nothing, and connects nowhere anyway. */
    private static final String NO_CA = "sha256:" + "0".repeat(64);

    /**
     * A self-signed EC P-256 certificate (CN "Gridwork warm-up"; its key was thrown away), as a grid's CA is: read
     * and checked as the credentials file's CA and the master's certificate will be. It is trusted by nothing.
     */
    private static final String SAMPLE_CERTIFICATE = "MIIBjjCCATOgAwIBAgIUYe7lcEgPBVF9sW+jII37LfVrTFQwCgYIKoZIzj0EAwIw"
            + "GzEZMBcGA1UEAwwQR3JpZHdvcmsgd2FybS11cDAgFw0yNjExMjkxNTI5MTJaGA8yMTI2MTEwNTE1MjkxMlowGzEZMBcGA1UEAwwQR3Jp"
            + "ZHdvcmsgd2FybS11cDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIEH+NZ92ebhMLc3BTwWHSpC6PWCpPD9XAcECdsxfxPOXsPzqauE"
            + "4UbDGSYExGRIhPajM/xWHXrLfGwFU80tC1ijUzBRMB0GA1UdDgQWBBRWB5GwWDaeAHw9KLZm5Xx5ZwS3ZjAfBgNVHSMEGDAWgBRWB5Gw"
            + "WDaeAHw9KLZm5Xx5ZwS3ZjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQCazM6XuMegvUDDxO9l9kCMMQ8jmG8GxIxL"
            + "AFOgjNegPgIhAMqXvmmVPkH2CysWa8MaUUFZ4uQ2AMGOwatWrK6KtRW3";

    /** The threads started and not yet waited for; empty when there is no warm-up. */
    private static final List<Thread> RUNNING = new ArrayList<>();

    private ClientWarmUp() {}

    /** Starts the warm-up if {@code args} run a client command (not for help, version, servers or the demo). */
    static void start(String[] args) {
        if (!wanted(args)) {
            return;
        }
        CountDownLatch loggingReady = new CountDownLatch(1);
        Thread common = new Common(loggingReady);
        Thread channel = new Channel(loggingReady);
        synchronized (RUNNING) {
            RUNNING.add(common);
            RUNNING.add(channel);
        }
        common.setDaemon(true);
        channel.setDaemon(true);
        common.start();
        channel.start();
    }

    /** Whether {@code args} run a client command: not help or version, not a server, the demo or a bench. */
    static boolean wanted(String[] args) {
        Class<?> command = Main.command(args);
        return command != null && !NOT_CLIENTS.contains(command) && !asksForHelp(args);
    }

    /** Whether a warm-up was started and not yet waited for (for tests). */
    static boolean started() {
        synchronized (RUNNING) {
            return !RUNNING.isEmpty();
        }
    }

    /** Waits for the warm-up, if one was started and has not been waited for. */
    static void await() {
        List<Thread> threads;
        synchronized (RUNNING) {
            threads = List.copyOf(RUNNING);
            RUNNING.clear();
        }
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The whole warm-up on this thread (the class-archive training runs it, so that what it loads is archived). */
    static void run() {
        logging();
        protocol();
        security();
        channel();
    }

    /** The security providers, X.509 and ECDSA, SHA-256 (fingerprints). */
    static void security() {
        try {
            X509Certificate sample = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Base64.getMimeDecoder().decode(SAMPLE_CERTIFICATE)));
            sample.verify(sample.getPublicKey());
            MessageDigest.getInstance("SHA-256").digest(sample.getEncoded());
        } catch (Throwable e) {
            ignore(e);
        }
    }

    /** Logback, as LogConfigurator sets it up. */
    static void logging() {
        try {
            LoggerFactory.getILoggerFactory();
        } catch (Throwable e) {
            ignore(e);
        }
    }

    /** The protocol's descriptors, and a message written and read. */
    static void protocol() {
        try {
            ClientServiceGrpc.getServiceDescriptor();
            GetJobRequest.newBuilder().setJobId("job-1").build().toByteString();
            JobStatus.parseFrom(JobStatus.newBuilder().setId("job-1").build().toByteString());
        } catch (Throwable e) {
            ignore(e);
        }
    }

    /** A TLS channel built and closed without a call: it never connects. */
    static void channel() {
        try {
            GridClient.builder().target("127.0.0.1:" + ClientOptions.DEFAULT_PORT).defaultCredentials(false)
                    .caFingerprint(NO_CA).build().close();
        } catch (Throwable e) {
            ignore(e);
        }
    }

    /** The first thread: logging, then the protocol (threads of named classes: no lambda to spin at start). */
    private static final class Common extends Thread {
        private final CountDownLatch loggingReady;

        Common(CountDownLatch loggingReady) {
            super("grid-warm-up-1");
            this.loggingReady = loggingReady;
        }

        @Override
        public void run() {
            try {
                logging();
            } finally {
                loggingReady.countDown();
            }
            protocol();
        }
    }

    /** The second thread: security, then the channel once Logback is set up. */
    private static final class Channel extends Thread {
        private final CountDownLatch loggingReady;

        Channel(CountDownLatch loggingReady) {
            super("grid-warm-up-2");
            this.loggingReady = loggingReady;
        }

        @Override
        public void run() {
            security();
            awaitUninterruptibly(loggingReady);
            channel();
        }
    }

    /** The command meets the same failure on its own path, and says so in its own words. */
    private static void ignore(Throwable e) {
        if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
            throw (VirtualMachineError) e;
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean asksForHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
                return true;
            }
        }
        return false;
    }
}
