package io.gridwork.internal.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The consistent-hash ring that says where a chunk of the data grid lives (the design's structured peer-to-peer):
 * each live worker takes {@link #VIRTUAL_NODES} points on a ring of 64-bit positions, and a chunk's home workers are
 * the first {@code n} distinct workers clockwise from the chunk's position. Every party that knows the live workers
 * (the master, and each worker from the peer list the master sends) works out the same homes, and a worker joining
 * or leaving moves only the chunks of the arcs it takes or gives up: about 1/N of them.
 *
 * <p>A worker's points are the first 8 bytes of SHA-256("worker-id#v") for v in 0..VIRTUAL_NODES-1; a chunk's position
 * is the first 8 bytes of its SHA-256. Immutable; build a new ring when the live workers change.
 */
public final class HashRing {

    public static final int VIRTUAL_NODES = 128;

    private final TreeMap<Long, String> points = new TreeMap<>();
    private final int members;

    public HashRing(Collection<String> workerIds) {
        TreeSet<String> ids = new TreeSet<>(workerIds);
        for (String id : ids) {
            MessageDigest digest = DataLayout.sha256();
            for (int v = 0; v < VIRTUAL_NODES; v++) {
                byte[] hash = digest.digest((id + "#" + v).getBytes(StandardCharsets.UTF_8));
                // On the rare collision the smaller id keeps the point, so every party agrees.
                points.putIfAbsent(ByteBuffer.wrap(hash, 0, 8).getLong(), id);
            }
        }
        this.members = ids.size();
    }

    public int size() {
        return members;
    }

    /** The first {@code n} distinct workers clockwise from a chunk's position (fewer if the ring has fewer). */
    public List<String> homes(byte[] chunkSha256, int n) {
        if (chunkSha256.length < 8) {
            throw new IllegalArgumentException("a chunk hash has " + chunkSha256.length + " bytes");
        }
        int wanted = Math.min(n, members);
        List<String> homes = new ArrayList<>(wanted);
        if (wanted <= 0) {
            return homes;
        }
        long position = ByteBuffer.wrap(chunkSha256, 0, 8).getLong();
        for (Map.Entry<Long, String> e : points.tailMap(position, true).entrySet()) {
            if (!homes.contains(e.getValue()) && homes.add(e.getValue()) && homes.size() == wanted) {
                return homes;
            }
        }
        for (Map.Entry<Long, String> e : points.headMap(position, false).entrySet()) {
            if (!homes.contains(e.getValue()) && homes.add(e.getValue()) && homes.size() == wanted) {
                return homes;
            }
        }
        return homes;
    }
}
