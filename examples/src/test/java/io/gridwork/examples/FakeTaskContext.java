package io.gridwork.examples;

import io.gridwork.sdk.DataRange;
import io.gridwork.sdk.DataRef;
import io.gridwork.sdk.JobArgs;
import io.gridwork.sdk.TaskContext;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A task's context over data sets held in memory, as a worker would serve them: {@link #openData} refuses a name the
 * job was not given and a range outside the data set, and every range opened is recorded.
 */
final class FakeTaskContext implements TaskContext {

    /** The chunk size of the fake data sets: small, so that tests cut many chunks. */
    static final int CHUNK = 64;

    private final JobArgs args;
    private final Map<String, byte[]> data;
    final List<DataRange> opened = new ArrayList<>();
    double progress;

    FakeTaskContext(Map<String, String> values, Map<String, byte[]> data) {
        Map<String, DataRef> refs = new java.util.LinkedHashMap<>();
        data.forEach((name, bytes) -> refs.put(name, new DataRef(name, "00".repeat(32), bytes.length, CHUNK)));
        this.args = JobArgs.of(values, refs);
        this.data = data;
    }

    static FakeTaskContext over(String name, byte[] bytes) {
        return new FakeTaskContext(Map.of(), Map.of(name, bytes));
    }

    @Override
    public InputStream openData(DataRange range) {
        byte[] bytes = data.get(range.name());
        if (bytes == null) {
            throw new IllegalArgumentException("no data set '" + range.name() + "'");
        }
        if (range.end() > bytes.length) {
            throw new IllegalArgumentException("range " + range + " outside a data set of " + bytes.length + " bytes");
        }
        opened.add(range);
        return new ByteArrayInputStream(bytes, (int) range.offset(), (int) range.length());
    }

    @Override
    public String jobId() {
        return "job-1";
    }

    @Override
    public long taskIndex() {
        return 0;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public JobArgs args() {
        return args;
    }

    @Override
    public void reportProgress(double fraction) {
        progress = fraction;
    }

    @Override
    public void reportProgress(double fraction, String message) {
        progress = fraction;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }
}
