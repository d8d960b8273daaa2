package io.gridwork.master.store;

import java.util.List;

/** Workers' trust records ({@link TrustRow}); counts are added through {@link StoreBatch#trust}. */
public interface TrustRepository {

    /** Every record, by worker name. */
    List<TrustRow> all();

    /** Deletes a worker's record (an admin's reset); false if it had none. */
    boolean delete(String workerName);
}
