package io.gridwork.master.ha;

import io.gridwork.api.v1.MasterInfo;
import io.gridwork.api.v1.PingRequest;
import io.gridwork.api.v1.PingResponse;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * A grid of one master: the directory lists this master alone, ACTIVE, with no events, and its ping handler answers
 * for itself. Its peer secret is random and known to nobody else, so no other process passes the peer check. Used
 * until (and where) the membership does not run: a master on H2, and tests.
 */
public final class SingleMaster implements MasterDirectory, PingHandler {

    private final String id;
    private final long epoch;
    private volatile String address;
    private volatile String httpAddress;
    private final Instant startedAt;
    private final LongSupplier jobs;
    private final IntSupplier workers;
    private final String peerSecret;

    /**
     * @param address where clients and workers reach this master (host:port)
     * @param httpAddress its dashboard, or null
     * @param jobs the unfinished jobs it owns, read when the directory is listed
     * @param workers the workers connected to it now, read when it is pinged
     */
    public SingleMaster(String id, long epoch, String address, String httpAddress, Instant startedAt, LongSupplier jobs,
            IntSupplier workers) {
        this.id = id;
        this.epoch = epoch;
        this.address = address;
        this.httpAddress = httpAddress;
        this.startedAt = startedAt;
        this.jobs = jobs;
        this.workers = workers;
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.peerSecret = HexFormat.of().formatHex(secret);
    }

    /**
     * Where this master is reached, once it is known (a master listening on port 0 learns its port when it starts).
     *
     * @param httpAddress its dashboard, or null
     */
    public void at(String address, String httpAddress) {
        this.address = address;
        this.httpAddress = httpAddress;
    }

    /** A directory of {@code id} alone, with nothing to count (tests, and services built without one). */
    public static SingleMaster alone(String id, String address) {
        return new SingleMaster(id, 0, address, null, Instant.EPOCH, () -> 0, () -> 0);
    }

    @Override
    public String selfId() {
        return id;
    }

    @Override
    public long selfEpoch() {
        return epoch;
    }

    @Override
    public boolean standby() {
        return false;
    }

    @Override
    public List<Peer> masters() {
        return List.of(self());
    }

    @Override
    public Optional<Peer> master(String masterId) {
        return id.equals(masterId) ? Optional.of(self()) : Optional.empty();
    }

    @Override
    public List<Event> events(int limit) {
        return List.of();
    }

    @Override
    public String peerSecret() {
        return peerSecret;
    }

    @Override
    public PingResponse onPing(PingRequest request) {
        return PingResponse.newBuilder().setId(id).setEpoch(epoch).setState(MasterInfo.State.ACTIVE)
                .setWorkers(workers.getAsInt()).build();
    }

    private Peer self() {
        return new Peer(id, address, httpAddress, "ACTIVE", epoch, jobs.getAsLong(), 0, startedAt, true);
    }
}
