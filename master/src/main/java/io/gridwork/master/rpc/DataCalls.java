package io.gridwork.master.rpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.gridwork.api.v1.ChunkLocation;
import io.gridwork.api.v1.ChunkPiece;
import io.gridwork.api.v1.DataCounters;
import io.gridwork.api.v1.DataOrder;
import io.gridwork.api.v1.DataSet;
import io.gridwork.api.v1.DataSetRef;
import io.gridwork.api.v1.DeleteDataRequest;
import io.gridwork.api.v1.FetchChunkRequest;
import io.gridwork.api.v1.GetDataRequest;
import io.gridwork.api.v1.ListDataRequest;
import io.gridwork.api.v1.ListDataResponse;
import io.gridwork.api.v1.LocateChunksRequest;
import io.gridwork.api.v1.LocateChunksResponse;
import io.gridwork.api.v1.PeerEndpoint;
import io.gridwork.api.v1.PutDataRequest;
import io.gridwork.internal.data.DataLayout;
import io.gridwork.master.data.DataFiles;
import io.gridwork.master.data.DataGrid;
import io.gridwork.master.data.DataTracker;
import io.gridwork.master.security.AccessPolicy;
import io.gridwork.master.security.Audit;
import io.gridwork.master.security.Principal;
import io.gridwork.master.store.DataSetRow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data grid's calls (ClientService PutData, ListData, GetData, DeleteData; WorkerService LocateChunks,
 * FetchChunk), and the mapping between the {@link DataGrid}'s records and the protocol. Thin: checks, calls the data
 * grid, maps the outcome to a status naming the field.
 */
final class DataCalls {

    private static final Logger log = LoggerFactory.getLogger(DataCalls.class);
    static final int MAX_NAME_CHARS = 500;

    private final DataGrid grid;
    private final Audit audit;

    DataCalls(DataGrid grid, Audit audit) {
        this.grid = grid;
        this.audit = audit;
    }

    DataGrid grid() {
        return grid;
    }

    // ------------------------------------------------------------------------------------------ clients

    /** Replicas on the workers of a large checkpoint's data set (besides the master's copy, which is the durable one). */
    static final int CHECKPOINT_REPLICAS = 1;

    /** Why the core would refuse a save (size, fencing) now, or null: see Scheduler.checkpointRefusal. */
    interface CheckpointGate {
        String refusal(io.gridwork.master.core.Messages.TaskKey key, long size);
    }

    /**
     * WorkerService PutCheckpoint: a large checkpoint's bytes, hashed as they come into the master's copy; the attempt
     * is checked (size limit, fencing) at the start and again before the copy is kept, and the answer is the data set
     * the worker then saves on its stream. A refused or broken upload keeps nothing.
     */
    StreamObserver<io.gridwork.api.v1.CheckpointPiece> putCheckpoint(CheckpointGate gate,
            StreamObserver<DataSetRef> observer) {
        return new Upload<io.gridwork.api.v1.CheckpointPiece, DataSetRef>(observer, "ref: the checkpoint was empty") {
            private io.gridwork.master.core.Messages.TaskKey key;
            private long size;

            @Override
            DataFiles.Upload open(io.gridwork.api.v1.CheckpointPiece first) throws IOException {
                if (!first.hasRef() || first.getRef().getJobId().isEmpty()) {
                    throw Statuses.invalid("ref: the first piece of a checkpoint names its task attempt");
                }
                Validation.range("seq", first.getSeq(), 1, Long.MAX_VALUE);
                Validation.range("size", first.getSize(), 0, Long.MAX_VALUE);
                key = WorkerServiceImpl.key(first.getRef());
                size = first.getSize();
                String refused = gate.refusal(key, size);
                if (refused != null) {
                    throw Status.FAILED_PRECONDITION.withDescription(refused).asRuntimeException();
                }
                return grid.begin(size);
            }

            @Override
            ByteString data(io.gridwork.api.v1.CheckpointPiece piece, boolean first) {
                if (!first && (piece.hasRef() || piece.getSize() != 0)) {
                    throw Statuses.invalid("ref: only the first piece of a checkpoint carries ref, seq and size");
                }
                return piece.getData();
            }

            @Override
            DataSetRef keep(DataFiles.Upload upload) throws IOException {
                if (upload.size() != size) {
                    upload.finish(); // throws the size mismatch, keeping nothing
                }
                String refused = gate.refusal(key, size); // fenced again: the attempt may have ended meanwhile
                if (refused != null) {
                    throw Status.FAILED_PRECONDITION.withDescription(refused).asRuntimeException();
                }
                DataFiles.Stored stored = upload.finish();
                DataSetRow row = grid.putCheckpoint(stored, key.jobId(), key.index(), CHECKPOINT_REPLICAS);
                log.atDebug().addKeyValue("job", key.jobId()).addKeyValue("task", key.index())
                        .log("checkpoint of {} bytes uploaded as data set {}", row.size(), row.id());
                return ref("checkpoint", row);
            }
        };
    }

    StreamObserver<PutDataRequest> putData(StreamObserver<DataSet> observer) {
        return new Upload<PutDataRequest, DataSet>(observer, "header: the put was empty") {
            private PutDataRequest.Header header;
            private Principal who;

            @Override
            DataFiles.Upload open(PutDataRequest first) throws IOException {
                if (!first.hasHeader()) {
                    throw Statuses.invalid("header: the first message of a put must be its header");
                }
                header = first.getHeader();
                if (header.getName().length() > MAX_NAME_CHARS) {
                    throw Statuses.invalid("header.name: at most " + MAX_NAME_CHARS + " characters");
                }
                Validation.range("header.replicas", header.getReplicas(), 0, DataGrid.MAX_REPLICAS);
                Validation.range("header.size", header.getSize(), 0, Long.MAX_VALUE);
                who = ClientServiceImpl.caller();
                return grid.begin(header.getSize());
            }

            @Override
            ByteString data(PutDataRequest part, boolean first) {
                if (first) {
                    return ByteString.EMPTY; // the header's message carries no bytes of the data set
                }
                if (part.hasHeader()) {
                    throw Statuses.invalid("header: a put has one header, in its first message");
                }
                return part.getData();
            }

            @Override
            DataSet keep(DataFiles.Upload upload) throws IOException {
                DataFiles.Stored stored = upload.finish();
                String name = header.getName().isBlank() ? stored.id().substring(0, 12) : header.getName();
                DataSetRow row = grid.put(stored, name, header.getReplicas(), who.owner());
                audit.record(who, "data.put", row.id(), name + ", " + row.size() + " bytes, " + row.chunks()
                        + " chunks, replicas " + row.replicasWanted());
                log.atInfo().addKeyValue("data", row.id()).log("data set {} stored ({} bytes, {} chunks, {})",
                        row.id(), row.size(), row.chunks(), name);
                return dataSet(grid.view(row));
            }
        };
    }

    /**
     * A client-streaming upload into the master's data files (PutData, PutCheckpoint): the first message opens it (after
     * its checks), the bytes of every message are written as they come (each at most a piece), and the end keeps the
     * copy and answers. A refusal answers with its status at once; a refusal or a broken stream aborts the upload,
     * keeping nothing, and what comes after is ignored.
     *
     * @param <M> the messages the caller sends
     * @param <R> the one answer
     */
    private abstract static class Upload<M, R> implements StreamObserver<M> {

        private final StreamObserver<R> observer;
        /** The refusal when the stream ends before its first message. */
        private final String empty;
        private DataFiles.Upload upload;
        private boolean failed;

        Upload(StreamObserver<R> observer, String empty) {
            this.observer = observer;
            this.empty = empty;
        }

        /** Checks the first message and opens the upload; throws a status naming the field. */
        abstract DataFiles.Upload open(M first) throws IOException;

        /** Checks a message (the first too, after {@link #open}) and returns the bytes of the upload it carries. */
        abstract ByteString data(M message, boolean first);

        /** Keeps the finished upload and returns the answer; throws a status naming the field. */
        abstract R keep(DataFiles.Upload upload) throws IOException;

        @Override
        public final void onNext(M message) {
            if (failed) {
                return;
            }
            try {
                boolean first = upload == null;
                if (first) {
                    upload = open(message);
                }
                ByteString data = data(message, first);
                if (data.size() > DataLayout.PIECE_SIZE) {
                    throw Statuses.invalid("data: a piece of " + data.size() + " bytes; at most " + DataLayout.PIECE_SIZE);
                }
                if (!data.isEmpty()) {
                    upload.write(data.toByteArray());
                }
            } catch (DataFiles.SizeMismatchException e) {
                fail(Statuses.invalid(e.getMessage()));
            } catch (Throwable t) {
                fail(Statuses.of(t));
            }
        }

        @Override
        public final void onError(Throwable t) {
            failed = true;
            if (upload != null) {
                upload.abort();
            }
        }

        @Override
        public final void onCompleted() {
            if (failed) {
                return;
            }
            if (upload == null) {
                fail(Statuses.invalid(empty));
                return;
            }
            try {
                R answer = keep(upload);
                observer.onNext(answer);
                observer.onCompleted();
            } catch (DataFiles.SizeMismatchException e) {
                fail(Statuses.invalid(e.getMessage()));
            } catch (Throwable t) {
                fail(Statuses.of(t));
            }
        }

        private void fail(StatusRuntimeException status) {
            failed = true;
            if (upload != null) {
                upload.abort();
            }
            observer.onError(status);
        }
    }

    void listData(ListDataRequest request, StreamObserver<ListDataResponse> observer) {
        Statuses.unary(observer, () -> {
            ListDataResponse.Builder b = ListDataResponse.newBuilder();
            if (!request.getId().isEmpty()) {
                b.addDataSets(dataSet(grid.view(visible("id", request.getId()))));
                return b.build();
            }
            Principal who = ClientServiceImpl.caller();
            for (DataSetRow row : grid.all()) {
                if (AccessPolicy.mayAccess(who, row.owner())) {
                    b.addDataSets(dataSet(grid.view(row)));
                }
            }
            return b.build();
        });
    }

    void getData(GetDataRequest request, StreamObserver<ChunkPiece> observer) {
        try {
            DataSetRow row = visible("id", request.getId());
            if (!grid.files().has(row.id())) {
                throw Status.FAILED_PRECONDITION.withDescription("id: this master holds no copy of data set "
                        + row.id()).asRuntimeException();
            }
            ChunkStreamer.pieces((ServerCallStreamObserver<ChunkPiece>) observer, grid.open(row), row.size());
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
        }
    }

    void deleteData(DeleteDataRequest request, StreamObserver<DataSet> observer) {
        Statuses.unary(observer, () -> {
            DataSetRow row = visible("id", request.getId());
            DataSet before = dataSet(grid.view(row));
            try {
                grid.delete(row.id());
            } catch (DataGrid.InUseException e) {
                throw Status.FAILED_PRECONDITION.withDescription("id: " + e.getMessage()).asRuntimeException();
            }
            audit.record(ClientServiceImpl.caller(), "data.rm", row.id(), row.name());
            return before;
        });
    }

    /** The data set with this id if the caller may see it: NOT_FOUND otherwise, naming the field. */
    private DataSetRow visible(String field, String id) {
        if (!DataLayout.isId(id)) {
            throw Statuses.invalid(field + ": not a data set id (64 lowercase hex digits): " + Validation.abbreviate(id));
        }
        DataSetRow row = grid.find(id).orElseThrow(() -> Status.NOT_FOUND.withDescription(field + ": no data set " + id)
                .asRuntimeException());
        if (!AccessPolicy.mayAccess(ClientServiceImpl.caller(), row.owner())) {
            throw Status.PERMISSION_DENIED.withDescription(field + ": data set " + id + " belongs to another user")
                    .asRuntimeException();
        }
        return row;
    }

    /**
     * Checks a submission's data sets: each must exist and be the caller's to read.
     *
     * @throws StatusRuntimeException INVALID_ARGUMENT naming {@code data[NAME]}
     */
    void checkSubmission(Map<String, String> data) {
        Principal who = ClientServiceImpl.caller();
        for (Map.Entry<String, String> e : data.entrySet()) {
            String field = "data[" + e.getKey() + "]";
            if (e.getKey().isEmpty() || e.getKey().length() > 200) {
                throw Statuses.invalid(field + ": a data set's name in a job has 1 to 200 characters");
            }
            if (!DataLayout.isId(e.getValue())) {
                throw Statuses.invalid(field + ": not a data set id (64 lowercase hex digits): "
                        + Validation.abbreviate(e.getValue()));
            }
            DataSetRow row = grid.find(e.getValue()).orElseThrow(() -> Statuses.invalid(field + ": no data set "
                    + e.getValue()));
            if (!AccessPolicy.mayAccess(who, row.owner())) {
                throw Status.PERMISSION_DENIED.withDescription(field + ": data set " + row.id()
                        + " belongs to another user").asRuntimeException();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ workers

    void locateChunks(LocateChunksRequest request, StreamObserver<LocateChunksResponse> observer) {
        Statuses.unary(observer, () -> {
            DataSetRow row = known("data_id", request.getDataId());
            for (int i : request.getIndexesList()) {
                if (i < 0 || i >= row.chunks()) {
                    throw Statuses.invalid("indexes: data set " + row.id() + " has " + row.chunks() + " chunks, no chunk "
                            + i);
                }
            }
            LocateChunksResponse.Builder b = LocateChunksResponse.newBuilder().setDataSet(ref("", row));
            for (DataTracker.Location l : grid.tracker().locate(row.id(), request.getIndexesList())) {
                ChunkLocation.Builder c = ChunkLocation.newBuilder().setIndex(l.index());
                l.holders().forEach(p -> c.addHolders(peer(p)));
                l.homes().forEach(p -> c.addHomes(peer(p)));
                b.addChunks(c);
            }
            return b.build();
        });
    }

    void fetchChunk(FetchChunkRequest request, StreamObserver<ChunkPiece> observer) {
        try {
            DataSetRow row = known("data_id", request.getDataId());
            if (request.getIndex() < 0 || request.getIndex() >= row.chunks()) {
                throw Statuses.invalid("index: data set " + row.id() + " has " + row.chunks() + " chunks, no chunk "
                        + request.getIndex());
            }
            byte[] sha = row.chunkHashes().get(request.getIndex());
            if (!request.getSha256().isEmpty() && !request.getSha256().equals(ByteString.copyFrom(sha))) {
                throw Statuses.invalid("sha256: chunk " + request.getIndex() + " of data set " + row.id()
                        + " has another hash");
            }
            if (!grid.files().has(row.id())) {
                throw Status.NOT_FOUND.withDescription("data_id: this master holds no copy of data set " + row.id())
                        .asRuntimeException();
            }
            byte[] bytes;
            try {
                bytes = grid.chunk(row, request.getIndex());
            } catch (DataFiles.CorruptCopyException e) {
                log.error("data grid: {}", e.getMessage());
                throw Status.DATA_LOSS.withDescription(e.getMessage()).asRuntimeException();
            }
            ChunkStreamer.pieces((ServerCallStreamObserver<ChunkPiece>) observer, new ByteArrayInputStream(bytes),
                    bytes.length);
        } catch (IOException e) {
            observer.onError(Status.INTERNAL.withDescription("reading chunk failed: " + e.getMessage()).asRuntimeException());
        } catch (Throwable t) {
            observer.onError(Statuses.of(t));
        }
    }

    private DataSetRow known(String field, String id) {
        if (!DataLayout.isId(id)) {
            throw Statuses.invalid(field + ": not a data set id (64 lowercase hex digits): " + Validation.abbreviate(id));
        }
        return grid.find(id).orElseThrow(() -> Status.NOT_FOUND.withDescription(field + ": no data set " + id)
                .asRuntimeException());
    }

    // ------------------------------------------------------------------------------------------ mapping

    static DataSet dataSet(DataGrid.View v) {
        DataSetRow r = v.row();
        return DataSet.newBuilder().setId(r.id()).setName(r.name()).setSize(r.size()).setChunkSize(r.chunkSize())
                .setChunks(r.chunks()).setReplicasWanted(r.replicasWanted()).setReplicasHeld(v.replicasHeld())
                .addAllHolders(v.holders()).setOwner(r.owner()).setCreatedMs(r.createdAt().toEpochMilli())
                .addAllUsedBy(v.usedBy()).build();
    }

    static DataSetRef ref(String name, DataSetRow r) {
        DataSetRef.Builder b = DataSetRef.newBuilder().setName(name).setId(r.id()).setSize(r.size())
                .setChunkSize(r.chunkSize());
        for (byte[] h : r.chunkHashes()) {
            b.addChunkSha256(UnsafeByteOperations.unsafeWrap(h));
        }
        return b.build();
    }

    static PeerEndpoint peer(DataTracker.Peer p) {
        return PeerEndpoint.newBuilder().setWorkerId(p.workerId()).setName(p.name()).setHost(p.host() == null ? "" : p.host())
                .setPort(p.port()).build();
    }

    /** A tracker order as the protocol's DataOrder; null if its data set is gone (and the order is not a removal). */
    DataOrder order(DataTracker.Order o) {
        DataSetRow row = grid.find(o.dataId()).orElse(null);
        DataOrder.Builder b = DataOrder.newBuilder().addAllFetch(o.fetch()).addAllDrop(o.drop()).setRemoved(o.removed());
        if (row != null) {
            b.setDataSet(ref("", row));
        } else if (o.removed()) {
            b.setDataSet(DataSetRef.newBuilder().setId(o.dataId()));
        } else {
            return null;
        }
        return b.build();
    }

    static DataGrid.Counters counters(DataCounters c) {
        return new DataGrid.Counters(c.getBytesLocal(), c.getBytesFromPeers(), c.getBytesFromMaster());
    }

    static DataCounters counters(DataGrid.Counters c) {
        return DataCounters.newBuilder().setBytesLocal(c.local()).setBytesFromPeers(c.fromPeers())
                .setBytesFromMaster(c.fromMaster()).build();
    }

    /** The data sets a job reads, as its JobSpec carries them. */
    List<DataSetRef> refs(Map<String, String> byName) {
        List<DataSetRef> refs = new java.util.ArrayList<>(byName.size());
        new java.util.TreeMap<>(byName).forEach((name, id) -> grid.find(id).ifPresent(row -> refs.add(ref(name, row))));
        return refs;
    }
}
