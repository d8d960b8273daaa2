package io.gridwork.master.core;

import io.gridwork.master.store.TrustRow;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each worker's trust record from jobs run by quorum, by worker name: replicas whose output agreed with the accepted
 * one and replicas that disagreed. A worker whose disagreement rate is above {@code maxDisagreement}, once it has at
 * least {@code minSamples} replicas compared, is untrusted: it gets no tasks of quorum jobs (it still runs the others).
 * Written on the loop; read from any thread (the views). The store holds the durable counts: every change here is
 * written with the decision that made it ({@link io.gridwork.master.store.StoreBatch#trust}).
 */
final class Trust {

    /** A worker's counts. */
    record Record(long agreed, long disagreed) {
        static final Record NONE = new Record(0, 0);

        long samples() {
            return agreed + disagreed;
        }
    }

    private final ConcurrentHashMap<String, Record> records = new ConcurrentHashMap<>();
    private final double maxDisagreement;
    private final int minSamples;

    Trust(double maxDisagreement, int minSamples) {
        this.maxDisagreement = maxDisagreement;
        this.minSamples = minSamples;
    }

    Trust(SchedulerOptions options) {
        this(options.trustMaxDisagreement(), options.trustMinSamples());
    }

    /** The records as stored (at start): they replace what is held. */
    void load(Collection<TrustRow> rows) {
        records.clear();
        for (TrustRow r : rows) {
            records.put(r.workerName(), new Record(r.agreed(), r.disagreed()));
        }
    }

    Record of(String workerName) {
        return records.getOrDefault(workerName, Record.NONE);
    }

    void add(String workerName, long agreed, long disagreed) {
        records.merge(workerName, new Record(agreed, disagreed),
                (a, b) -> new Record(a.agreed() + b.agreed(), a.disagreed() + b.disagreed()));
    }

    /** Whether the worker is excluded from quorum jobs. */
    boolean untrusted(String workerName) {
        return untrusted(of(workerName));
    }

    boolean untrusted(Record r) {
        return r.samples() >= minSamples && (double) r.disagreed() / r.samples() > maxDisagreement;
    }

    /** Forgets a worker's record (an admin's reset, once the store's row is deleted). */
    void reset(String workerName) {
        records.remove(workerName);
    }
}
