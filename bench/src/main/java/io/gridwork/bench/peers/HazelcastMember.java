package io.gridwork.bench.peers;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * A Hazelcast member for the peers figure, in a JVM of its own ({@code grid bench hazelcast-member}, hidden): bound to
 * 127.0.0.1 only, joined over TCP-IP to itself (no multicast, no auto-detection, no phone-home), in a cluster whose
 * name the bench makes unique to its run, so that it can never join or be joined by anything else on the machine.
 * It writes {@code member.ready} when it serves and exits when the bench JVM that started it ends, even if that one
 * was killed.
 */
public final class HazelcastMember {

    /** The file the member writes once it accepts clients. */
    public static final String READY = "member.ready";

    private HazelcastMember() {}

    /** Settings the member and the bench's client share. */
    static void quiet(java.util.function.BiConsumer<String, String> property) {
        property.accept("hazelcast.phone.home.enabled", "false");
        property.accept("hazelcast.logging.type", "slf4j");
    }

    static Config config(String clusterName, int port) {
        Config config = new Config();
        config.setClusterName(clusterName);
        quiet(config::setProperty);
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.getJetConfig().setEnabled(false);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + port);
        return config;
    }

    /** Runs until the process {@code parent} ends (or this JVM is stopped). */
    public static void serve(String clusterName, int port, Path dir, long parent) throws IOException, InterruptedException {
        ProcessHandle bench = ProcessHandle.of(parent).orElseThrow(
                () -> new IllegalStateException("the bench process " + parent + " is gone"));
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config(clusterName, port));
        CountDownLatch done = new CountDownLatch(1);
        bench.onExit().thenRun(done::countDown);
        Path tmp = dir.resolve(READY + ".tmp");
        Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(READY), StandardCopyOption.ATOMIC_MOVE);
        done.await();
        member.getLifecycleService().terminate();
    }
}
