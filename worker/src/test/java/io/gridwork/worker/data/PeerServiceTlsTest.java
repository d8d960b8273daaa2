package io.gridwork.worker.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.FetchChunkRequest;
import io.gridwork.api.v1.PeerServiceGrpc;
import io.gridwork.internal.tls.Certificates;
import io.gridwork.internal.tls.GridTrust;
import io.gridwork.worker.data.DataCache.ChunkId;
import io.gridwork.worker.data.FakeDataGrid.DataSet;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health port with PeerService over real TLS on loopback, as a worker serves it: a grid certificate gets chunks;
 * no certificate gets the health service (the masters' probes) but not PeerService; another CA's is refused.
 */
class PeerServiceTlsTest {

    @TempDir
    Path dir;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private Server server;
    private X509Certificate ca;
    private KeyPair caKeys;
    private DataSet set;

    @BeforeEach
    void setUp() throws IOException {
        caKeys = Certificates.newKeyPair();
        ca = Certificates.newCa(caKeys, Duration.ofDays(1));
        set = FakeDataGrid.dataSet("text", 3 << 20, 2 << 20, 31); // pieces of 1 MiB: a chunk is two of them
        DataCache cache = new DataCache(dir.resolve("cache"), 1L << 30, new DataCache.Listener() {
            @Override
            public void added(ChunkId chunk) {
            }

            @Override
            public void evicted(ChunkId chunk) {
            }
        });
        for (int i = 0; i < 2; i++) {
            DataCache.Reservation r = cache.reserve(new ChunkId(set.ref().getId(), i), set.chunk(i).length);
            Path temp = r.tempFile();
            Files.write(temp, set.chunk(i));
            cache.store(r, temp, set.ref().getChunkSha256(i).toByteArray());
        }
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("", ServingStatus.SERVING);
        server = Grpc.newServerBuilderForPort(0, DataPlane.serverCredentials(keyManagers("gridwork worker server", ca,
                        caKeys), ca))
                .addService(health.getHealthService())
                .addService(new PeerServer(cache, false).definition(true))
                .build().start();
    }

    @AfterEach
    void tearDown() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.shutdownNow();
    }

    private static KeyManager[] keyManagers(String cn, X509Certificate ca, KeyPair caKeys) {
        KeyPair keys = Certificates.newKeyPair();
        X509Certificate cert = Certificates.issue(keys.getPublic(), cn, ca, caKeys.getPrivate(), Duration.ofDays(1),
                true, true, List.of());
        return Certificates.keyManagers(keys.getPrivate(), cert, ca);
    }

    private ManagedChannel channel(ChannelCredentials credentials) {
        ManagedChannel c = Grpc.newChannelBuilderForAddress("localhost", server.getPort(), credentials).build();
        channels.add(c);
        return c;
    }

    private byte[] fetch(ManagedChannel channel, int index) throws IOException {
        Iterator<ChunkPiece> pieces = PeerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .fetchChunk(FetchChunkRequest.newBuilder().setDataId(set.ref().getId()).setIndex(index)
                        .setSha256(set.ref().getChunkSha256(index)).build());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        boolean first = true;
        int count = 0;
        while (pieces.hasNext()) {
            ChunkPiece p = pieces.next();
            if (first) {
                assertThat(p.getTotalSize()).isEqualTo(set.chunk(index).length);
                first = false;
            }
            assertThat(p.getData().size()).isLessThanOrEqualTo(1 << 20);
            p.getData().writeTo(out);
            count++;
        }
        assertThat(count).as("pieces").isEqualTo((set.chunk(index).length + (1 << 20) - 1) >> 20);
        return out.toByteArray();
    }

    @Test
    void aWorkerOfTheGridGetsVerifiedChunksInPiecesOfOneMiB() throws IOException {
        ManagedChannel peer = channel(TlsChannelCredentials.newBuilder()
                .keyManager(keyManagers("gridwork worker other", ca, caKeys)).trustManager(GridTrust.workers(ca)).build());
        assertThat(fetch(peer, 0)).isEqualTo(set.chunk(0));
        assertThat(fetch(peer, 1)).isEqualTo(set.chunk(1));
    }

    @Test
    void aCallerWithoutACertificateIsRefusedPeerServiceButItsHealthProbesWork() {
        ManagedChannel probe = channel(TlsChannelCredentials.newBuilder().trustManager(GridTrust.workers(ca)).build());

        assertThat(HealthGrpc.newBlockingStub(probe).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
        assertThatThrownBy(() -> fetch(probe, 0)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(e.getStatus().getDescription()).contains("present a client certificate of the grid's CA");
        });
    }

    @Test
    void aCertificateOfAnotherCaIsRefused() {
        KeyPair otherKeys = Certificates.newKeyPair();
        X509Certificate otherCa = Certificates.newCa(otherKeys, Duration.ofDays(1));
        ManagedChannel stranger = channel(TlsChannelCredentials.newBuilder()
                .keyManager(keyManagers("gridwork worker stranger", otherCa, otherKeys))
                .trustManager(GridTrust.workers(ca)).build());

        assertThatThrownBy(() -> fetch(stranger, 0)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void aChunkNotHeldOrAskedWithAnotherHashIsNotFoundAndBadFieldsAreNamed() {
        ManagedChannel peer = channel(TlsChannelCredentials.newBuilder()
                .keyManager(keyManagers("gridwork master", ca, caKeys)).trustManager(GridTrust.workers(ca)).build());
        PeerServiceGrpc.PeerServiceBlockingStub stub = PeerServiceGrpc.newBlockingStub(peer)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        FetchChunkRequest ok = FetchChunkRequest.newBuilder().setDataId(set.ref().getId()).setIndex(0)
                .setSha256(set.ref().getChunkSha256(0)).build();

        assertThat(code(() -> stub.fetchChunk(ok.toBuilder().setSha256(ByteString.copyFrom(new byte[32])).build())
                .hasNext())).isEqualTo("NOT_FOUND");
        assertThat(code(() -> stub.fetchChunk(ok.toBuilder().setIndex(2).build()).hasNext())).isEqualTo("NOT_FOUND");
        assertThat(code(() -> stub.fetchChunk(ok.toBuilder().setDataId("nope").build()).hasNext()))
                .isEqualTo("INVALID_ARGUMENT data_id: not a data set id (64 lowercase hex digits): 'nope'");
        assertThat(code(() -> stub.fetchChunk(ok.toBuilder().setSha256(ByteString.copyFrom(new byte[3])).build())
                .hasNext())).isEqualTo("INVALID_ARGUMENT sha256: must be 32 bytes, got 3");
    }

    private static String code(Runnable call) {
        try {
            call.run();
            return "OK";
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.NOT_FOUND ? "NOT_FOUND"
                    : e.getStatus().getCode() + " " + e.getStatus().getDescription();
        }
    }
}
