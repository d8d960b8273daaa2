package io.gridwork.cli;

import io.gridwork.api.v1.DataSet;
import io.gridwork.api.v1.ListDataResponse;
import io.gridwork.client.FileChangedException;
import io.gridwork.client.GridClient;
import io.gridwork.internal.data.DataLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "data", mixinStandardHelpOptions = true,
        description = {"Data sets of the data grid: files stored on the workers and read by jobs "
                + "(grid submit --data NAME=ID).",
                "A data set is named by its content: the same bytes always give the same id. It is cut into chunks of "
                + "4 MiB, each checked against its SHA-256 wherever it travels."},
        subcommands = {DataCommand.Put.class, DataCommand.Ls.class, DataCommand.Get.class, DataCommand.Rm.class})
final class DataCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: put, ls, get or rm");
    }

    /** The most replicas a data set may ask for. */
    static final int MAX_REPLICAS = 16; // the master's limit (DataGrid.MAX_REPLICAS)

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = {"Stores a file in the grid and prints its id alone on stdout.",
                    "The file is streamed, never held in memory. A file that changes while it is put (its size, its "
                    + "modification time or its bytes) is refused (exit 2) and nothing is kept."})
    static final class Put implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The file to store.")
        Path file;

        @Option(names = "--name", paramLabel = "NAME", description = "A label for people (default: the file's name).")
        String name;

        @Option(names = "--replicas", paramLabel = "N",
                description = "How many workers hold each chunk, from 1 to " + MAX_REPLICAS + " (default: the "
                        + "master's, 2). Putting the same bytes again raises it to the larger of the two.")
        Integer replicas;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            checkReadable(file, "");
            if (replicas != null && (replicas < 1 || replicas > MAX_REPLICAS)) {
                throw CliException.usage("--replicas must be from 1 to " + MAX_REPLICAS);
            }
            try (GridClient c = client.connect()) {
                DataSet set = put(c, file, name, replicas == null ? 0 : replicas, "");
                if (!client.printJson(set)) {
                    PrintWriter out = client.out();
                    out.println(set.getId());
                    PrintWriter err = client.err();
                    err.println("stored " + set.getName() + ": " + Formats.bytes(set.getSize()) + " in "
                            + Formats.count(set.getChunks(), "chunk") + ", " + set.getReplicasWanted()
                            + " replicas wanted");
                    err.flush();
                    out.flush();
                }
                return ExitCodes.OK;
            }
        }
    }

    /**
     * Puts a file, with the CLI's messages: a file that changed or cannot be read is bad input (exit 2).
     *
     * @param what the option the file came from, for messages ("" for none; "--data text" for submit's)
     */
    static DataSet put(GridClient c, Path file, String name, int replicas, String what) {
        String prefix = what.isEmpty() ? "" : what + ": ";
        try {
            return c.putData(file, name, replicas);
        } catch (FileChangedException e) {
            throw new CliException(ExitCodes.USAGE, prefix + e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCodes.USAGE, prefix + "no such file " + file, e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, prefix + "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Refuses (exit 2) a path that is not a readable regular file. */
    static void checkReadable(Path file, String what) {
        String prefix = what.isEmpty() ? "" : what + ": ";
        if (!Files.exists(file)) {
            throw CliException.usage(prefix + "no such file " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw CliException.usage(prefix + file + " is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw CliException.usage(prefix + "cannot read " + file + ": permission denied");
        }
    }

    /** Refuses (exit 2) what is not a data set id. */
    static String checkId(String id) {
        if (!DataLayout.isId(id)) {
            throw CliException.usage("'" + id + "' is not a data set id (64 lowercase hex digits; grid data ls "
                    + "lists them)");
        }
        return id;
    }

    @Command(name = "ls", mixinStandardHelpOptions = true,
            description = {"Lists the data sets (a submitter's own; every one for an admin): id, name, size, chunks, "
                    + "replicas held and wanted (the fewest holders any chunk has / how many it should have), the "
                    + "workers holding them and the jobs not yet ended that read them."})
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (GridClient c = client.connect()) {
                List<DataSet> sets = c.listData();
                if (client.printJson(ListDataResponse.newBuilder().addAllDataSets(sets).build())) {
                    return ExitCodes.OK;
                }
                PrintWriter out = client.out();
                if (sets.isEmpty()) {
                    out.println("no data sets");
                    out.flush();
                    return ExitCodes.OK;
                }
                Table table = new Table("ID", "NAME", "SIZE", "CHUNKS", "REPLICAS", "HOLDERS", "USED BY");
                for (DataSet s : sets) {
                    table.row(s.getId(), s.getName(), Formats.bytes(s.getSize()), s.getChunks(),
                            s.getReplicasHeld() + "/" + s.getReplicasWanted(),
                            s.getHoldersCount() == 0 ? "-" : String.join(",", s.getHoldersList()),
                            s.getUsedByCount() == 0 ? "-" : String.join(",", s.getUsedByList()));
                }
                table.print(out);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = {"Writes a data set to a file, reassembled and verified against its id: the file appears "
                    + "only once every byte checked out (it replaces a file of that name)."})
    static final class Get implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "The data set's id.")
        String id;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write it.")
        Path out;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            checkId(id);
            Path dir = out.toAbsolutePath().getParent();
            if (Files.isDirectory(out)) {
                throw CliException.usage("--out " + out + " is a directory");
            }
            if (dir == null || !Files.isDirectory(dir)) {
                throw CliException.usage("--out: no such directory " + dir);
            }
            try (GridClient c = client.connect()) {
                DataSet set;
                try {
                    set = c.getData(id, out);
                } catch (IOException e) {
                    throw new CliException(ExitCodes.USAGE, "--out: cannot write " + out + ": " + e.getMessage(), e);
                }
                if (!client.printJson(set)) {
                    client.err().println("wrote " + out + ": " + set.getName() + ", "
                            + Formats.bytes(set.getSize()) + ", verified");
                    client.err().flush();
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = {"Deletes a data set from the grid (the master and every worker drop it).",
                    "Refused (exit 2, naming the job) while a job that has not ended reads it."})
    static final class Rm implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "The data set's id.")
        String id;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            checkId(id);
            try (GridClient c = client.connect()) {
                DataSet set = c.deleteData(id);
                return client.print(set, () -> "removed " + set.getName() + " (" + set.getId() + ")");
            }
        }
    }
}
