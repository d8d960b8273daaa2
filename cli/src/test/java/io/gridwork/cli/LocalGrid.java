package io.gridwork.cli;

import static org.awaitility.Awaitility.await;

import io.gridwork.client.Credentials;
import io.gridwork.master.GridMaster;
import io.gridwork.master.MasterOptions;
import io.gridwork.worker.GridWorker;
import io.gridwork.worker.WorkerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A master (TLS, H2 file, Quartz) and one worker in this JVM, and the CLI run against them as a user types it. */
final class LocalGrid implements AutoCloseable {

    final GridMaster master;
    final GridWorker worker;
    final String address;
    final Path credentials;

    LocalGrid(Path dir, String workerName, int slots) throws IOException {
        master = GridMaster.start(MasterOptions.builder().bindHost("127.0.0.1").port(0).httpPort(0)
                .dataDir(dir.resolve("m")).build());
        address = "127.0.0.1:" + master.port();
        credentials = master.credentialsFile();
        worker = GridWorker.start(WorkerOptions.builder().master(address).name(workerName).slots(slots)
                .workDir(dir.resolve("w")).joinToken(Credentials.read(credentials).joinToken().orElseThrow()).build());
        await().atMost(Duration.ofSeconds(20)).until(worker::isConnected);
    }

    /** Runs {@code grid ARGS} as given. */
    static GridRun run(String... args) {
        return GridRun.execute(Main.commandLine(), args);
    }

    /** Runs {@code grid ARGS --master THIS --credentials THE-ADMIN'S}. */
    GridRun client(String... args) {
        return run(withMaster(args));
    }

    String[] withMaster(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--master";
        all[args.length + 1] = address;
        all[args.length + 2] = "--credentials";
        all[args.length + 3] = credentials.toString();
        return all;
    }

    @Override
    public void close() {
        worker.close();
        master.close();
    }
}
